//! Metrics of paired samples `(x_i, y_i)`, `y_i` drawn from `pi(.|x_i)`: the transport cost and
//! the LPIPS-proxy (faithfulness).

use eot_datasets::Points;

use crate::MetricError;
use crate::checks::{finite, paired, sq_dist};

/// Transport cost `E[c(x, y)] = (1/n) sum_i |x_i - y_i|^2 / 2` of paired samples, with the
/// suite's cost `c(x, y) = |x - y|^2 / 2` (docs/design.md §1). Units: squared coordinates.
pub fn transport_cost(x: &Points, y: &Points) -> Result<f64, MetricError> {
    const M: &str = "transport cost";
    paired(M, x, y)?;
    let total: f64 = x.rows().zip(y.rows()).map(|(a, b)| 0.5 * sq_dist(a, b)).sum();
    finite(M, total / x.len() as f64)
}

/// LPIPS-proxy for plain vectors: the mean normalised Euclidean distance between each input and
/// its translation,
///
/// `(1/n) sum_i sqrt( (1/D) sum_k ((x_ik - y_ik) / s_k)^2 )`, `s_k` the standard deviation of
/// coordinate `k` over the inputs `x`.
///
/// LPIPS compares unit-normalised network features; for vectors without a feature network the
/// coordinates are the features and each is normalised by its spread in the inputs, so the value
/// is unitless and comparable across datasets and dimensions: 0 for the identity map, about
/// `sqrt(2)` when `y` is an independent draw with the statistics of `x`. Lower = more faithful.
/// Needs >= 2 inputs and no constant coordinate among them.
pub fn lpips_proxy(x: &Points, y: &Points) -> Result<f64, MetricError> {
    const M: &str = "LPIPS-proxy";
    paired(M, x, y)?;
    crate::checks::at_least(M, "the inputs x", x, 2)?;
    let (n, d) = (x.len() as f64, x.dim());
    let mean = x.column_means();
    let mut var = vec![0.0; d];
    for r in x.rows() {
        var.iter_mut().zip(r.iter().zip(&mean)).for_each(|(s, (v, m))| *s += (v - m) * (v - m));
    }
    let mut inv_sd = Vec::with_capacity(d);
    for (k, s) in var.iter().enumerate() {
        let sd = (s / (n - 1.0)).sqrt();
        if sd.is_nan() || sd <= 0.0 {
            return Err(MetricError::Invalid(format!(
                "{M}: coordinate {k} is constant over the inputs x: it cannot be normalised"
            )));
        }
        inv_sd.push(1.0 / sd);
    }
    let total: f64 = x
        .rows()
        .zip(y.rows())
        .map(|(a, b)| {
            let s: f64 =
                a.iter().zip(b).zip(&inv_sd).map(|((u, v), w)| ((u - v) * w) * ((u - v) * w)).sum();
            (s / d as f64).sqrt()
        })
        .sum();
    finite(M, total / n)
}
