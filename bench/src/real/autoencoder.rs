//! An MLP autoencoder of images with pixels in [0, 1]: the latent space the EOT solvers
//! translate in.
//!
//! The loss is the binary cross-entropy of the pixels against the decoder's logits (the
//! decoder's output is a sigmoid). For pixels in [0, 1] it is the likelihood of a Bernoulli
//! model, and unlike MSE its gradient does not vanish when a pixel saturates near 0 or 1 (most of
//! an MNIST image), which gives sharper reconstructions for the same training. It is computed
//! from the logits in the stable form `max(z, 0) - z x + log(1 + exp(-|z|))`.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use candle_core::{Device, Tensor};
use eot_datasets::{Points, substream};
use eot_solvers::neural::Activation;

use super::dense::Dense;
use super::tensors::{check_dim, map_rows, to_tensor};
use super::training::{
    INIT_STREAM, Schedule, TrainReport, require_count, require_widths, train_loop,
};

const NET: &str = "autoencoder";

/// The autoencoder's architecture and training. Checked by [`AutoencoderSettings::validate`]
/// before any work.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoencoderSettings {
    /// Dimension of the latent code (the encoder's linear output).
    pub latent_dim: usize,
    /// Widths of the encoder's hidden layers; the decoder mirrors them.
    pub hidden: Vec<usize>,
    /// Nonlinearity after every hidden layer.
    pub activation: Activation,
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per training step.
    pub batch_size: usize,
    /// AdamW's learning rate.
    pub learning_rate: f64,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f64,
    /// Seeds the weights and the batch order.
    pub seed: u64,
}

impl Default for AutoencoderSettings {
    fn default() -> Self {
        AutoencoderSettings {
            latent_dim: 16,
            hidden: vec![512, 256],
            activation: Activation::Silu,
            epochs: 10,
            batch_size: 256,
            learning_rate: 1e-3,
            weight_decay: 0.0,
            seed: 0,
        }
    }
}

impl AutoencoderSettings {
    /// Refuses a value out of range, naming the setting.
    pub fn validate(&self) -> Result<()> {
        require_count(NET, "latent_dim", self.latent_dim)?;
        require_widths(NET, &self.hidden)?;
        self.schedule().validate(NET)
    }

    /// Every setting as one JSON object: what the cache compares.
    pub fn to_json(&self) -> String {
        let latent = ("latent_dim", self.latent_dim.into());
        self.schedule().to_json(&self.hidden, self.activation, &[latent])
    }

    fn schedule(&self) -> Schedule {
        Schedule {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            weight_decay: self.weight_decay,
            seed: self.seed,
        }
    }

    /// Layer sizes of the encoder for images of `pixels` values.
    fn encoder_sizes(&self, pixels: usize) -> Vec<usize> {
        let mut sizes = vec![pixels];
        sizes.extend(&self.hidden);
        sizes.push(self.latent_dim);
        sizes
    }

    /// Layer sizes of the decoder: the encoder's, reversed.
    fn decoder_sizes(&self, pixels: usize) -> Vec<usize> {
        let mut sizes = self.encoder_sizes(pixels);
        sizes.reverse();
        sizes
    }
}

/// A trained autoencoder: `encode` to the latent space, `decode` back to pixels in [0, 1].
#[derive(Clone, Debug)]
pub struct Autoencoder {
    settings: AutoencoderSettings,
    pixels: usize,
    encoder: Dense,
    decoder: Dense,
    device: Device,
}

impl Autoencoder {
    /// Trains on `images` (one image a row, pixels in [0, 1]).
    pub fn train(
        images: &Points,
        settings: &AutoencoderSettings,
        device: &Device,
    ) -> Result<(Autoencoder, TrainReport)> {
        Self::train_with_held_out(images, None, settings, device)
    }

    /// Trains on `images`; the report's `held_out` is the reconstruction MSE of `held_out`.
    pub fn train_with_held_out(
        images: &Points,
        held_out: Option<&Points>,
        settings: &AutoencoderSettings,
        device: &Device,
    ) -> Result<(Autoencoder, TrainReport)> {
        settings.validate()?;
        check_pixels("training images", images)?;
        let pixels = images.dim();
        let mut rng = substream(settings.seed, INIT_STREAM);
        let encoder =
            Dense::init(&settings.encoder_sizes(pixels), settings.activation, &mut rng, device)?;
        let decoder =
            Dense::init(&settings.decoder_sizes(pixels), settings.activation, &mut rng, device)?;
        let net = Autoencoder {
            settings: settings.clone(),
            pixels,
            encoder,
            decoder,
            device: device.clone(),
        };
        let mut report = net.fit(images)?;
        if let Some(h) = held_out {
            report.held_out = Some(net.reconstruction_mse(h).context("held-out images")?);
        }
        Ok((net, report))
    }

    fn fit(&self, images: &Points) -> Result<TrainReport> {
        let x = to_tensor(images, &self.device)?;
        let vars = [self.encoder.vars(), self.decoder.vars()].concat();
        let schedule = self.settings.schedule();
        train_loop(vars, images.len(), &schedule, &self.device, |idx| {
            let batch = x.index_select(idx, 0)?;
            let logits = self.decoder.forward(&self.encoder.forward(&batch)?)?;
            bce_with_logits(&logits, &batch)
        })
        .context("training the autoencoder")
    }

    /// The latent codes of `images` (`n x latent_dim`).
    pub fn encode(&self, images: &Points) -> Result<Points> {
        check_dim("images", images, self.pixels)?;
        let codes = map_rows(images, &self.device, |x| Ok(vec![self.encoder.forward(x)?]))?;
        Ok(codes.into_iter().next().expect("one output"))
    }

    /// The images of latent codes `codes` (`n x pixels`, values in [0, 1]).
    pub fn decode(&self, codes: &Points) -> Result<Points> {
        check_dim("latent codes", codes, self.settings.latent_dim)?;
        let images = map_rows(codes, &self.device, |z| {
            Ok(vec![candle_nn::ops::sigmoid(&self.decoder.forward(z)?)?])
        })?;
        Ok(images.into_iter().next().expect("one output"))
    }

    /// Mean squared error per pixel of `decode(encode(images))` against `images`.
    pub fn reconstruction_mse(&self, images: &Points) -> Result<f64> {
        let out = self.decode(&self.encode(images)?)?;
        let sum: f64 =
            out.as_slice().iter().zip(images.as_slice()).map(|(a, b)| (a - b) * (a - b)).sum();
        Ok(sum / images.as_slice().len() as f64)
    }

    /// The settings it was trained with.
    pub fn settings(&self) -> &AutoencoderSettings {
        &self.settings
    }

    /// Values per image.
    pub fn pixels(&self) -> usize {
        self.pixels
    }

    /// The weights, by name (for the cache).
    pub(crate) fn named_tensors(&self) -> Vec<(String, Tensor)> {
        [self.encoder.named_tensors("encoder"), self.decoder.named_tensors("decoder")].concat()
    }

    /// The network saved by [`Autoencoder::named_tensors`] for images of `pixels` values.
    pub(crate) fn from_named_tensors(
        settings: &AutoencoderSettings,
        pixels: usize,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self> {
        let a = settings.activation;
        let encoder =
            Dense::from_tensors(&settings.encoder_sizes(pixels), a, "encoder", tensors, device)?;
        let decoder =
            Dense::from_tensors(&settings.decoder_sizes(pixels), a, "decoder", tensors, device)?;
        Ok(Autoencoder {
            settings: settings.clone(),
            pixels,
            encoder,
            decoder,
            device: device.clone(),
        })
    }
}

/// Mean binary cross-entropy of targets `x` in [0, 1] under logits `z`, in the form that
/// neither overflows nor takes the log of 0: `max(z, 0) - z x + log(1 + exp(-|z|))`.
fn bce_with_logits(z: &Tensor, x: &Tensor) -> Result<Tensor> {
    let softplus_neg_abs = (z.abs()?.neg()?.exp()? + 1.0)?.log()?;
    Ok((z.relu()? - (z * x)?)?.add(&softplus_neg_abs)?.mean_all()?)
}

/// Refuses images with a pixel outside [0, 1] (the cross-entropy's targets) or no images.
fn check_pixels(what: &str, images: &Points) -> Result<()> {
    if images.is_empty() {
        bail!("{what}: no images");
    }
    if let Some(pos) = images.as_slice().iter().position(|v| !(0.0..=1.0).contains(v)) {
        let d = images.dim();
        bail!(
            "{what}: image {} pixel {} is {}, outside [0, 1]",
            pos / d,
            pos % d,
            images.as_slice()[pos]
        );
    }
    Ok(())
}
