//! EgNOT (Mokrov et al., ICLR 2024; DESIGN §3.2): the neural potential `f(y)` trained with the
//! weak-dual gradient `grad L = -E_x E_{y ~ mu_x^f}[grad f(y)] + E_{y ~ p1}[grad f(y)]`, the
//! negatives drawn by short-run unadjusted Langevin chains started at `x` or, with probability
//! `replay`, continued from a replay buffer of earlier chains. The MCMC baseline that VarEOT is
//! measured against: same networks, optimiser loop, EMA and samplers ([`crate::neural`]).
//!
//! `log Z(f, x)` has no closed form here: the plan estimates it by importance sampling and says so.

mod replay;
mod settings;
mod train;

pub use settings::EgnotSettings;
pub use train::EgnotTraining;

use crate::neural::NeuralPlan;
use crate::{Eps, FitData, FittedPlan, Options, Solver, SolverError, parse_device};

/// The EgNOT solver with validated settings.
#[derive(Clone, Debug)]
pub struct EgnotSolver {
    settings: EgnotSettings,
}

impl EgnotSolver {
    /// Validates the settings once.
    pub fn new(settings: EgnotSettings) -> Result<Self, SolverError> {
        settings.validate()?;
        Ok(EgnotSolver { settings })
    }

    /// The training state `fit_plan` starts from (a fresh potential from `seed`, the settings'
    /// device), for running or timing single steps with [`EgnotTraining::step`]. `fit_plan` runs
    /// the same steps in the same order.
    pub fn start_training<'a>(
        &'a self,
        data: &FitData<'a>,
        eps: Eps,
        seed: u64,
    ) -> Result<EgnotTraining<'a>, SolverError> {
        let device = parse_device(&self.settings.device)?;
        EgnotTraining::new(&self.settings, data, eps.get(), seed, &device)
    }

    /// [`Solver::fit`] with the concrete plan.
    pub fn fit_plan(&self, data: &FitData, eps: Eps, seed: u64) -> Result<NeuralPlan, SolverError> {
        let s = &self.settings;
        let device = parse_device(&s.device)?;
        let dim = data.check()?;
        crate::solver::require_density(data.target, "target", "egnot")?;
        let (f, report) = train::train(s, data, eps.get(), seed, &device)?;
        let mut plan = NeuralPlan {
            f,
            xi: None,
            eps: eps.get(),
            dim,
            report,
            inference: s.inference.clone(),
            device,
        };
        plan.check_target(data)?;
        Ok(plan)
    }
}

/// Builds the solver from `key=value` options (see [`EgnotSettings::from_options`]).
pub fn factory(options: Options) -> Result<Box<dyn Solver>, SolverError> {
    Ok(Box::new(EgnotSolver::new(EgnotSettings::from_options(options)?)?))
}

impl Solver for EgnotSolver {
    fn name(&self) -> &str {
        "egnot"
    }
    fn settings(&self) -> Vec<(String, String)> {
        self.settings.describe()
    }
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        Ok(Box::new(self.fit_plan(data, eps, seed)?))
    }
}
