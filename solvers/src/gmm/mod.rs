//! The Gaussian-mixture closed-form solver (LightSB: Korotin, Gushchin, Burnaev, ICLR 2024;
//! DESIGN §3.3).
//!
//! The adjusted potential `v(y) = exp(f(y)/eps) exp(-|y|^2/(2 eps)) = sum_k alpha_k N(y | r_k, eps S_k)`
//! makes everything closed form: `log Z(f, x) = log c(x) - |x|^2/(2 eps)` with
//! `c(x) = sum_k alpha_k exp((x^T S_k x + 2 r_k^T x)/(2 eps))`, and
//! `pi(y|x) = sum_k w_k(x) N(y | r_k + S_k x, eps S_k)`, `w_k(x) ∝ alpha_k exp((x^T S_k x + 2 r_k^T x)/(2 eps))`.
//! Training minimises `E_{p0} log c(x) - E_{p1} log v(y)` (= `-L(f)/eps` up to constants) with Adam
//! on candle, in float64, every sum over components a log-sum-exp. `S_k` is diagonal by default,
//! full as an option.

mod model;
mod plan;
mod settings;
mod train;
mod unit_lower_inverse;

pub use plan::GmmPlan;
pub use settings::{Covariance, GmmSettings};

use crate::{Eps, FitData, FittedPlan, Options, Solver, SolverError};

/// The LightSB solver with validated settings.
#[derive(Clone, Debug)]
pub struct GmmSolver {
    settings: GmmSettings,
}

impl GmmSolver {
    /// Validates the settings once.
    pub fn new(settings: GmmSettings) -> Result<Self, SolverError> {
        settings.validate()?;
        Ok(GmmSolver { settings })
    }
}

impl GmmSolver {
    /// [`Solver::fit`] with the concrete plan, whose mixture can be read back.
    pub fn fit_mixture(&self, data: &FitData, eps: Eps, seed: u64) -> Result<GmmPlan, SolverError> {
        data.check()?;
        let (params, report) = train::train(&self.settings, data, eps.get(), seed)?;
        Ok(GmmPlan::new(params, eps.get(), report))
    }
}

/// Builds the solver from `key=value` options (see [`GmmSettings::from_options`]).
pub fn factory(options: Options) -> Result<Box<dyn Solver>, SolverError> {
    Ok(Box::new(GmmSolver::new(GmmSettings::from_options(options)?)?))
}

impl Solver for GmmSolver {
    fn name(&self) -> &str {
        "gmm"
    }
    fn settings(&self) -> Vec<(String, String)> {
        self.settings.describe()
    }
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        Ok(Box::new(self.fit_mixture(data, eps, seed)?))
    }
}
