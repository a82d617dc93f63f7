use candle_core::{DType, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};

use super::Ema;
use super::early_stop::EarlyStop;
use crate::settings::{Limit, Rule, Visitor};
use crate::{FitReport, SolverError};

/// Optimiser settings shared by the neural solvers (each solver has its own defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainerSettings {
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// AdamW first-moment decay.
    pub beta1: f64,
    /// AdamW second-moment decay.
    pub beta2: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Largest global gradient norm; larger gradients are scaled down to it.
    pub clip: Limit,
    /// EMA decay of the weights used at inference (see [`Ema`]).
    pub ema_decay: f64,
    /// Wall-clock seconds after which training stops early. For comparisons at equal time; a
    /// budget that cuts training short makes the result depend on the machine's speed, so the
    /// report says where it stopped.
    pub time_budget: Limit,
    /// Stop after this many checks of the held-out dual without a new best, keeping the best
    /// networks (see [`super::early_stop`]); `None`: train every step.
    pub early_stop: Option<usize>,
    /// Training steps between two checks of the held-out dual (with `early_stop`).
    pub early_stop_every: usize,
}

impl TrainerSettings {
    /// Shows the optimiser's settings to `v` (see [`crate::Settings::visit`]).
    pub fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        use Rule::*;
        v.field("learning_rate", &mut self.learning_rate, Positive, "AdamW learning rate")?;
        v.field("beta1", &mut self.beta1, Fraction, "AdamW first-moment decay")?;
        v.field("beta2", &mut self.beta2, Fraction, "AdamW second-moment decay")?;
        v.field("weight_decay", &mut self.weight_decay, NonNegative, "AdamW weight decay")?;
        v.field("clip", &mut self.clip, Positive, "largest global gradient norm (larger gradients are scaled down to it); none: no clipping")?;
        v.field(
            "ema",
            &mut self.ema_decay,
            Fraction,
            "decay of the moving average of the weights used at inference",
        )?;
        v.field("time_budget", &mut self.time_budget, Positive, "seconds after which training stops early (the fit notes say after how many steps); none: run every step")?;
        v.field("early_stop", &mut self.early_stop, AtLeastOne, "stop after this many checks of the weak dual on held-out points (20 % of a fixed sample, the given points with a sampler) without a new best, keeping the best networks; none: train every step")?;
        v.field(
            "early_stop_every",
            &mut self.early_stop_every,
            AtLeastOne,
            "training steps between two checks of the held-out dual (with early_stop)",
        )
    }

    /// When to check the held-out dual and when to stop, if early stopping is on.
    pub fn early_stop(&self) -> Option<EarlyStop> {
        self.early_stop.map(|patience| EarlyStop { every: self.early_stop_every, patience })
    }
}

/// One AdamW over every variable of a `VarMap`, with global-norm gradient clipping, an EMA of
/// the weights and a divergence guard: a non-finite loss or gradient stops training with an
/// error that names the solver and the step.
pub struct Trainer {
    name: String,
    vars: Vec<Var>,
    opt: AdamW,
    clip: Option<f64>,
    time_budget: Option<f64>,
    ema: Ema,
    step: usize,
    clipped: usize,
    started: std::time::Instant,
}

impl Trainer {
    /// Optimises every variable in `vars` (which must already hold the networks).
    pub fn new(name: &str, vars: &VarMap, s: &TrainerSettings) -> Result<Self, SolverError> {
        let params = ParamsAdamW {
            lr: s.learning_rate,
            beta1: s.beta1,
            beta2: s.beta2,
            eps: 1e-8,
            weight_decay: s.weight_decay,
        };
        let mut named: Vec<(String, Var)> = vars
            .data()
            .lock()
            .expect("VarMap lock poisoned")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let list: Vec<Var> = named.into_iter().map(|(_, v)| v).collect();
        Ok(Trainer {
            name: name.to_string(),
            opt: AdamW::new(list.clone(), params)?,
            vars: list,
            clip: s.clip.get(),
            time_budget: s.time_budget.get(),
            ema: Ema::new(vars, s.ema_decay)?,
            step: 0,
            clipped: 0,
            started: std::time::Instant::now(),
        })
    }

    /// Backpropagates `loss` (a scalar), clips, steps the optimiser and the EMA; returns the
    /// loss as f64.
    pub fn step(&mut self, loss: &Tensor) -> Result<f64, SolverError> {
        let value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        self.guard("loss", value)?;
        let mut grads = loss.backward()?;
        let mut sq = 0.0;
        for v in &self.vars {
            if let Some(g) = grads.get(v.as_tensor()) {
                sq += g.to_dtype(DType::F64)?.sqr()?.sum_all()?.to_scalar::<f64>()?;
            }
        }
        let norm = sq.sqrt();
        self.guard("gradient norm", norm)?;
        if let Some(clip) = self.clip
            && norm > clip
        {
            self.clipped += 1;
            let scale = clip / norm;
            for v in &self.vars {
                if let Some(g) = grads.remove(v.as_tensor()) {
                    grads.insert(v.as_tensor(), (g * scale)?);
                }
            }
        }
        self.opt.step(&grads)?;
        self.ema.update()?;
        self.step += 1;
        Ok(value)
    }

    fn guard(&self, what: &str, value: f64) -> Result<(), SolverError> {
        if value.is_finite() {
            return Ok(());
        }
        Err(SolverError::Diverged(format!(
            "{}: {what} is {value} at training step {} — try a smaller learning rate",
            self.name, self.step
        )))
    }

    /// Whether the next of `total` steps should run: false once `total` steps are done or the
    /// time budget is spent.
    pub fn keep_going(&self, total: usize) -> bool {
        crate::progress::report(&self.name, self.step, total);
        self.step < total
            && self.time_budget.is_none_or(|t| self.started.elapsed().as_secs_f64() < t)
    }

    /// Steps taken so far.
    pub fn steps_taken(&self) -> usize {
        self.step
    }

    /// Changes the learning rate (for schedules).
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.opt.set_learning_rate(lr);
    }

    /// The averaged weights.
    pub fn ema(&self) -> &Ema {
        &self.ema
    }

    /// Prints the step and `loss` to stderr every 10 % of `total` steps.
    pub fn progress(&self, total: usize, what: &str, loss: f64) {
        if self.step.is_multiple_of((total / 10).max(1)) {
            eprintln!("{}: step {}/{total}, {what} {loss:.5}", self.name, self.step);
        }
    }

    /// The fit report: steps, speed and clipping, around the solver's own `notes`; `total` is
    /// the number of steps asked for (fewer ran if the time budget ran out).
    pub fn report(&self, total: usize, notes: Vec<String>) -> FitReport {
        let seconds = self.started.elapsed().as_secs_f64();
        let steps = self.step;
        let mut all = vec![format!(
            "steps per second {:.2} ({steps} steps in {seconds:.1} s)",
            steps as f64 / seconds
        )];
        if let Some(t) = self.time_budget.filter(|_| steps < total) {
            all.push(format!("stopped by the time budget of {t} s after {steps} of {total} steps"));
        }
        all.extend(notes);
        all.push(format!("gradient clipped in {} of {steps} steps", self.clipped));
        FitReport { iterations: steps, converged: true, final_error: None, notes: all }
    }
}
