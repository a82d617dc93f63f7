//! Sliced W2: the mean over random directions of the 1-D W2^2 between the projected samples.

use eot_datasets::{Points, SuiteRng};
use rand_distr::{Distribution, StandardNormal};

use crate::MetricError;
use crate::checks::{finite, same_dim, two_samples};

/// `count` directions drawn uniformly on the unit sphere of `R^dim` (normalised standard
/// normals), one per row, from `rng`: with a seeded generator the same seed gives the same
/// directions.
pub fn random_directions(
    count: usize,
    dim: usize,
    rng: &mut SuiteRng,
) -> Result<Points, MetricError> {
    if count == 0 || dim == 0 {
        return Err(MetricError::Invalid(format!(
            "sliced W2: needs >= 1 direction in dimension >= 1, got {count} in dimension {dim}"
        )));
    }
    let mut data = Vec::with_capacity(count.saturating_mul(dim));
    for _ in 0..count {
        let norm = loop {
            let start = data.len();
            data.extend((0..dim).map(|_| -> f64 { StandardNormal.sample(rng) }));
            let norm = data[start..].iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 1e-12 {
                break norm;
            }
            data.truncate(start);
        };
        let start = data.len() - dim;
        data[start..].iter_mut().for_each(|v| *v /= norm);
    }
    Points::new(data, count, dim).map_err(|cause| MetricError::Data { metric: "sliced W2", cause })
}

/// Squared sliced W2 between the uniform empirical measures of `a` and `b` along `directions`
/// (one unit vector per row):
///
/// `SW2^2 = (1/L) sum_l W2^2(<theta_l, a>, <theta_l, b>)`, cost `|x - y|^2`.
///
/// The 1-D W2^2 is the integral over `t` in (0, 1) of the squared gap between the two quantile
/// functions, exact for any sizes `n`, `m`. Units: squared coordinates. POT's
/// `ot.sliced_wasserstein_distance(a, b, n_projections=L, p=2, projections=theta^T)` returns
/// the square root of this value. Memory O(n + m); time O(L (n log n + m log m)).
pub fn sliced_w2_squared_along(
    a: &Points,
    b: &Points,
    directions: &Points,
) -> Result<f64, MetricError> {
    const M: &str = "sliced W2";
    two_samples(M, a, b, 1)?;
    if directions.dim() != a.dim() {
        return Err(MetricError::DimensionMismatch {
            metric: M,
            left_name: "the samples",
            left: a.dim(),
            right_name: "the directions",
            right: directions.dim(),
        });
    }
    let (mut pa, mut pb) = (vec![0.0; a.len()], vec![0.0; b.len()]);
    let mut total = 0.0;
    for theta in directions.rows() {
        project(a, theta, &mut pa);
        project(b, theta, &mut pb);
        total += w2_squared_1d(&mut pa, &mut pb);
    }
    finite(M, total / directions.len() as f64)
}

/// [`sliced_w2_squared_along`] `count` directions drawn by [`random_directions`] from `rng`.
pub fn sliced_w2_squared(
    a: &Points,
    b: &Points,
    count: usize,
    rng: &mut SuiteRng,
) -> Result<f64, MetricError> {
    same_dim("sliced W2", a, b)?;
    sliced_w2_squared_along(a, b, &random_directions(count, a.dim(), rng)?)
}

fn project(p: &Points, theta: &[f64], out: &mut [f64]) {
    for (o, x) in out.iter_mut().zip(p.rows()) {
        *o = x.iter().zip(theta).map(|(a, b)| a * b).sum();
    }
}

/// `int_0^1 (F^-1(t) - G^-1(t))^2 dt` for the uniform measures on `u` and `v` (sorted in place).
/// The quantile functions are steps at `i/n` and `j/m`; positions are kept as integers in units
/// of `1/(n m)`, so the step widths are exact.
fn w2_squared_1d(u: &mut [f64], v: &mut [f64]) -> f64 {
    u.sort_unstable_by(f64::total_cmp);
    v.sort_unstable_by(f64::total_cmp);
    let (n, m) = (u.len() as u128, v.len() as u128);
    let (mut i, mut j, mut at) = (0usize, 0usize, 0u128);
    let mut total = 0.0;
    while i < u.len() && j < v.len() {
        let (end_u, end_v) = ((i as u128 + 1) * m, (j as u128 + 1) * n);
        let end = end_u.min(end_v);
        let gap = u[i] - v[j];
        total += (end - at) as f64 * gap * gap;
        at = end;
        if end_u == end {
            i += 1;
        }
        if end_v == end {
            j += 1;
        }
    }
    total / (n * m) as f64
}
