//! The fit both neural solvers share: checks on the data, training to the end (or a time
//! budget), the fitted plan and its check against the target. VarEOT and EgNOT supply only
//! their training ([`Training`]) and what they need of the data ([`NeuralAlgorithm`]).

use candle_core::Device;

use super::{Guide, InferenceSettings, Mlp, NeuralPlan, Trainer, TrainerSettings, Watch};
use crate::solver::require_density;
use crate::{Algorithm, Configured, Eps, FitData, FitReport, SolverError, parse_device};

/// A neural solver's training between two steps: a run calls [`Training::step`] until the
/// trainer says stop, then [`Training::finish`].
pub trait Training {
    /// The optimiser loop (steps taken, time budget).
    fn trainer(&self) -> &Trainer;
    /// Steps taken so far.
    fn steps_taken(&self) -> usize {
        self.trainer().steps_taken()
    }
    /// One training step; returns the mini-batch loss.
    fn step(&mut self) -> Result<f64, SolverError>;
    /// The networks as [`Training::finish`] would return them now (EMA weights): the potential
    /// and VarEOT's normaliser, for a check of the held-out dual.
    fn networks_now(&self) -> Result<(Mlp, Option<Mlp>), SolverError>;
    /// The trained networks (EMA weights) and the report.
    fn finish(self) -> Result<Networks, SolverError>;
}

/// The networks of a fitted neural plan: the potential, VarEOT's normaliser, the report.
pub struct Networks {
    /// The potential.
    pub f: Mlp,
    /// The learned normaliser (VarEOT).
    pub xi: Option<Mlp>,
    /// How training went.
    pub report: FitReport,
}

/// Runs `training` for `steps` steps, until its time budget is spent, or until `watch` stops
/// it (then with the best networks the watch saw).
pub(crate) fn run_to_end<T: Training>(
    mut training: T,
    steps: usize,
    mut watch: Option<Watch>,
) -> Result<Networks, SolverError> {
    while training.trainer().keep_going(steps) {
        training.step()?;
        let step = training.steps_taken();
        if let Some(w) = watch.as_mut().filter(|w| w.due(step)) {
            let (f, xi) = training.networks_now()?;
            if w.check(step, f, xi)? {
                break;
            }
        }
    }
    let mut trained = training.finish()?;
    if let Some(w) = watch {
        w.keep_best(&mut trained);
    }
    Ok(trained)
}

/// What a neural solver supplies to [`fit`]: its training, and what it needs of the data.
pub trait NeuralAlgorithm: Algorithm {
    /// The training state between two steps.
    type Training<'a>: Training
    where
        Self: 'a;
    /// The samples its training models by a density (`"source"`, `"target"`): refused when
    /// they cannot be one (see `eot_datasets::degeneracy`).
    const DENSITIES: &'static [&'static str];
    /// The device setting.
    fn device(&self) -> &str;
    /// How the fitted plan samples.
    fn inference(&self) -> &InferenceSettings;
    /// Training steps.
    fn steps(&self) -> usize;
    /// The optimiser's settings (early stopping among them).
    fn trainer_settings(&self) -> &TrainerSettings;
    /// Fresh networks from `seed`'s stream, ready for the first step.
    fn start<'a>(
        &'a self,
        data: &FitData<'a>,
        eps: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self::Training<'a>, SolverError>;
    /// Whether the networks come from elsewhere (a checkpoint) rather than from training on
    /// the data: then the data is not checked, nor the plan against it.
    fn loads(&self) -> bool {
        false
    }
    /// The networks: by default trained on `data` at `eps` from `seed` to the last step, or
    /// until `watch` stops training.
    fn networks(
        &self,
        data: &FitData,
        eps: f64,
        seed: u64,
        device: &Device,
        watch: Option<Watch>,
    ) -> Result<Networks, SolverError> {
        run_to_end(self.start(data, eps, seed, device)?, self.steps(), watch)
    }
}

impl<A: NeuralAlgorithm> Configured<A> {
    /// The training state `fit_plan` starts from (fresh networks from `seed`, the settings'
    /// device; a checkpoint to load is ignored), for running or timing single steps with
    /// [`Training::step`]. `fit_plan` runs the same steps in the same order.
    pub fn start_training<'a>(
        &'a self,
        data: &FitData<'a>,
        eps: Eps,
        seed: u64,
    ) -> Result<A::Training<'a>, SolverError> {
        let device = parse_device(self.settings().device())?;
        self.settings().start(data, eps.get(), seed, &device)
    }

    /// [`crate::Solver::fit`] with the concrete plan.
    pub fn fit_plan(&self, data: &FitData, eps: Eps, seed: u64) -> Result<NeuralPlan, SolverError> {
        fit(self.settings(), data, eps, seed)
    }
}

/// Fits a neural plan: checks the data, gets the networks, builds the plan and checks its
/// draws against the target (see [`NeuralPlan::check_target`]).
pub fn fit<A: NeuralAlgorithm>(
    s: &A,
    data: &FitData,
    eps: Eps,
    seed: u64,
) -> Result<NeuralPlan, SolverError> {
    let device = parse_device(s.device())?;
    let dim = data.check()?;
    if !s.loads() {
        for &role in A::DENSITIES {
            let points = if role == "source" { data.source } else { data.target };
            require_density(points, role, A::NAME)?;
        }
    }
    let early_stop = s.trainer_settings().early_stop().filter(|_| !s.loads());
    let (kept, watch) = match early_stop {
        Some(rule) => {
            let (kept, watch) = Watch::split(rule, data, eps.get(), seed, s.inference(), &device)?;
            (kept, Some(watch))
        }
        None => (None, None),
    };
    let train = match &kept {
        Some((source, target)) => FitData { source, target, sampler: data.sampler },
        None => *data,
    };
    let Networks { f, xi, report } = s.networks(&train, eps.get(), seed, &device, watch)?;
    let guide = Guide::from_samples(data.source, data.target, eps.get(), &device).ok();
    let inference = s.inference().clone();
    let mut plan = NeuralPlan { f, xi, eps: eps.get(), dim, report, inference, device, guide };
    if !s.loads() {
        plan.check_target(data)?;
    }
    Ok(plan)
}
