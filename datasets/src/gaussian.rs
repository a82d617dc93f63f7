use std::sync::OnceLock;

use nalgebra::{DMatrix, DVector};

use crate::linalg::{normal_vector, symmetrize};
use crate::{DataError, Points, SuiteRng};

/// A Gaussian `N(mean, cov)` with full covariance, sampled through its Cholesky factor.
#[derive(Clone, Debug)]
pub struct Gaussian {
    mean: DVector<f64>,
    cov: DMatrix<f64>,
    /// Lower Cholesky factor (`cov = l l^T`) and `log det cov`, computed once.
    l: DMatrix<f64>,
    log_det: f64,
    /// `l^{-1}`, built on first use by [`Gaussian::log_density_rows`].
    l_inv: OnceLock<DMatrix<f64>>,
}

impl Gaussian {
    /// Refuses a covariance that is not square, of the wrong size, or not positive definite.
    pub fn new(mean: DVector<f64>, cov: DMatrix<f64>) -> Result<Self, DataError> {
        let d = mean.len();
        if cov.nrows() != d || cov.ncols() != d {
            return Err(DataError::Invalid(format!(
                "covariance is {}x{}, mean has dimension {d}",
                cov.nrows(),
                cov.ncols()
            )));
        }
        let cov = symmetrize(cov);
        let chol = cov
            .clone()
            .cholesky()
            .ok_or_else(|| DataError::Invalid("covariance is not positive definite".into()))?;
        let l = chol.l();
        let log_det = l.diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        Ok(Gaussian { mean, cov, l, log_det, l_inv: OnceLock::new() })
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }
    /// Mean vector.
    pub fn mean(&self) -> &DVector<f64> {
        &self.mean
    }
    /// Covariance matrix.
    pub fn cov(&self) -> &DMatrix<f64> {
        &self.cov
    }

    /// The lower Cholesky factor `L` of the covariance (`cov = L L^T`).
    pub fn chol_l(&self) -> &DMatrix<f64> {
        &self.l
    }

    /// Draws `n` points.
    pub fn sample(&self, n: usize, rng: &mut SuiteRng) -> Points {
        let d = self.dim();
        let l = &self.l;
        let mut data = Vec::with_capacity(n * d);
        for _ in 0..n {
            let y = &self.mean + l * normal_vector(d, rng);
            data.extend(y.iter());
        }
        Points::new(data, n, d).expect("finite Gaussian draws")
    }

    /// `log N(x | mean, cov)`.
    pub fn log_density(&self, x: &[f64]) -> f64 {
        let d = self.dim();
        let diff = DVector::from_column_slice(x) - &self.mean;
        let z = self.l.solve_lower_triangular(&diff).expect("Cholesky factor is invertible");
        let log_det = self.log_det;
        -0.5 * (z.norm_squared() + log_det + d as f64 * (2.0 * std::f64::consts::PI).ln())
    }

    /// `log N(x | mean, cov)` of every row of `points`, by one matrix product with `L^{-1}`
    /// (the same values as [`Gaussian::log_density`] up to rounding).
    pub fn log_density_rows(&self, points: &Points) -> Vec<f64> {
        let d = self.dim();
        let l_inv = self.l_inv.get_or_init(|| {
            let eye = DMatrix::identity(d, d);
            self.l.solve_lower_triangular(&eye).expect("Cholesky factor is invertible")
        });
        let centred = DMatrix::from_fn(points.len(), d, |i, j| points.row(i)[j] - self.mean[j]);
        let z = centred * l_inv.transpose();
        let constant = self.log_det + d as f64 * (2.0 * std::f64::consts::PI).ln();
        z.row_iter().map(|row| -0.5 * (row.norm_squared() + constant)).collect()
    }
}
