use candle_core::{DType, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};

use super::Ema;
use crate::options::require_positive;
use crate::{FitReport, Options, SolverError};

/// Optimiser settings shared by the neural solvers.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainerSettings {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: f64,
    /// Largest global gradient norm; larger gradients are scaled down to it. `None`: no clipping.
    pub clip: Option<f64>,
    /// EMA decay of the weights used at inference (see [`Ema`]).
    pub ema_decay: f64,
    /// Wall-clock seconds after which training stops early (`None`: run every step). For
    /// comparisons at equal time; a budget that cuts training short makes the result depend on
    /// the machine's speed, so the report says where it stopped.
    pub time_budget: Option<f64>,
}

/// Option keys read by [`TrainerSettings::take`].
pub const TRAINER_KEYS: &[&str] =
    &["learning_rate", "beta1", "beta2", "weight_decay", "clip", "ema", "time_budget"];

impl TrainerSettings {
    /// Reads the keys of [`TRAINER_KEYS`], each defaulting to `d`'s value; `clip` and
    /// `time_budget` (seconds) are a number or `none`.
    pub fn take(o: &mut Options, d: &TrainerSettings) -> Result<Self, SolverError> {
        let clip = take_or_none(o, "clip", d.clip)?;
        let time_budget = take_or_none(o, "time_budget", d.time_budget)?;
        Ok(TrainerSettings {
            learning_rate: o.take("learning_rate", d.learning_rate)?,
            beta1: o.take("beta1", d.beta1)?,
            beta2: o.take("beta2", d.beta2)?,
            weight_decay: o.take("weight_decay", d.weight_decay)?,
            clip,
            ema_decay: o.take("ema", d.ema_decay)?,
            time_budget,
        })
    }

    /// `(key, value)` pairs for reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        [
            ("learning_rate", self.learning_rate.to_string()),
            ("beta1", self.beta1.to_string()),
            ("beta2", self.beta2.to_string()),
            ("weight_decay", self.weight_decay.to_string()),
            ("clip", self.clip.map_or("none".into(), |c| c.to_string())),
            ("ema", self.ema_decay.to_string()),
            ("time_budget", self.time_budget.map_or("none".into(), |t| format!("{t} s"))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Refuses rates and decays out of range, naming the setting.
    pub fn validate(&self) -> Result<(), SolverError> {
        require_positive("learning_rate", self.learning_rate)?;
        for (name, v) in [("beta1", self.beta1), ("beta2", self.beta2), ("ema", self.ema_decay)] {
            if !(0.0..1.0).contains(&v) {
                return Err(SolverError::setting(name, format!("must be in [0, 1), got {v}")));
            }
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(SolverError::setting("weight_decay", "must be finite and >= 0"));
        }
        if let Some(c) = self.clip {
            require_positive("clip", c)?;
        }
        if let Some(t) = self.time_budget {
            require_positive("time_budget", t)?;
        }
        Ok(())
    }
}

/// A number, or `none` for `None`.
fn take_or_none(o: &mut Options, key: &str, d: Option<f64>) -> Result<Option<f64>, SolverError> {
    let v = o.take(key, d.map_or("none".to_string(), |c| c.to_string()))?;
    match v.as_str() {
        "none" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| SolverError::setting(key, format!("'{v}': expected none or a number"))),
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
            clip: s.clip,
            time_budget: s.time_budget,
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
