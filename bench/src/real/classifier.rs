//! A small MLP image classifier whose hidden activations are the feature space of the FID- and
//! LPIPS-proxies ([`super::perceptual`]).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use candle_core::{Device, Tensor};
use eot_datasets::{Points, substream};
use eot_solvers::neural::Activation;

use super::dense::Dense;
use super::tensors::{check_dim, map_rows, to_tensor};
use super::training::{INIT_STREAM, Schedule, TrainReport, require_widths, train_loop};

const NET: &str = "classifier";

/// The classifier's architecture and training. Checked by [`ClassifierSettings::validate`]
/// before any work.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassifierSettings {
    /// Widths of the hidden layers: the feature layers of the perceptual proxies.
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

impl Default for ClassifierSettings {
    fn default() -> Self {
        ClassifierSettings {
            hidden: vec![256, 128],
            activation: Activation::Silu,
            epochs: 10,
            batch_size: 256,
            learning_rate: 1e-3,
            weight_decay: 0.0,
            seed: 0,
        }
    }
}

impl ClassifierSettings {
    /// Refuses a value out of range, naming the setting.
    pub fn validate(&self) -> Result<()> {
        require_widths(NET, &self.hidden)?;
        self.schedule().validate(NET)
    }

    /// Every setting as one JSON object: what the cache compares.
    pub fn to_json(&self) -> String {
        self.schedule().to_json(&self.hidden, self.activation, &[])
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

    fn sizes(&self, pixels: usize, classes: usize) -> Vec<usize> {
        let mut sizes = vec![pixels];
        sizes.extend(&self.hidden);
        sizes.push(classes);
        sizes
    }
}

/// A trained classifier of images into `classes` labels `0..classes`.
#[derive(Clone, Debug)]
pub struct Classifier {
    settings: ClassifierSettings,
    pixels: usize,
    classes: usize,
    net: Dense,
    device: Device,
}

impl Classifier {
    /// Trains on `images` (one image a row) with `labels[i]` in `0..classes` the class of image
    /// `i`, by cross-entropy.
    pub fn train(
        images: &Points,
        labels: &[u8],
        classes: usize,
        settings: &ClassifierSettings,
        device: &Device,
    ) -> Result<(Classifier, TrainReport)> {
        Self::train_with_held_out(images, labels, classes, None, settings, device)
    }

    /// [`Classifier::train`]; the report's `held_out` is the accuracy on `held_out` (images,
    /// labels).
    pub fn train_with_held_out(
        images: &Points,
        labels: &[u8],
        classes: usize,
        held_out: Option<(&Points, &[u8])>,
        settings: &ClassifierSettings,
        device: &Device,
    ) -> Result<(Classifier, TrainReport)> {
        settings.validate()?;
        if classes < 2 {
            bail!("a classifier needs >= 2 classes, got {classes}");
        }
        check_labels(images, labels, classes)?;
        let pixels = images.dim();
        let mut rng = substream(settings.seed, INIT_STREAM);
        let net =
            Dense::init(&settings.sizes(pixels, classes), settings.activation, &mut rng, device)?;
        let c =
            Classifier { settings: settings.clone(), pixels, classes, net, device: device.clone() };
        let mut report = c.fit(images, labels)?;
        if let Some((x, y)) = held_out {
            report.held_out = Some(c.accuracy(x, y).context("held-out images")?);
        }
        Ok((c, report))
    }

    fn fit(&self, images: &Points, labels: &[u8]) -> Result<TrainReport> {
        let x = to_tensor(images, &self.device)?;
        let y = label_tensor(labels, &self.device)?;
        let s = &self.settings;
        let schedule = s.schedule();
        train_loop(self.net.vars(), images.len(), &schedule, &self.device, |idx| {
            let logits = self.net.forward(&x.index_select(idx, 0)?)?;
            Ok(candle_nn::loss::cross_entropy(&logits, &y.index_select(idx, 0)?)?)
        })
        .context("training the classifier")
    }

    /// The most likely class of each image.
    pub fn predict(&self, images: &Points) -> Result<Vec<u8>> {
        check_dim("images", images, self.pixels)?;
        let logits = map_rows(images, &self.device, |x| Ok(vec![self.net.forward(x)?]))?;
        Ok(logits[0].rows().map(argmax).collect())
    }

    /// The fraction of `images` whose predicted class is `labels`.
    pub fn accuracy(&self, images: &Points, labels: &[u8]) -> Result<f64> {
        check_labels(images, labels, self.classes)?;
        let predicted = self.predict(images)?;
        let right = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(right as f64 / labels.len() as f64)
    }

    /// Each hidden layer's activations (after the nonlinearity), one set of points per layer
    /// in layer order: the feature maps of the LPIPS-proxy.
    pub fn features(&self, images: &Points) -> Result<Vec<Points>> {
        check_dim("images", images, self.pixels)?;
        map_rows(images, &self.device, |x| {
            let mut all = self.net.forward_all(x)?;
            all.pop(); // the logits are not a feature layer
            Ok(all)
        })
    }

    /// The last hidden layer's activations: the embedding of the FID-proxy.
    pub fn embedding(&self, images: &Points) -> Result<Points> {
        Ok(self.features(images)?.pop().expect("at least one hidden layer"))
    }

    /// The settings it was trained with.
    pub fn settings(&self) -> &ClassifierSettings {
        &self.settings
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Values per image.
    pub fn pixels(&self) -> usize {
        self.pixels
    }

    /// The weights, by name (for the cache).
    pub(crate) fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.net.named_tensors("classifier")
    }

    /// The network saved by [`Classifier::named_tensors`].
    pub(crate) fn from_named_tensors(
        settings: &ClassifierSettings,
        pixels: usize,
        classes: usize,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self> {
        let sizes = settings.sizes(pixels, classes);
        let net = Dense::from_tensors(&sizes, settings.activation, "classifier", tensors, device)?;
        Ok(Classifier { settings: settings.clone(), pixels, classes, net, device: device.clone() })
    }
}

/// Refuses labels that are not one per image in `0..classes`.
fn check_labels(images: &Points, labels: &[u8], classes: usize) -> Result<()> {
    if images.is_empty() || labels.len() != images.len() {
        bail!("{} labels for {} images (need one per image, >= 1)", labels.len(), images.len());
    }
    if let Some(i) = labels.iter().position(|&l| usize::from(l) >= classes) {
        bail!("label {i} is {}, outside 0..{classes}", labels[i]);
    }
    Ok(())
}

fn label_tensor(labels: &[u8], device: &Device) -> Result<Tensor> {
    let v: Vec<u32> = labels.iter().map(|&l| u32::from(l)).collect();
    Ok(Tensor::from_vec(v, labels.len(), device)?)
}

/// Index of the largest value (the first on ties).
fn argmax(row: &[f64]) -> u8 {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best as u8
}
