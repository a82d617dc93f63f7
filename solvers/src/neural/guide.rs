//! The Gaussian guide of the neural samplers: the conditional `N(c + M x, S)` of the exact EOT
//! plan between the Gaussians moment-matched to the source and target samples
//! (docs/design.md §4.1). It lands where `pi(.|x)` lives and holds the spread between its modes,
//! so chains start there and jump between modes by independence moves drawn from it.

use candle_core::{DType, Device, Tensor};
use eot_datasets::{Gaussian, GaussianPair, Moments, Points, SuiteRng};
use nalgebra::{DMatrix, DVector};

use super::normals;
use crate::SolverError;

/// The moment-matched Gaussian of `points`; a small ridge keeps a degenerate set (points on a
/// subspace, fewer points than dimensions) usable.
pub(crate) fn ridged_gaussian(points: &Points) -> Result<Gaussian, SolverError> {
    let m = Moments::empirical(points)?;
    let d = points.dim();
    let ridge = 1e-6 * (m.variance() / d as f64).max(1e-12);
    Ok(Gaussian::new(m.mean, m.cov + DMatrix::identity(d, d) * ridge)?)
}

/// `(c, M, S)`: the Gaussian conditional `N(c + M x, S)` of `y` given `x`.
pub(crate) type LinearConditional = (DVector<f64>, DMatrix<f64>, DMatrix<f64>);

/// `(c, M, S)` of the Gaussian plan's conditional `N(c + M x, S)` between the ridged Gaussians of
/// `source` and `target` at `eps`, `S` with a ridge of 1e-6 of its mean variance.
pub(crate) fn plan_conditional(
    source: &Points,
    target: &Points,
    eps: f64,
) -> Result<LinearConditional, SolverError> {
    let d = target.dim();
    let pair = GaussianPair::new(ridged_gaussian(source)?, ridged_gaussian(target)?, eps)?;
    let offset = pair.conditional_mean(&vec![0.0; d]);
    let slope = DMatrix::from_fn(d, d, |i, j| {
        let mut e = vec![0.0; d];
        e[j] = 1.0;
        pair.conditional_mean(&e)[i] - offset[i]
    });
    let cov = pair.conditional_cov().clone();
    let ridge = 1e-6 * (cov.trace() / d as f64).max(1e-12);
    Ok((offset, slope, cov + DMatrix::identity(d, d) * ridge))
}

/// `N(c + M x, S)` on a device, for whole batches of rows.
#[derive(Clone, Debug)]
pub struct Guide {
    /// `c`, `(1, D)`.
    offset: Tensor,
    /// `M^T`, so that the means of rows `x` are `x M^T + c`.
    slope_t: Tensor,
    /// `L^T` for the Cholesky factor `S = L L^T`: draws are `mean + z L^T`.
    chol_t: Tensor,
    /// `L^{-T}`: `(y - mean) L^{-T}` is standard normal.
    inv_chol_t: Tensor,
    /// `log N(0 | 0, S)`.
    log_norm: f64,
}

impl Guide {
    /// The Gaussian plan's conditional between the source and target samples at `eps`.
    pub fn from_samples(
        source: &Points,
        target: &Points,
        eps: f64,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let (offset, slope, cov) = plan_conditional(source, target, eps)?;
        let d = offset.len();
        let l = cov
            .cholesky()
            .ok_or_else(|| SolverError::Input("the guide's covariance is singular".into()))?
            .l();
        let inv = l
            .solve_lower_triangular(&DMatrix::identity(d, d))
            .ok_or_else(|| SolverError::Input("the guide's covariance is singular".into()))?;
        let log_det: f64 = l.diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        // Row-major f32 tensors of the transposes (nalgebra is column-major: its storage is
        // already the transpose, read row by row).
        let t = |m: &DMatrix<f64>| -> Result<Tensor, SolverError> {
            let data: Vec<f32> = m.as_slice().iter().map(|v| *v as f32).collect();
            Ok(Tensor::from_vec(data, (d, d), device)?)
        };
        let offset_t =
            Tensor::from_vec(offset.iter().map(|v| *v as f32).collect::<Vec<_>>(), (1, d), device)?;
        Ok(Guide {
            offset: offset_t,
            slope_t: t(&slope)?,
            chol_t: t(&l)?,
            inv_chol_t: t(&inv)?,
            log_norm: -0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + log_det),
        })
    }

    fn means(&self, x: &Tensor) -> Result<Tensor, SolverError> {
        Ok(x.matmul(&self.slope_t)?.broadcast_add(&self.offset)?)
    }

    /// One draw for each row of `x` (`(n, D)`, float32).
    pub fn sample(&self, x: &Tensor, rng: &mut SuiteRng) -> Result<Tensor, SolverError> {
        let z = normals(x.dims(), rng, x.device())?;
        Ok((self.means(x)? + z.matmul(&self.chol_t)?)?)
    }

    /// `log N(y_i | c + M x_i, S)` for each row.
    pub fn log_density(&self, x: &Tensor, y: &Tensor) -> Result<Vec<f64>, SolverError> {
        let z = (y - self.means(x)?)?.matmul(&self.inv_chol_t)?;
        let sq = z.to_dtype(DType::F64)?.sqr()?.sum(1)?.to_vec1::<f64>()?;
        Ok(sq.into_iter().map(|s| self.log_norm - 0.5 * s).collect())
    }
}
