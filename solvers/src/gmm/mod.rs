//! The Gaussian-mixture closed-form solver (LightSB: Korotin, Gushchin, Burnaev, ICLR 2024;
//! docs/design.md §3.3).
//!
//! The adjusted potential `v(y) = exp(f(y)/eps) exp(-|y|^2/(2 eps)) = sum_k alpha_k N(y | r_k, eps S_k)`
//! makes everything closed form: `log Z(f, x) = log c(x) - |x|^2/(2 eps)` with
//! `c(x) = sum_k alpha_k exp((x^T S_k x + 2 r_k^T x)/(2 eps))`, and
//! `pi(y|x) = sum_k w_k(x) N(y | r_k + S_k x, eps S_k)`, `w_k(x) ∝ alpha_k exp((x^T S_k x + 2 r_k^T x)/(2 eps))`.
//! Training minimises `E_{p0} log c(x) - E_{p1} log v(y)` (= `-L(f)/eps` up to constants) with Adam
//! in float64, every sum over components a log-sum-exp: for full `S_k` on the CPU with the
//! gradient written out (`full_cpu.rs`), otherwise with candle's autograd. `S_k` is full by default up to
//! D = 128 when the data is enough for it, diagonal otherwise ([`GmmSettings::shape`]).

mod full_cpu;
mod model;
mod plan;
mod settings;
mod train;
mod unit_lower_inverse;

pub use plan::GmmPlan;
pub use settings::{
    Covariance, FULL_COVARIANCE_MAX_DIM, GmmSettings, InitSpread, MIN_VALUES_PER_FULL_PARAMETER,
    Shape,
};

use crate::{Algorithm, Configured, Eps, FitData, FittedPlan, SolverError};

/// The LightSB solver: its settings, validated.
pub type GmmSolver = Configured<GmmSettings>;

impl Configured<GmmSettings> {
    /// [`crate::Solver::fit`] with the concrete plan, whose mixture can be read back.
    pub fn fit_mixture(&self, data: &FitData, eps: Eps, seed: u64) -> Result<GmmPlan, SolverError> {
        self.settings().fit_mixture(data, eps, seed)
    }
}

impl GmmSettings {
    fn fit_mixture(&self, data: &FitData, eps: Eps, seed: u64) -> Result<GmmPlan, SolverError> {
        data.check()?;
        let (params, report) = train::train(self, data, eps.get(), seed)?;
        Ok(GmmPlan::new(params, eps.get(), report))
    }
}

impl Algorithm for GmmSettings {
    const NAME: &'static str = "gmm";
    const SUMMARY: &'static str = "Gaussian-mixture closed form, LightSB (docs/design.md §3.3)";
    /// The defaults (10 components, full `S_k` up to D = 128), the authors' 50 diagonal ones, and
    /// fewer full ones for small samples.
    const CANDIDATES: &'static [&'static [&'static str]] =
        &[&[], &["covariance=diagonal", "components=50"], &["covariance=full", "components=3"]];

    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        Ok(Box::new(self.fit_mixture(data, eps, seed)?))
    }
}
