use nalgebra::{DMatrix, DVector};

use crate::{DataError, Points, SuiteRng};

/// Mean and covariance of a distribution.
#[derive(Clone, Debug)]
pub struct Moments {
    /// Mean vector.
    pub mean: DVector<f64>,
    /// Covariance matrix.
    pub cov: DMatrix<f64>,
}

impl Moments {
    /// Total variance: the trace of the covariance.
    pub fn variance(&self) -> f64 {
        self.cov.trace()
    }

    /// Sample mean and unbiased (`n - 1`) covariance of a point set.
    pub fn empirical(points: &Points) -> Result<Moments, DataError> {
        let n = points.len();
        if n < 2 {
            return Err(DataError::Invalid(format!("moments need >= 2 points, got {n}")));
        }
        let mut m = Moments::weighted(points, &vec![1.0 / n as f64; n])?;
        m.cov *= n as f64 / (n as f64 - 1.0);
        Ok(m)
    }

    /// Mean and covariance of the discrete law `sum_i w_i delta_{x_i}` (weights summing to 1).
    pub fn weighted(points: &Points, weights: &[f64]) -> Result<Moments, DataError> {
        let (n, d) = (points.len(), points.dim());
        if weights.len() != n {
            return Err(DataError::Invalid(format!("{} weights for {n} points", weights.len())));
        }
        let mut mean = DVector::zeros(d);
        for (x, &w) in points.rows().zip(weights) {
            mean.axpy(w, &DVector::from_column_slice(x), 1.0);
        }
        // Centred rank-1 updates: accurate even when the mean is large.
        let mut cov = DMatrix::zeros(d, d);
        for (x, &w) in points.rows().zip(weights) {
            let c = DVector::from_column_slice(x) - &mean;
            cov.ger(w, &c, &c, 1.0);
        }
        Ok(Moments { mean, cov })
    }
}

/// The exact EOT plan of a benchmark pair, for scoring solvers against it.
pub trait GroundTruth: Send + Sync {
    /// `k` exact draws from `pi*(. | x)`.
    fn conditional_sample(&self, x: &[f64], k: usize, rng: &mut SuiteRng) -> Points;
    /// Exact mean and covariance of `pi*(. | x)`.
    fn conditional_moments(&self, x: &[f64]) -> Moments;
    /// Mean and covariance of the target `p1` (exact, or as the implementor documents).
    fn target_moments(&self) -> Moments;
}

/// Fresh samples of a source and a target distribution, and nothing else: what a solver that
/// trains on mini-batches may see of a benchmark pair (the pair's ground truth stays with the
/// harness that scores it).
pub trait Sampler: Send + Sync {
    /// Dimension of both spaces.
    fn dim(&self) -> usize;
    /// `n` draws from the source `p0`.
    fn sample_source(&self, n: usize, rng: &mut SuiteRng) -> Points;
    /// `n` draws from the target `p1`.
    fn sample_target(&self, n: usize, rng: &mut SuiteRng) -> Points;
}

/// A source/target pair of distributions with samplers, and its ground truth when one is known.
pub trait BenchmarkPair: Sampler {
    /// Short name used in tables (`gaussian`, `gmm`, `swiss-roll`).
    fn name(&self) -> &str;
    /// The exact EOT plan for the pair's `eps`, if known.
    fn ground_truth(&self) -> Option<&dyn GroundTruth>;
}
