//! Point sets that cannot be samples of a density on `R^D`: a coordinate that never varies, or
//! points confined to a lower-dimensional subspace. Solvers that model the target by a density
//! (a neural potential, a fitted Gaussian) cannot represent such data and would return the
//! query's own coordinate, or nonsense, instead of failing; they refuse it with the reason.

use crate::{Moments, Points};

/// Relative size below which a variance counts as zero: far above float64 rounding in the
/// computed moments (~1e-32 relative), far below any real spread.
const ZERO_RELATIVE: f64 = 1e-24;

/// Why `points` are not a sample of a density on `R^D` (`None` when they can be): too few
/// points to span `D` dimensions, a constant coordinate (1-based column in the message), or a
/// covariance of lower rank than `D`.
pub fn degeneracy(points: &Points) -> Option<String> {
    let (n, d) = (points.len(), points.dim());
    if n <= d {
        return Some(format!(
            "{n} points in {d} dimensions span at most {} of them: a density on R^{d} needs \
             more points than dimensions",
            n.saturating_sub(1)
        ));
    }
    let m = Moments::empirical(points).ok()?;
    for k in 0..d {
        let (var, mean) = (m.cov[(k, k)], m.mean[k]);
        if var <= ZERO_RELATIVE * mean * mean || var == 0.0 {
            return Some(format!(
                "column {} is constant ({mean}): drop it, or use a solver that takes any \
                 empirical measure (sinkhorn)",
                k + 1
            ));
        }
    }
    let eigen = m.cov.symmetric_eigenvalues();
    let top = eigen.max();
    let rank = eigen.iter().filter(|&&v| v > 1e-12 * top).count();
    (rank < d).then(|| {
        format!(
            "the points span only {rank} of {d} dimensions (covariance eigenvalues from {top:.3e} \
             down to {:.3e}): some coordinates are combinations of others; project the data \
             onto {rank} dimensions (e.g. PCA), or use sinkhorn",
            eigen.min()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(rows: &[[f64; 2]]) -> Points {
        Points::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn constant_columns_lines_and_too_few_points_are_named() {
        let spread = pts(&[[0.0, 1.0], [1.0, 0.5], [2.0, 2.0], [0.5, -1.0]]);
        assert_eq!(degeneracy(&spread), None);
        let constant = pts(&[[0.0, 2.5], [1.0, 2.5], [2.0, 2.5], [0.5, 2.5]]);
        assert!(degeneracy(&constant).unwrap().contains("column 2 is constant"));
        let same = pts(&[[3.0, 3.0]; 5]);
        assert!(degeneracy(&same).unwrap().contains("column 1 is constant"));
        let line = pts(&[[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [-1.5, -3.0]]);
        assert!(degeneracy(&line).unwrap().contains("span only 1 of 2"));
        let two = pts(&[[0.0, 1.0], [1.0, 0.0]]);
        assert!(degeneracy(&two).unwrap().contains("more points than dimensions"));
    }
}
