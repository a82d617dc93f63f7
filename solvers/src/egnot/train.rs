//! EgNOT training: the weak-dual gradient with Langevin negatives (docs/design.md §3.2).

use candle_core::{DType, Device, Tensor};
use candle_nn::Module;
use candle_nn::VarMap;
use eot_datasets::{SuiteRng, substream};

use super::EgnotSettings;
use super::replay::Replay;
use crate::neural::{Langevin, Mlp, Networks, Trainer, Training, langevin};
use crate::{FitData, SolverError, minibatch};

/// EgNOT's training between two steps: the potential, the optimiser, the replay buffer and the
/// random stream, exactly as [`super::EgnotSolver::fit_plan`] trains them (it runs
/// [`Training::step`] until `steps` are done or the time budget is spent). Public so that a
/// caller can run and time single steps (`bench/benches/neural_train.rs`); built by
/// [`super::EgnotSolver::start_training`].
pub struct EgnotTraining<'a> {
    s: &'a EgnotSettings,
    data: FitData<'a>,
    eps: f64,
    dim: usize,
    device: Device,
    rng: SuiteRng,
    f: Mlp,
    trainer: Trainer,
    chains: Langevin,
    replay: Replay,
    last: f64,
}

impl<'a> EgnotTraining<'a> {
    /// Fresh weights drawn from `seed`'s stream, in the order `train` has always drawn them
    /// (the same seed gives the same run).
    pub(crate) fn new(
        s: &'a EgnotSettings,
        data: &FitData<'a>,
        eps: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let dim = data.check()?;
        let shape = s.shape(dim);
        let mut rng = substream(seed, 0xe960);
        let vars = VarMap::new();
        let f = Mlp::init(&shape, "f", &vars, &mut rng, device)?;
        let trainer = Trainer::new("egnot", &vars, &s.trainer)?;
        let chains = Langevin {
            steps: s.train_langevin_steps,
            step_size: s.train_step_size(eps),
            noise: s.noise,
        };
        Ok(EgnotTraining {
            s,
            data: *data,
            eps,
            dim,
            device: device.clone(),
            rng,
            f,
            trainer,
            chains,
            replay: Replay::new(dim, s.buffer),
            last: f64::NAN,
        })
    }
}

impl Training for EgnotTraining<'_> {
    fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// One training step: a mini-batch, its Langevin negatives (`train_langevin_steps` chain
    /// steps, continued from the replay buffer with probability `replay`), the surrogate loss,
    /// one optimiser and EMA update. Returns the surrogate loss. Runs even past the settings'
    /// `steps` or time budget (those stop `fit`'s loop, not a step).
    fn step(&mut self) -> Result<f64, SolverError> {
        let (s, device, dim) = (self.s, &self.device, self.dim);
        let (x, y) = minibatch::draw(&self.data, s.batch, &mut self.rng);
        let fresh: Vec<f32> = x.as_slice().iter().map(|v| *v as f32).collect();
        let (centres, starts) = self.replay.starts(&fresh, s.replay, &mut self.rng);
        let c = Tensor::from_slice(&centres, (s.batch, dim), device)?;
        let y0 = Tensor::from_slice(&starts, (s.batch, dim), device)?;
        let negatives =
            langevin(&self.f.detached(), &c, &y0, self.eps, &self.chains, &mut self.rng)?;
        self.replay.push(&centres, &negatives.flatten_all()?.to_vec1::<f32>()?);
        let y = minibatch::tensor(&y, DType::F32, device)?;
        // Minimising E f(negatives) - E f(y) follows -grad L: raises f on the target, lowers
        // it where the current plan puts mass.
        let f = &self.f;
        let loss = (f.forward(&negatives.detach())?.mean_all()? - f.forward(&y)?.mean_all()?)?;
        self.last = self.trainer.step(&loss)?;
        if s.progress {
            self.trainer.progress(s.steps, "surrogate loss", self.last);
        }
        Ok(self.last)
    }

    fn networks_now(&self) -> Result<(Mlp, Option<Mlp>), SolverError> {
        let ema = self.trainer.ema().tensors();
        Ok((Mlp::from_tensors(&self.s.shape(self.dim), "f", &ema, &self.device)?, None))
    }

    /// The EMA potential and the fit report.
    fn finish(self) -> Result<Networks, SolverError> {
        let s = self.s;
        let evaluations = self.trainer.steps_taken() * s.batch * s.train_langevin_steps;
        let report = self.trainer.report(
            s.steps,
            vec![
                format!("Langevin gradient evaluations in training: {evaluations}"),
                format!("last surrogate loss {:.5}", self.last),
            ],
        );
        let (f, xi) = self.networks_now()?;
        Ok(Networks { f, xi, report })
    }
}
