//! VarEOT (Dyachenko et al. 2026; DESIGN §3.1): a neural potential `f(y)` and a learned
//! normaliser `xi(x)`, trained jointly by plain minimisation, without MCMC. `xi` uses the exact
//! identity `log s = min_xi { xi + s e^{-xi} - 1 }` with `s = E_z exp(f(x + sqrt(eps) z)/eps)`,
//! so at the optimum `xi(x) + (D/2) log(2 pi eps) = log Z(f, x)` and the dual value is free.
//!
//! Inference samples `mu_x^f` by unadjusted Langevin (the authors') or by importance resampling
//! from `N(x, eps I)` (MCMC-free, with its effective sample size); see
//! [`crate::neural::InferenceSettings`]. Trained weights can be saved and reloaded
//! (`save=PATH`, `load=PATH`).

mod checkpoint;
mod proposal;
mod settings;
mod train;

pub use settings::{TargetProposal, VarEotSettings};
pub use train::VarEotTraining;

use crate::neural::NeuralPlan;
use crate::{Eps, FitData, FittedPlan, Options, Solver, SolverError, parse_device};

/// The VarEOT solver with validated settings.
#[derive(Clone, Debug)]
pub struct VarEotSolver {
    settings: VarEotSettings,
}

impl VarEotSolver {
    /// Validates the settings once.
    pub fn new(settings: VarEotSettings) -> Result<Self, SolverError> {
        settings.validate()?;
        Ok(VarEotSolver { settings })
    }

    /// The training state `fit_plan` starts from (fresh networks from `seed`, the settings'
    /// device; `load` is ignored), for running or timing single steps with
    /// [`VarEotTraining::step`]. `fit_plan` runs the same steps in the same order.
    pub fn start_training<'a>(
        &'a self,
        data: &FitData<'a>,
        eps: Eps,
        seed: u64,
    ) -> Result<VarEotTraining<'a>, SolverError> {
        let device = parse_device(&self.settings.device)?;
        VarEotTraining::new(&self.settings, data, eps.get(), seed, &device)
    }

    /// [`Solver::fit`] with the concrete plan (which also reports importance-sampling ESS).
    pub fn fit_plan(&self, data: &FitData, eps: Eps, seed: u64) -> Result<NeuralPlan, SolverError> {
        let s = &self.settings;
        let device = parse_device(&s.device)?;
        let dim = data.check()?;
        if s.load.is_none() {
            // The proposals and the Gaussian base use both samples' fitted Gaussians.
            crate::solver::require_density(data.source, "source", "vareot")?;
            crate::solver::require_density(data.target, "target", "vareot")?;
        }
        let (f, xi, report) = match &s.load {
            Some(path) => checkpoint::load(path, dim, eps.get(), &device)?,
            None => {
                let t = train::train(s, data, eps.get(), seed, &device)?;
                if let Some(path) = &s.save {
                    checkpoint::save(path, s, &t, dim, eps.get(), seed)?;
                }
                (t.f, t.xi, t.report)
            }
        };
        let mut plan = NeuralPlan {
            f,
            xi: Some(xi),
            eps: eps.get(),
            dim,
            report,
            inference: s.inference.clone(),
            device,
        };
        // A loaded model was not fitted to `data`: there is nothing to check it against.
        if s.load.is_none() {
            plan.check_target(data)?;
        }
        Ok(plan)
    }
}

/// Builds the solver from `key=value` options (see [`VarEotSettings::from_options`]).
pub fn factory(options: Options) -> Result<Box<dyn Solver>, SolverError> {
    Ok(Box::new(VarEotSolver::new(VarEotSettings::from_options(options)?)?))
}

impl Solver for VarEotSolver {
    fn name(&self) -> &str {
        "vareot"
    }
    fn settings(&self) -> Vec<(String, String)> {
        self.settings.describe()
    }
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        Ok(Box::new(self.fit_plan(data, eps, seed)?))
    }
}
