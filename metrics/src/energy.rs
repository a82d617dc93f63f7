//! Energy distance between two samples.

use eot_datasets::Points;
use rayon::prelude::*;

use crate::MetricError;
use crate::checks::{finite, sq_dist, two_samples};

/// Energy distance (Székely & Rizzo) between the empirical measures of `a` (n points) and `b`
/// (m points), with the Euclidean norm:
///
/// `ED = 2/(n m) sum_ij |a_i - b_j| - 1/n^2 sum_ij |a_i - a_j| - 1/m^2 sum_ij |b_i - b_j|`.
///
/// This is the V-statistic (the exact energy distance between the two empirical measures), so it
/// is >= 0 (tiny negative rounding is clamped to 0) and 0 for identical samples; as an estimate
/// of the population `ED(p, q)` it is biased upward by `(E|X-X'| + E|Y-Y'|)/n` for `n = m`.
/// Units: those of the coordinates (not squared). Some libraries (geomloss's `"energy"` loss)
/// report half of this value. Memory O(n + m); time O((n + m)^2 D), on all rayon threads.
pub fn energy_distance(a: &Points, b: &Points) -> Result<f64, MetricError> {
    const M: &str = "energy distance";
    two_samples(M, a, b, 1)?;
    let (n, m) = (a.len() as f64, b.len() as f64);
    let cross = mean_distance(a, b);
    let within_a = 2.0 * half_sum_within(a) / (n * n);
    let within_b = 2.0 * half_sum_within(b) / (m * m);
    Ok(finite(M, 2.0 * cross - within_a - within_b)?.max(0.0))
}

/// `1/(n m) sum_ij |a_i - b_j|`.
pub(crate) fn mean_distance(a: &Points, b: &Points) -> f64 {
    let rows: Vec<f64> = a
        .as_slice()
        .par_chunks(a.dim())
        .map(|x| b.rows().map(|y| sq_dist(x, y).sqrt()).sum::<f64>())
        .collect();
    ordered_sum(&rows) / (a.len() as f64 * b.len() as f64)
}

/// `sum_{i<j} |p_i - p_j|`.
pub(crate) fn half_sum_within(p: &Points) -> f64 {
    let rows: Vec<f64> = (0..p.len())
        .into_par_iter()
        .map(|i| {
            let x = p.row(i);
            (i + 1..p.len()).map(|j| sq_dist(x, p.row(j)).sqrt()).sum::<f64>()
        })
        .collect();
    ordered_sum(&rows)
}

/// Rows' partial sums added in row order: rayon's own `sum` adds in whatever order the threads
/// finish, which moved the last digits from run to run (same seed, different numbers).
fn ordered_sum(rows: &[f64]) -> f64 {
    rows.iter().sum()
}
