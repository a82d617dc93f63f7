//! Conditional diversity: how stochastic the conditional plans are.

use eot_datasets::Points;

use crate::MetricError;
use crate::checks::{finite, sq_dist};

/// Conditional diversity of `samples`, which hold `k` draws of `pi(.|x_q)` per query `q`, grouped
/// by query (rows `q k .. q k + k - 1`, the order of `FittedPlan::sample` and of `eot transport`):
///
/// `(1/Q) sum_q  2/(k (k-1)) sum_{i<j} |y_qi - y_qj|`.
///
/// Units: those of the coordinates. 0 means a deterministic map; for an exact EOT plan it grows
/// with eps. Needs `k >= 2` and a row count divisible by `k`; memory O(1) beyond the input.
pub fn conditional_diversity(samples: &Points, k: usize) -> Result<f64, MetricError> {
    const M: &str = "conditional diversity";
    if k < 2 {
        return Err(MetricError::Invalid(format!(
            "{M}: needs k >= 2 draws per query to form a pair, got k = {k}"
        )));
    }
    if samples.is_empty() || !samples.len().is_multiple_of(k) {
        return Err(MetricError::Invalid(format!(
            "{M}: {} rows are not a whole number (>= 1) of groups of k = {k} draws",
            samples.len()
        )));
    }
    let queries = samples.len() / k;
    let pairs = (k * (k - 1) / 2) as f64;
    let mut total = 0.0;
    for q in 0..queries {
        let mut group = 0.0;
        for i in 0..k {
            let a = samples.row(q * k + i);
            for j in i + 1..k {
                group += sq_dist(a, samples.row(q * k + j)).sqrt();
            }
        }
        total += group / pairs;
    }
    finite(M, total / queries as f64)
}
