//! Exact W2 between two equal-size uniform samples: an assignment problem.

use eot_datasets::Points;

use crate::MetricError;
use crate::assignment::{CostRows, solve};
use crate::checks::{sq_dist, two_samples};

/// The largest sample (points per side) [`w2_squared`] accepts. The solver takes O(n^3) time in
/// the worst case (in 2-D on this suite's 2-core machine: 0.06 s at n = 1000, 1.6 s at
/// n = 4000, against POT's 0.09 s and 3.0 s; 17 s and 7 MiB at n = 10,000; see docs/metrics.md),
/// so past this size use `sliced_w2_squared` or `sinkhorn_divergence`, which scale.
pub const W2_MAX_POINTS: usize = 10_000;

/// Up to this many bytes the n x n cost matrix is computed once and kept (n <= 5792 in f64);
/// larger problems recompute each cost row from the points, in O(n) memory.
pub const W2_DENSE_BYTES: usize = 256 << 20;

/// Squared 2-Wasserstein distance between the uniform empirical measures of two samples of the
/// same size `n`, with the cost `|x - y|^2` (no 1/2: the standard W2, and what POT's
/// `ot.emd2(a, b, ot.dist(x, y))` returns):
///
/// `W2^2 = min over permutations s of (1/n) sum_i |x_i - y_s(i)|^2`.
///
/// Units: squared units of the coordinates. Under the suite's cost `c = |x-y|^2/2` the optimal
/// transport cost is `W2^2 / 2`. Solved exactly by shortest augmenting paths (Jonker-Volgenant),
/// warm-started by auction prices; the value is summed from the original costs of the optimal
/// permutation.
///
/// Errors: samples of different sizes or dimensions, fewer than 1 point, more than
/// [`W2_MAX_POINTS`] points (refused before anything is allocated).
pub fn w2_squared(a: &Points, b: &Points) -> Result<f64, MetricError> {
    const M: &str = "exact W2";
    two_samples(M, a, b, 1)?;
    if a.len() != b.len() {
        return Err(MetricError::Invalid(format!(
            "{M}: needs two samples of the same size (an assignment problem), got {} and {} points",
            a.len(),
            b.len()
        )));
    }
    let n = a.len();
    if n > W2_MAX_POINTS {
        return Err(MetricError::TooLarge {
            metric: M,
            n,
            limit: W2_MAX_POINTS,
            advice: "its O(n^3) solver would take too long; use sliced-w2 or sinkhorn-div",
        });
    }
    let perm = if n * n * std::mem::size_of::<f64>() <= W2_DENSE_BYTES {
        solve(&DenseCosts::new(a, b))
    } else {
        solve(&PointCosts { a, b })
    }
    .ok_or_else(|| {
        MetricError::Invalid(format!("{M}: squared distances are not finite numbers"))
    })?;
    let total: f64 = perm.iter().enumerate().map(|(i, &j)| sq_dist(a.row(i), b.row(j))).sum();
    crate::checks::finite(M, total / n as f64)
}

/// `|a_i - b_j|^2` computed once into an n x n matrix.
struct DenseCosts {
    n: usize,
    c: Vec<f64>,
}

impl DenseCosts {
    fn new(a: &Points, b: &Points) -> Self {
        let n = a.len();
        let mut c = Vec::with_capacity(n * n);
        for x in a.rows() {
            c.extend(b.rows().map(|y| sq_dist(x, y)));
        }
        DenseCosts { n, c }
    }
}

impl CostRows for DenseCosts {
    fn size(&self) -> usize {
        self.n
    }
    fn row(&self, i: usize, cols: &[usize], out: &mut [f64]) {
        let row = &self.c[i * self.n..(i + 1) * self.n];
        for (o, &j) in out.iter_mut().zip(cols) {
            *o = row[j];
        }
    }
}

/// `|a_i - b_j|^2` recomputed from the points on demand: O(n) memory.
struct PointCosts<'a> {
    a: &'a Points,
    b: &'a Points,
}

impl CostRows for PointCosts<'_> {
    fn size(&self) -> usize {
        self.a.len()
    }
    fn row(&self, i: usize, cols: &[usize], out: &mut [f64]) {
        let x = self.a.row(i);
        for (o, &j) in out.iter_mut().zip(cols) {
            *o = sq_dist(x, self.b.row(j));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(a: &Points, b: &Points) -> f64 {
        fn perms(k: usize, used: &mut Vec<bool>, cur: f64, a: &Points, b: &Points, best: &mut f64) {
            if k == a.len() {
                *best = best.min(cur);
                return;
            }
            for j in 0..b.len() {
                if !used[j] {
                    used[j] = true;
                    perms(k + 1, used, cur + sq_dist(a.row(k), b.row(j)), a, b, best);
                    used[j] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        perms(0, &mut vec![false; b.len()], 0.0, a, b, &mut best);
        best / a.len() as f64
    }

    #[test]
    fn integer_grids_full_of_ties_still_give_the_optimum() {
        for n in 2..=7 {
            let a = Points::new((0..n).map(|i| (i % 3) as f64).collect(), n, 1).unwrap();
            let b = Points::new((0..n).map(|i| ((i * 2) % 4) as f64).collect(), n, 1).unwrap();
            let got = w2_squared(&a, &b).unwrap();
            assert!((got - brute_force(&a, &b)).abs() < 1e-12, "n={n}");
        }
    }

    #[test]
    fn matches_brute_force_on_small_problems_with_both_cost_sources() {
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in 1..=7 {
            for d in [1, 3] {
                let a = Points::new((0..n * d).map(|_| next()).collect(), n, d).unwrap();
                let b = Points::new((0..n * d).map(|_| 2.0 * next()).collect(), n, d).unwrap();
                let want = brute_force(&a, &b);
                let dense = solve(&DenseCosts::new(&a, &b)).unwrap();
                let lazy = solve(&PointCosts { a: &a, b: &b }).unwrap();
                for perm in [dense, lazy] {
                    let mut seen = perm.clone();
                    seen.sort();
                    assert_eq!(seen, (0..n).collect::<Vec<_>>(), "not a permutation");
                    let got: f64 = perm
                        .iter()
                        .enumerate()
                        .map(|(i, &j)| sq_dist(a.row(i), b.row(j)))
                        .sum::<f64>()
                        / n as f64;
                    assert!(
                        (got - want).abs() <= 1e-12 * want.max(1.0),
                        "n={n} d={d}: {got} vs {want}"
                    );
                }
            }
        }
    }
}
