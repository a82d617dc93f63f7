//! EgNOT (Mokrov et al., ICLR 2024; docs/design.md §3.2): the neural potential `f(y)` trained with the
//! weak-dual gradient `grad L = -E_x E_{y ~ mu_x^f}[grad f(y)] + E_{y ~ p1}[grad f(y)]`, the
//! negatives drawn by short-run unadjusted Langevin chains started at `x` or, with probability
//! `replay`, continued from a replay buffer of earlier chains. The MCMC baseline that VarEOT is
//! measured against: same networks, optimiser loop, EMA and samplers ([`crate::neural`]).
//!
//! `log Z(f, x)` has no closed form here: the plan estimates it by importance sampling and says so.

mod replay;
mod settings;
mod train;

pub use settings::{EgnotSettings, MAX_AUTO_TRAIN_STEP};
pub use train::EgnotTraining;

use candle_core::Device;

use crate::neural::{NeuralAlgorithm, TrainerSettings};
use crate::{Algorithm, Configured, Eps, FitData, FittedPlan, SolverError};

/// The EgNOT solver: its settings, validated.
pub type EgnotSolver = Configured<EgnotSettings>;

impl Algorithm for EgnotSettings {
    const NAME: &'static str = "egnot";
    const SUMMARY: &'static str =
        "neural potential trained with Langevin negatives, EgNOT (docs/design.md §3.2)";
    /// The defaults (capped training step) and the step for smooth targets at large eps.
    const CANDIDATES: &'static [&'static [&'static str]] =
        &[&[], &["train_langevin_step=0.02"], &["train_langevin_step=0.02", "steps=2000"]];

    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        Ok(Box::new(crate::neural::fit(self, data, eps, seed)?))
    }
}

impl NeuralAlgorithm for EgnotSettings {
    // The training chains need a potential that falls off around the target in every direction.
    const DENSITIES: &'static [&'static str] = &["target"];

    type Training<'a> = EgnotTraining<'a>;

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
    ) -> Result<EgnotTraining<'a>, SolverError> {
        EgnotTraining::new(self, data, eps, seed, device)
    }
}
