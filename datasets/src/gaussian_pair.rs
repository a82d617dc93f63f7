use nalgebra::{DMatrix, DVector};

use crate::linalg::{normal_vector, sqrtm_psd, symmetrize};
use crate::{
    BenchmarkPair, DataError, Gaussian, GroundTruth, Moments, Points, Sampler, SuiteRng,
    random_spd, seeded_rng,
};

/// Gaussian -> Gaussian with the closed-form EOT plan (docs/design.md §4.1; Janati et al. 2020).
///
/// For `p0 = N(a, A)`, `p1 = N(b, B)` and cost `|x-y|^2/2`, the optimal plan is Gaussian with
/// cross-covariance `C = 1/2 A^{1/2} (4 A^{1/2} B A^{1/2} + eps^2 I)^{1/2} A^{-1/2} - eps/2 I`,
/// so `pi*(y|x) = N(b + C^T A^{-1} (x - a), B - C^T A^{-1} C)`.
#[derive(Clone, Debug)]
pub struct GaussianPair {
    source: Gaussian,
    target: Gaussian,
    eps: f64,
    cross_cov: DMatrix<f64>,
    /// `C^T A^{-1}`: the slope of the conditional mean.
    slope: DMatrix<f64>,
    /// `B - C^T A^{-1} C`, with its Cholesky factor for sampling.
    cond_cov: DMatrix<f64>,
    cond_chol: DMatrix<f64>,
}

impl GaussianPair {
    /// The pair between two given Gaussians at regulariser `eps`.
    pub fn new(source: Gaussian, target: Gaussian, eps: f64) -> Result<Self, DataError> {
        if !(eps > 0.0 && eps.is_finite()) {
            return Err(DataError::Invalid(format!("eps must be > 0 and finite, got {eps}")));
        }
        if source.dim() != target.dim() {
            return Err(DataError::Invalid(format!(
                "source has dimension {}, target {}",
                source.dim(),
                target.dim()
            )));
        }
        let d = source.dim();
        let a_half = sqrtm_psd(source.cov());
        let a_inv = source
            .cov()
            .clone()
            .try_inverse()
            .ok_or_else(|| DataError::Invalid("source covariance is singular".into()))?;
        let a_half_inv = a_half.clone().try_inverse().expect("A^{1/2} of an SPD A is invertible");
        let inner = symmetrize(&a_half * target.cov() * &a_half * 4.0)
            + DMatrix::identity(d, d) * (eps * eps);
        let cross_cov =
            &a_half * sqrtm_psd(&inner) * &a_half_inv * 0.5 - DMatrix::identity(d, d) * (eps / 2.0);
        let slope = cross_cov.transpose() * &a_inv;
        let cond_cov = symmetrize(target.cov() - &slope * &cross_cov);
        let cond_chol = cond_cov
            .clone()
            .cholesky()
            .ok_or_else(|| {
                DataError::Invalid("conditional covariance is not positive definite".into())
            })?
            .l();
        Ok(GaussianPair { source, target, eps, cross_cov, slope, cond_cov, cond_chol })
    }

    /// The suite's standard Gaussian pair in dimension `dim`: means `N(0, I)`, full covariances with
    /// eigenvalues uniform in `[0.5, 2]`, drawn from a fixed construction seed so that the pair
    /// depends only on `dim` (and the plan on `eps`).
    pub fn standard(dim: usize, eps: f64) -> Result<Self, DataError> {
        if dim == 0 {
            return Err(DataError::Invalid("dimension must be >= 1".into()));
        }
        let mut rng = seeded_rng(0x6a05_5000 + dim as u64);
        let source =
            Gaussian::new(normal_vector(dim, &mut rng), random_spd(dim, 0.5, 2.0, &mut rng))?;
        let target =
            Gaussian::new(normal_vector(dim, &mut rng), random_spd(dim, 0.5, 2.0, &mut rng))?;
        GaussianPair::new(source, target, eps)
    }

    /// The source Gaussian.
    pub fn source(&self) -> &Gaussian {
        &self.source
    }
    /// The target Gaussian.
    pub fn target(&self) -> &Gaussian {
        &self.target
    }
    /// The regulariser the plan was built for.
    pub fn eps(&self) -> f64 {
        self.eps
    }
    /// The cross-covariance `C = Cov(x, y)` of the optimal plan.
    pub fn cross_cov(&self) -> &DMatrix<f64> {
        &self.cross_cov
    }
    /// Covariance of `pi*(.|x)` (the same for every `x`).
    pub fn conditional_cov(&self) -> &DMatrix<f64> {
        &self.cond_cov
    }

    /// The optimal weak-dual value `L* = sup_f L(f)` with the Lebesgue reference measure of the
    /// continuous solvers (docs/design.md §2), in closed form.
    ///
    /// `L* = min_pi E_pi[c] + eps E_x E_{pi(.|x)} log pi(y|x)` (the dual of the weak problem with
    /// `-eps E_x H(pi(.|x))`), attained by the Gaussian plan: `E_pi[c] = (|a-b|^2 + tr A + tr B
    /// - 2 tr C) / 2` and every conditional has the entropy `log det(2 pi e Sigma_c) / 2`, with
    /// `Sigma_c = B - C^T A^{-1} C`. (It equals the KL-regularised EOT value minus `eps H(p1)`.)
    pub fn weak_dual_value(&self) -> f64 {
        let d = self.dim() as f64;
        let mean_gap = (self.source.mean() - self.target.mean()).norm_squared();
        let cost = 0.5
            * (mean_gap + self.source.cov().trace() + self.target.cov().trace()
                - 2.0 * self.cross_cov.trace());
        let log_det = self
            .cond_cov
            .clone()
            .cholesky()
            .expect("SPD")
            .l()
            .diagonal()
            .iter()
            .map(|v| 2.0 * v.ln())
            .sum::<f64>();
        let entropy = 0.5 * (log_det + d * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln());
        cost - self.eps * entropy
    }

    /// The mean of `pi*(. | x)`: `b + C^T A^{-1} (x - a)`.
    pub fn conditional_mean(&self, x: &[f64]) -> DVector<f64> {
        let dx = DVector::from_column_slice(x) - self.source.mean();
        self.target.mean() + &self.slope * dx
    }
}

impl GroundTruth for GaussianPair {
    fn conditional_sample(&self, x: &[f64], k: usize, rng: &mut SuiteRng) -> Points {
        let mean = self.conditional_mean(x);
        let d = mean.len();
        let mut data = Vec::with_capacity(k * d);
        for _ in 0..k {
            data.extend((&mean + &self.cond_chol * normal_vector(d, rng)).iter());
        }
        Points::new(data, k, d).expect("finite Gaussian draws")
    }

    fn conditional_moments(&self, x: &[f64]) -> Moments {
        Moments { mean: self.conditional_mean(x), cov: self.cond_cov.clone() }
    }

    fn target_moments(&self) -> Moments {
        Moments { mean: self.target.mean().clone(), cov: self.target.cov().clone() }
    }
}

impl Sampler for GaussianPair {
    fn dim(&self) -> usize {
        self.source.dim()
    }
    fn sample_source(&self, n: usize, rng: &mut SuiteRng) -> Points {
        self.source.sample(n, rng)
    }
    fn sample_target(&self, n: usize, rng: &mut SuiteRng) -> Points {
        self.target.sample(n, rng)
    }
}

impl BenchmarkPair for GaussianPair {
    fn name(&self) -> &str {
        "gaussian"
    }
    fn ground_truth(&self) -> Option<&dyn GroundTruth> {
        Some(self)
    }
}
