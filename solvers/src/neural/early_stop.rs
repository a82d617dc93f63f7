//! Early stopping on the held-out weak dual: every `early_stop_every` steps the EMA networks are
//! scored by `L(f) = -eps mean_x log Z(f, x) + mean_y f(y)` on points training never steps on
//! (an estimate: VarEOT's `log Z` is its learned normaliser, EgNOT's an importance-sampling mean
//! with fixed draws, the same at every check). Training stops after `early_stop` checks without
//! a new best, and the best networks are kept. It reads points only, never a pair's ground truth.

use candle_core::Device;
use eot_datasets::Points;

use super::{InferenceSettings, Mlp, Networks, NeuralPlan};
use crate::{FitData, FitReport, FittedPlan, SolverError};

/// Held-out points per side a check scores on, at most: the check's cost is a forward pass per
/// point for VarEOT and `snis_proposals` of them for EgNOT.
pub const CHECK_POINTS: usize = 500;

/// When to check and when to stop (from [`super::TrainerSettings`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStop {
    /// Training steps between two checks.
    pub every: usize,
    /// Checks without a new best after which training stops.
    pub patience: usize,
}

/// The best networks so far and how the checks went.
struct Best {
    step: usize,
    value: f64,
    f: Mlp,
    xi: Option<Mlp>,
}

/// What the checks need and what they found; built by [`Watch::split`].
pub struct Watch {
    rule: EarlyStop,
    held: (Points, Points),
    eps: f64,
    inference: InferenceSettings,
    device: Device,
    best: Option<Best>,
    since_best: usize,
    checks: usize,
    last_step: usize,
}

impl Watch {
    /// The points training steps on and the watch over the held-out rest. With a sampler, the
    /// given points are held out (training draws fresh ones); on a fixed sample,
    /// [`crate::select::VALIDATION_SHARE`] of each side is (a seeded shuffle).
    pub fn split(
        rule: EarlyStop,
        data: &FitData,
        eps: f64,
        seed: u64,
        inference: &InferenceSettings,
        device: &Device,
    ) -> Result<(Option<(Points, Points)>, Self), SolverError> {
        let (train, held) = match data.sampler {
            Some(_) => (None, (data.source.clone(), data.target.clone())),
            None => {
                let (a, b) = crate::select::split(data.source, seed, 3, "early_stop")?;
                let (c, d) = crate::select::split(data.target, seed, 4, "early_stop")?;
                (Some((a, c)), (b, d))
            }
        };
        let held = (held.0.head(CHECK_POINTS), held.1.head(CHECK_POINTS));
        let watch = Watch {
            rule,
            held,
            eps,
            inference: inference.clone(),
            device: device.clone(),
            best: None,
            since_best: 0,
            checks: 0,
            last_step: 0,
        };
        Ok((train, watch))
    }

    /// Whether a check is due after `step` steps.
    pub fn due(&self, step: usize) -> bool {
        step.is_multiple_of(self.rule.every)
    }

    /// Scores the networks of `step` and returns whether training should stop. A network whose
    /// dual is not finite is no best; the check still counts.
    pub fn check(&mut self, step: usize, f: Mlp, xi: Option<Mlp>) -> Result<bool, SolverError> {
        let dim = self.held.0.dim();
        let plan = NeuralPlan {
            f,
            xi,
            eps: self.eps,
            dim,
            report: FitReport::default(),
            inference: self.inference.clone(),
            device: self.device.clone(),
            guide: None,
        };
        let value = plan.dual_value(&self.held.0, &self.held.1).map(|d| d.value).ok();
        self.checks += 1;
        self.last_step = step;
        match value {
            Some(v) if self.best.as_ref().is_none_or(|b| v > b.value) => {
                self.best = Some(Best { step, value: v, f: plan.f, xi: plan.xi });
                self.since_best = 0;
            }
            _ => self.since_best += 1,
        }
        Ok(self.since_best >= self.rule.patience)
    }

    /// Puts the best networks into `trained` (when a check found one) and says in its notes
    /// where the checks stopped training and which step's networks it keeps.
    pub fn keep_best(self, trained: &mut Networks) {
        let n = self.held.0.len();
        let Some(best) = self.best else {
            trained.report.notes.push(format!(
                "early stop: no check had a finite held-out dual ({} checks on {n} points a side); the last networks are kept",
                self.checks
            ));
            return;
        };
        let stopped = if self.since_best >= self.rule.patience {
            format!(
                "stopped at step {} after {} checks without a better one",
                self.last_step, self.since_best
            )
        } else {
            format!("ran every step ({} checks)", self.checks)
        };
        trained.report.notes.push(format!(
            "early stop: best held-out dual {:.6}* at step {} on {n} points a side, checked every {} steps; {stopped}; the networks of step {} are kept (* = log Z estimated)",
            best.value, best.step, self.rule.every, best.step
        ));
        trained.f = best.f;
        trained.xi = best.xi;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use candle_core::Tensor;

    use super::*;
    use crate::neural::{Activation, MlpShape};

    /// A network equal to `value` everywhere on the line (zero weights, last bias `value`).
    fn constant(prefix: &str, value: f32) -> Mlp {
        let shape = MlpShape { input: 1, hidden: vec![2], activation: Activation::Silu };
        let zeros = |dims: &[usize]| Tensor::zeros(dims, candle_core::DType::F32, &Device::Cpu);
        let mut t = HashMap::new();
        t.insert(format!("{prefix}.l0.weight"), zeros(&[2, 1]).unwrap());
        t.insert(format!("{prefix}.l0.bias"), zeros(&[2]).unwrap());
        t.insert(format!("{prefix}.l1.weight"), zeros(&[1, 2]).unwrap());
        t.insert(format!("{prefix}.l1.bias"), Tensor::new(&[value], &Device::Cpu).unwrap());
        Mlp::from_tensors(&shape, prefix, &t, &Device::Cpu).unwrap()
    }

    fn watch(patience: usize) -> Watch {
        let points = Points::new((0..40).map(f64::from).collect(), 40, 1).unwrap();
        let data = FitData::samples(&points, &points);
        let rule = EarlyStop { every: 10, patience };
        let inference = InferenceSettings::default();
        let (kept, w) = Watch::split(rule, &data, 1.0, 7, &inference, &Device::Cpu).unwrap();
        let (source, target) = kept.expect("a fixed sample is split");
        assert_eq!((source.len(), target.len(), w.held.0.len()), (32, 32, 8));
        w
    }

    /// With `xi = 0` and `f = b` the dual is `b` minus a constant: the checks see the values
    /// they are given, stop `patience` checks after the best, and hand the best `f` back.
    #[test]
    fn stops_after_patience_checks_and_keeps_the_best_networks() {
        let mut w = watch(3);
        let values = [1.0, 3.0, 2.0, 2.5, 2.9, 10.0];
        let mut stopped_at = None;
        for (i, v) in values.iter().enumerate() {
            if w.check(10 * (i + 1), constant("f", *v), Some(constant("xi", 0.0))).unwrap() {
                stopped_at = Some(i);
                break;
            }
        }
        assert_eq!(stopped_at, Some(4), "three checks without a better value after 3.0");
        let mut trained = Networks {
            f: constant("f", -1.0),
            xi: Some(constant("xi", 5.0)),
            report: FitReport::default(),
        };
        w.keep_best(&mut trained);
        let y = Tensor::new(&[[0.5f32]], &Device::Cpu).unwrap();
        let kept = candle_nn::Module::forward(&trained.f, &y).unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(kept, vec![3.0]);
        let note = &trained.report.notes[0];
        assert!(note.contains("at step 20") && note.contains("stopped at step 50"), "{note}");
    }

    #[test]
    fn a_run_that_keeps_improving_is_not_stopped() {
        let mut w = watch(2);
        for (i, v) in [1.0, 2.0, 3.0, 4.0].iter().enumerate() {
            assert!(!w.check(10 * (i + 1), constant("f", *v), Some(constant("xi", 0.0))).unwrap());
        }
    }
}
