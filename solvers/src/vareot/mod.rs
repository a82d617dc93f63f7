//! VarEOT (Dyachenko et al. 2026; docs/design.md §3.1): a neural potential `f(y)` and a learned
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

pub use settings::{Base, TargetProposal, VarEotSettings};
pub use train::VarEotTraining;

use candle_core::Device;

use crate::neural::{Networks, NeuralAlgorithm, TrainerSettings, Watch, run_to_end};
use crate::{Algorithm, Configured, Eps, FitData, FittedPlan, SolverError};

/// The VarEOT solver: its settings, validated.
pub type VarEotSolver = Configured<VarEotSettings>;

impl Algorithm for VarEotSettings {
    const NAME: &'static str = "vareot";
    const SUMMARY: &'static str =
        "neural potential + learned normaliser, trained without MCMC (docs/design.md §3.1)";
    /// The defaults, a shorter and a longer run, and a larger learning rate.
    const CANDIDATES: &'static [&'static [&'static str]] =
        &[&[], &["steps=300"], &["steps=2000"], &["learning_rate=0.001"]];

    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        Ok(Box::new(crate::neural::fit(self, data, eps, seed)?))
    }
}

impl NeuralAlgorithm for VarEotSettings {
    // The proposals and the Gaussian base use both samples' fitted Gaussians.
    const DENSITIES: &'static [&'static str] = &["source", "target"];

    type Training<'a> = VarEotTraining<'a>;

    fn device(&self) -> &str {
        &self.device
    }
    fn inference(&self) -> &crate::neural::InferenceSettings {
        &self.inference
    }
    fn steps(&self) -> usize {
        self.steps
    }
    fn trainer_settings(&self) -> &TrainerSettings {
        &self.trainer
    }
    fn start<'a>(
        &'a self,
        data: &FitData<'a>,
        eps: f64,
        seed: u64,
        device: &Device,
    ) -> Result<VarEotTraining<'a>, SolverError> {
        VarEotTraining::new(self, data, eps, seed, device)
    }
    fn loads(&self) -> bool {
        self.load.is_some()
    }

    fn networks(
        &self,
        data: &FitData,
        eps: f64,
        seed: u64,
        device: &Device,
        watch: Option<Watch>,
    ) -> Result<Networks, SolverError> {
        let dim = data.check()?;
        if let Some(path) = &self.load {
            return checkpoint::load(path, dim, eps, device);
        }
        let trained = run_to_end(self.start(data, eps, seed, device)?, self.steps, watch)?;
        if let Some(path) = &self.save {
            checkpoint::save(path, self, &trained, dim, eps, seed)?;
        }
        Ok(trained)
    }
}
