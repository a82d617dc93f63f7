//! A task's data, ready for the solvers: the two classes split into training and test points,
//! in the space the solvers work in (standardised latent codes, or standardised PCs), with the
//! networks that score the images.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use candle_core::Device;
use eot_datasets::real::{
    FashionSplit, ImageSet, LabelledPoints, data_dir, ensure_fetched, load_fashion_mnist,
    load_mnist, load_pbmc,
};
use eot_datasets::{Points, seeded_rng};

use super::{RealTask, Source};
use crate::real::{
    Autoencoder, AutoencoderSettings, CacheOutcome, Classifier, ClassifierSettings,
    fid_proxy_images,
};

/// Seed of the train/test splits made here (MNIST, PBMC): fixed, like the benchmark's test
/// points, so every run seed and solver is scored on the same held-out data.
const SPLIT_SEED: u64 = 0x5b11;
/// Share of each class used for training where the data has no official split.
const MNIST_TRAIN_SHARE: f64 = 0.8;
const PBMC_TRAIN_SHARE: f64 = 0.7;

/// The networks of an image task and its held-out images.
pub struct ImageSpace {
    /// The latent space the solvers work in.
    pub autoencoder: Autoencoder,
    /// The features the images are scored in.
    pub classifier: Classifier,
    /// The class index of the task's target class.
    pub target_class: u8,
    /// Held-out images of the source class.
    pub source_test_images: Points,
    /// Held-out images of the target class.
    pub target_test_images: Points,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
}

/// The space the solvers work in.
pub enum Space {
    /// Standardised latent codes of an autoencoder; images scored by a classifier.
    Latent(Box<ImageSpace>),
    /// Standardised coordinates (the PBMC cells' principal components).
    Coordinates,
}

/// A task's points in the solvers' space: `code = (z - shift) / scale`, `z` the latent code or
/// the PCs, with one `shift` and `scale` for both classes (fitted on the training points of
/// both) so that the geometry is kept and eps means the same on every task: after it the
/// coordinates have mean 0 and mean variance 1.
pub struct Prepared {
    /// The task.
    pub task: &'static RealTask,
    /// Training points of the source class.
    pub source_train: Points,
    /// Training points of the target class.
    pub target_train: Points,
    /// Held-out points of the source class.
    pub source_test: Points,
    /// Held-out points of the target class.
    pub target_test: Points,
    /// The standardisation's shift (per coordinate).
    pub shift: Vec<f64>,
    /// The standardisation's scale.
    pub scale: f64,
    /// The space the points live in.
    pub space: Space,
    /// How the space was made (network accuracy, reconstruction error, reference figures).
    pub notes: Vec<String>,
}

impl Prepared {
    /// Images decoded from codes of the solvers' space (image tasks only).
    pub fn to_images(&self, codes: &Points) -> Result<Option<Points>> {
        let Space::Latent(space) = &self.space else { return Ok(None) };
        Ok(Some(space.autoencoder.decode(&self.unstandardise(codes)?)?))
    }

    fn unstandardise(&self, codes: &Points) -> Result<Points> {
        let d = codes.dim();
        let data = codes
            .as_slice()
            .iter()
            .enumerate()
            .map(|(i, v)| v * self.scale + self.shift[i % d])
            .collect();
        Ok(Points::new(data, codes.len(), d)?)
    }
}

/// The task's prepared data: made once per process (networks come from the on-disk cache in
/// `data/real/cache/` when their settings and training data match, else are trained there).
pub fn prepare(task: &'static RealTask) -> Result<Arc<Prepared>> {
    static DONE: Mutex<Option<HashMap<&'static str, Arc<Prepared>>>> = Mutex::new(None);
    let mut done = DONE.lock().unwrap_or_else(|p| p.into_inner());
    let map = done.get_or_insert_with(HashMap::new);
    if let Some(p) = map.get(task.name) {
        return Ok(p.clone());
    }
    let dir = data_dir();
    ensure_fetched(&dir)?;
    let prepared = match task.source {
        Source::Pbmc => prepare_cells(task, &load_pbmc(&dir)?)?,
        Source::Mnist => {
            let all = load_mnist(&dir)?;
            let (train, test) =
                all.stratified_split(MNIST_TRAIN_SHARE, &mut seeded_rng(SPLIT_SEED));
            prepare_images(task, &train, &test, 30)?
        }
        Source::FashionMnist => {
            let train = load_fashion_mnist(&dir, FashionSplit::Train)?;
            let test = load_fashion_mnist(&dir, FashionSplit::Test)?;
            prepare_images(task, &train, &test, 10)?
        }
    };
    let p = Arc::new(prepared);
    map.insert(task.name, p.clone());
    Ok(p)
}

fn prepare_cells(task: &'static RealTask, cells: &LabelledPoints) -> Result<Prepared> {
    let mut rng = seeded_rng(SPLIT_SEED);
    let (src_train, src_test) =
        LabelledPoints::split(&cells.of_label(task.from, task.dim)?, PBMC_TRAIN_SHARE, &mut rng);
    let (tgt_train, tgt_test) =
        LabelledPoints::split(&cells.of_label(task.to, task.dim)?, PBMC_TRAIN_SHARE, &mut rng);
    let (shift, scale) = standardisation(&src_train, &tgt_train);
    let [src_train, tgt_train, src_test, tgt_test] =
        [&src_train, &tgt_train, &src_test, &tgt_test].map(|p| standardise(p, &shift, scale));
    let (src_train, tgt_train, src_test, tgt_test) = (src_train?, tgt_train?, src_test?, tgt_test?);
    let note = format!(
        "{}: {} -> {} cells ({} + {} training, {} + {} test), first {} PCs, standardised by scale {scale:.4}; {}",
        task.name,
        task.from,
        task.to,
        src_train.len(),
        tgt_train.len(),
        src_test.len(),
        tgt_test.len(),
        task.dim,
        reference_scores(&src_test, &tgt_train, &tgt_test)?
    );
    Ok(Prepared {
        task,
        source_train: src_train,
        target_train: tgt_train,
        source_test: src_test,
        target_test: tgt_test,
        shift,
        scale,
        space: Space::Coordinates,
        notes: vec![note],
    })
}

/// Trains (or loads) the task's networks for `epochs` passes over the training images: 30 for
/// MNIST's 8,000 (960 steps), 10 for Fashion-MNIST's 60,000 (2,350 steps).
fn prepare_images(
    task: &'static RealTask,
    train: &ImageSet,
    test: &ImageSet,
    epochs: usize,
) -> Result<Prepared> {
    let device = Device::Cpu;
    let cache = data_dir().join("cache");
    let ae_settings = AutoencoderSettings { latent_dim: task.dim, epochs, ..Default::default() };
    let ae_path = cache.join(format!("{}-autoencoder.safetensors", task.name));
    let (autoencoder, ae_outcome) =
        Autoencoder::load_or_train(&ae_path, &train.images, &ae_settings, &device)
            .with_context(|| format!("the autoencoder of {}", task.name))?;
    let cls_settings = ClassifierSettings { epochs, ..Default::default() };
    let cls_path = cache.join(format!("{}-classifier.safetensors", task.name));
    let classes = train.class_names.len();
    let (classifier, cls_outcome) = Classifier::load_or_train(
        &cls_path,
        &train.images,
        &train.labels,
        classes,
        &cls_settings,
        &device,
    )
    .with_context(|| format!("the feature classifier of {}", task.name))?;
    for (what, outcome) in [("autoencoder", &ae_outcome), ("classifier", &cls_outcome)] {
        if let CacheOutcome::Trained { reason, report } = outcome {
            eprintln!("{}: trained the {what} ({reason}): {report:?}", task.name);
        }
    }
    let (from, to) = (train.class_index(task.from)?, train.class_index(task.to)?);
    let encode = |set: &ImageSet, class| autoencoder.encode(&set.of_class(class));
    let (src_train, tgt_train) = (encode(train, from)?, encode(train, to)?);
    let (src_test, tgt_test) = (encode(test, from)?, encode(test, to)?);
    let (shift, scale) = standardisation(&src_train, &tgt_train);
    let space = ImageSpace {
        target_class: to,
        source_test_images: test.of_class(from),
        target_test_images: test.of_class(to),
        height: train.height,
        width: train.width,
        autoencoder,
        classifier,
    };
    let notes = image_notes(task, &space, test, &src_train, &tgt_train, scale)?;
    Ok(Prepared {
        task,
        source_train: standardise(&src_train, &shift, scale)?,
        target_train: standardise(&tgt_train, &shift, scale)?,
        source_test: standardise(&src_test, &shift, scale)?,
        target_test: standardise(&tgt_test, &shift, scale)?,
        shift,
        scale,
        space: Space::Latent(Box::new(space)),
        notes,
    })
}

/// The figures that say what the scores of a task can be: the networks' own quality, the
/// FID-proxy floor (the autoencoder's reconstructions of real target images: a perfect
/// transport in the latent space cannot do better) and the score of not transporting at all.
fn image_notes(
    task: &RealTask,
    space: &ImageSpace,
    test: &ImageSet,
    src_train: &Points,
    tgt_train: &Points,
    scale: f64,
) -> Result<Vec<String>> {
    let accuracy = space.classifier.accuracy(&test.images, &test.labels)?;
    let mse = space.autoencoder.reconstruction_mse(&test.images)?;
    let recon = space.autoencoder.decode(&space.autoencoder.encode(&space.target_test_images)?)?;
    let floor = fid_proxy_images(&space.classifier, &recon, &space.target_test_images)?;
    let identity =
        fid_proxy_images(&space.classifier, &space.source_test_images, &space.target_test_images)?;
    let recon_class = target_rate(&space.classifier, &recon, space.target_class)?;
    Ok(vec![format!(
        "{}: {} -> {} ({} + {} training, {} + {} test images), latent {} standardised by scale {scale:.4}; \
         classifier test accuracy {:.4} (all classes); autoencoder test MSE/pixel {mse:.5}; \
         FID-proxy of reconstructed vs real target test images {floor:.4} (floor), of source vs target test images {identity:.4} (no transport); \
         target class rate of reconstructed target images {:.4}",
        task.name,
        task.from,
        task.to,
        src_train.len(),
        tgt_train.len(),
        space.source_test_images.len(),
        space.target_test_images.len(),
        task.dim,
        accuracy,
        recon_class
    )])
}

/// W2^2 and energy distance to the held-out target of the two samples that bracket a solver's
/// score: the untransported held-out source (no transport), and training target points (what a
/// perfect transport's samples would score, finite-sample error included).
fn reference_scores(src_test: &Points, tgt_train: &Points, tgt_test: &Points) -> Result<String> {
    let n = src_test.len().min(tgt_test.len()).min(tgt_train.len());
    let y = tgt_test.head(n);
    let score = |p: &Points| -> Result<(f64, f64)> {
        Ok((
            eot_metrics::w2_squared(&p.head(n), &y)?,
            eot_metrics::energy_distance(&p.head(n), &y)?,
        ))
    };
    let (none_w2, none_energy) = score(src_test)?;
    let (floor_w2, floor_energy) = score(tgt_train)?;
    Ok(format!(
        "on {n} points a side, held-out source vs target (no transport): W2^2 {none_w2:.3}, energy {none_energy:.4}; \
         training vs held-out target (floor): W2^2 {floor_w2:.3}, energy {floor_energy:.4}"
    ))
}

/// Share of `images` the classifier puts in `class`.
pub(crate) fn target_rate(net: &Classifier, images: &Points, class: u8) -> Result<f64> {
    let predicted = net.predict(images)?;
    Ok(predicted.iter().filter(|&&c| c == class).count() as f64 / predicted.len().max(1) as f64)
}

/// Mean of the union of `a` and `b`, and the square root of its mean coordinate variance.
fn standardisation(a: &Points, b: &Points) -> (Vec<f64>, f64) {
    let d = a.dim();
    let n = (a.len() + b.len()) as f64;
    let rows = || a.rows().chain(b.rows());
    let mut mean = vec![0.0; d];
    rows().for_each(|r| mean.iter_mut().zip(r).for_each(|(m, v)| *m += v / n));
    let var: f64 = rows()
        .map(|r| r.iter().zip(&mean).map(|(v, m)| (v - m) * (v - m)).sum::<f64>())
        .sum::<f64>()
        / (n - 1.0)
        / d as f64;
    (mean, var.sqrt().max(f64::MIN_POSITIVE))
}

fn standardise(p: &Points, shift: &[f64], scale: f64) -> Result<Points> {
    let d = p.dim();
    let data = p.as_slice().iter().enumerate().map(|(i, v)| (v - shift[i % d]) / scale).collect();
    Ok(Points::new(data, p.len(), d)?)
}
