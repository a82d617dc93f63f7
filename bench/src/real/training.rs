//! The minibatch loop both networks train with: AdamW, batches shuffled from a seeded stream,
//! and a divergence guard; plus the settings checks they share.

use std::time::Instant;

use anyhow::{Result, bail};
use candle_core::{Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use eot_datasets::substream;
use rand::seq::SliceRandom;

/// Streams of a training seed: the weights and the batch order are drawn independently, so a
/// change to one (e.g. the batch size) does not change the other.
pub(crate) const INIT_STREAM: u64 = 0;
const SHUFFLE_STREAM: u64 = 1;

/// What a training run did.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Mean training loss over the last epoch (per pixel for the autoencoder's binary
    /// cross-entropy, per image for the classifier's cross-entropy).
    pub final_loss: f64,
    /// The score on held-out images when some were given: reconstruction MSE per pixel for the
    /// autoencoder, accuracy for the classifier.
    pub held_out: Option<f64>,
    /// Optimiser steps taken.
    pub steps: usize,
    /// Wall-clock seconds of training (held-out scoring excluded).
    pub seconds: f64,
}

/// The optimiser schedule of one run.
pub(crate) struct Schedule {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub seed: u64,
}

impl Schedule {
    /// Refuses a value out of range, naming the network and the setting.
    pub(crate) fn validate(&self, net: &str) -> Result<()> {
        require_count(net, "epochs", self.epochs)?;
        require_count(net, "batch_size", self.batch_size)?;
        require_rate(net, "learning_rate", self.learning_rate)?;
        require_decay(net, self.weight_decay)
    }

    /// The schedule's settings and the network's `hidden` widths and `activation`, as the JSON
    /// object the cache compares; `extra` adds the network's own keys (keys come out sorted).
    pub(crate) fn to_json(
        &self,
        hidden: &[usize],
        activation: impl std::fmt::Display,
        extra: &[(&str, serde_json::Value)],
    ) -> String {
        let mut json = serde_json::json!({
            "hidden": hidden,
            "activation": activation.to_string(),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "seed": self.seed,
        });
        for (k, v) in extra {
            json[*k] = v.clone();
        }
        json.to_string()
    }
}

/// Trains `vars` for `schedule.epochs` passes over `n` rows, each pass in a fresh seeded order
/// (the last batch of a pass may be smaller). `loss` maps a batch's row indices (a `u32` tensor)
/// to the scalar loss. Stops with an error naming the step at a non-finite loss, before that
/// step changes the weights.
pub(crate) fn train_loop(
    vars: Vec<Var>,
    n: usize,
    schedule: &Schedule,
    device: &Device,
    loss: impl Fn(&Tensor) -> Result<Tensor>,
) -> Result<TrainReport> {
    let start = Instant::now();
    let params = ParamsAdamW {
        lr: schedule.learning_rate,
        weight_decay: schedule.weight_decay,
        ..Default::default()
    };
    let mut opt = AdamW::new(vars, params)?;
    let mut rng = substream(schedule.seed, SHUFFLE_STREAM);
    let mut order: Vec<u32> = (0..n as u32).collect();
    let (mut step, mut epoch_loss) = (0, 0.0);
    for epoch in 0..schedule.epochs {
        order.shuffle(&mut rng);
        epoch_loss = 0.0;
        for batch in order.chunks(schedule.batch_size) {
            let idx = Tensor::from_slice(batch, batch.len(), device)?;
            let value = loss(&idx)?;
            let v = f64::from(value.to_scalar::<f32>()?);
            if !v.is_finite() {
                bail!("training diverged at step {step} (epoch {epoch}): loss {v}");
            }
            opt.backward_step(&value)?;
            epoch_loss += v * batch.len() as f64 / n as f64;
            step += 1;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(TrainReport { final_loss: epoch_loss, held_out: None, steps: step, seconds })
}

/// Refuses a count below 1, naming the setting.
pub(crate) fn require_count(net: &str, field: &str, v: usize) -> Result<()> {
    if v == 0 {
        bail!("{net} setting '{field}' must be >= 1, got 0");
    }
    Ok(())
}

/// Refuses a rate that is not finite and positive, naming the setting.
pub(crate) fn require_rate(net: &str, field: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        bail!("{net} setting '{field}' must be finite and > 0, got {v}");
    }
    Ok(())
}

/// Refuses a weight decay that is not finite and >= 0.
pub(crate) fn require_decay(net: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        bail!("{net} setting 'weight_decay' must be finite and >= 0, got {v}");
    }
    Ok(())
}

/// Refuses an empty list of hidden widths or a zero width.
pub(crate) fn require_widths(net: &str, widths: &[usize]) -> Result<()> {
    if widths.is_empty() || widths.contains(&0) {
        bail!("{net} setting 'hidden' must be one or more widths >= 1, got {widths:?}");
    }
    Ok(())
}
