//! Trained networks on disk: one safetensors file per network, its settings and the
//! fingerprint of its training data in the metadata, so that a later run reuses it only when
//! both match and retrains (overwriting the file) otherwise.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use candle_core::{Device, Tensor};
use eot_datasets::Points;

use super::autoencoder::{Autoencoder, AutoencoderSettings};
use super::classifier::{Classifier, ClassifierSettings};
use super::fingerprint::TrainingData;
use super::training::TrainReport;

/// The metadata's format tag: a file without it is not one of ours.
/// Bump the version when the networks' code changes what training produces (loss,
/// initialisation, training loop): the cache key is only the settings and the data, so old
/// files would otherwise be reused.
const FORMAT: &str = "eot-bench-real-net-v1";

/// A network the cache can save and rebuild.
pub trait CachedNet: Sized {
    /// The settings that, with the data, decide the network (the cache key).
    type Settings;
    /// The metadata's `kind` (a file of another kind is refused, not overwritten).
    const KIND: &'static str;
    /// The settings as the metadata stores and compares them.
    fn settings_json(settings: &Self::Settings) -> String;
    /// The settings the network was trained with.
    fn settings(&self) -> &Self::Settings;
    /// The weights, by name.
    fn named_tensors(&self) -> Vec<(String, Tensor)>;
    /// The network of `settings` trained on `data`, from its saved weights.
    fn rebuild(
        settings: &Self::Settings,
        data: &TrainingData,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self>;
}

impl CachedNet for Autoencoder {
    type Settings = AutoencoderSettings;
    const KIND: &'static str = "autoencoder";
    fn settings_json(settings: &AutoencoderSettings) -> String {
        settings.to_json()
    }
    fn settings(&self) -> &AutoencoderSettings {
        Autoencoder::settings(self)
    }
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        Autoencoder::named_tensors(self)
    }
    fn rebuild(
        settings: &AutoencoderSettings,
        data: &TrainingData,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self> {
        Autoencoder::from_named_tensors(settings, data.images.dim(), tensors, device)
    }
}

impl CachedNet for Classifier {
    type Settings = ClassifierSettings;
    const KIND: &'static str = "classifier";
    fn settings_json(settings: &ClassifierSettings) -> String {
        settings.to_json()
    }
    fn settings(&self) -> &ClassifierSettings {
        Classifier::settings(self)
    }
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        Classifier::named_tensors(self)
    }
    fn rebuild(
        settings: &ClassifierSettings,
        data: &TrainingData,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self> {
        let Some((_, classes)) = data.labels else {
            bail!("a classifier's training data needs labels");
        };
        Classifier::from_named_tensors(settings, data.images.dim(), classes, tensors, device)
    }
}

/// Where a network returned by [`load_or_train`] came from.
#[derive(Clone, Debug, PartialEq)]
pub enum CacheOutcome {
    /// Read from the file.
    Loaded,
    /// Trained (and saved), for the reason given.
    Trained {
        /// Why the cached network could not be used.
        reason: String,
        /// How training went.
        report: TrainReport,
    },
}

/// Writes `net`, trained on `data`, to `path` (creating its folder). Written to a temporary
/// file then renamed, so an interrupted write never leaves a truncated cache behind.
pub fn save<N: CachedNet>(net: &N, data: &TrainingData, path: &Path) -> Result<()> {
    let meta: HashMap<String, String> = [
        ("format", FORMAT.to_string()),
        ("kind", N::KIND.to_string()),
        ("settings", N::settings_json(net.settings())),
        ("data", data.fingerprint()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut named = net.named_tensors();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("safetensors.tmp");
    safetensors::serialize_to_file(named, Some(meta), &tmp)
        .with_context(|| format!("writing network cache {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing network cache {}", path.display()))
}

/// The network cached at `path` when the file holds a network of this kind with the same
/// settings and training data; otherwise `train()`'s network, saved to `path` (saying so on
/// stderr). `train` must train on `data` with `settings`. A file that cannot be read as a
/// cache (corrupt, truncated, another kind of network) is an error naming the path, never
/// overwritten.
pub fn load_or_train<N: CachedNet>(
    path: &Path,
    settings: &N::Settings,
    data: &TrainingData,
    device: &Device,
    train: impl FnOnce() -> Result<(N, TrainReport)>,
) -> Result<(N, CacheOutcome)> {
    let reason = match read_file(path)? {
        None => format!("no cached {} at {}", N::KIND, path.display()),
        Some(file) => match file.mismatch::<N>(settings, data, path)? {
            None => {
                let net = N::rebuild(settings, data, &file.tensors, device)
                    .with_context(|| format!("network cache {}", path.display()))?;
                return Ok((net, CacheOutcome::Loaded));
            }
            Some(why) => why,
        },
    };
    eprintln!("{reason}: training it and saving to {}", path.display());
    let (net, report) = train()?;
    save(&net, data, path)?;
    Ok((net, CacheOutcome::Trained { reason, report }))
}

/// A cache file's metadata and weights.
struct CacheFile {
    meta: HashMap<String, String>,
    tensors: HashMap<String, Tensor>,
}

/// The file at `path`, `None` when there is none. Weights load on the CPU; [`CachedNet::rebuild`]
/// moves them to the device.
fn read_file(path: &Path) -> Result<Option<CacheFile>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("reading network cache {}", path.display()));
        }
    };
    let corrupt = || format!("network cache {} is not a readable safetensors file", path.display());
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).with_context(corrupt)?;
    let meta = header.metadata().clone().unwrap_or_default().into_iter().collect();
    let tensors =
        candle_core::safetensors::load_buffer(&bytes, &Device::Cpu).with_context(corrupt)?;
    Ok(Some(CacheFile { meta, tensors }))
}

impl CacheFile {
    /// Why the file cannot stand for a network of `settings` trained on `data` (`None`: it can);
    /// an error when it is not a cache of this kind at all.
    fn mismatch<N: CachedNet>(
        &self,
        settings: &N::Settings,
        data: &TrainingData,
        path: &Path,
    ) -> Result<Option<String>> {
        let get = |key: &str| {
            self.meta.get(key).map(String::as_str).with_context(|| {
                format!("network cache {} lacks the metadata '{key}'", path.display())
            })
        };
        if get("format")? != FORMAT {
            bail!(
                "network cache {} has format '{}', expected '{FORMAT}'",
                path.display(),
                get("format")?
            );
        }
        if get("kind")? != N::KIND {
            bail!(
                "network cache {} holds a network of kind '{}', not '{}'",
                path.display(),
                get("kind")?,
                N::KIND
            );
        }
        let (file_settings, now) = (get("settings")?, N::settings_json(settings));
        if file_settings != now {
            return Ok(Some(format!(
                "cached {} {} has settings {file_settings}, wanted {now}",
                N::KIND,
                path.display()
            )));
        }
        let (file_data, now) = (get("data")?, data.fingerprint());
        if file_data != now {
            return Ok(Some(format!(
                "cached {} {} was trained on other data ({file_data}, now {now})",
                N::KIND,
                path.display()
            )));
        }
        Ok(None)
    }
}

impl Autoencoder {
    /// The autoencoder cached at `path` for these settings and images, else a fresh one trained
    /// (see [`load_or_train`]).
    pub fn load_or_train(
        path: &Path,
        images: &Points,
        settings: &AutoencoderSettings,
        device: &Device,
    ) -> Result<(Autoencoder, CacheOutcome)> {
        settings.validate()?;
        let data = TrainingData::images(images);
        load_or_train(path, settings, &data, device, || {
            Autoencoder::train(images, settings, device)
        })
    }
}

impl Classifier {
    /// The classifier cached at `path` for these settings, images and labels, else a fresh one
    /// trained (see [`load_or_train`]).
    pub fn load_or_train(
        path: &Path,
        images: &Points,
        labels: &[u8],
        classes: usize,
        settings: &ClassifierSettings,
        device: &Device,
    ) -> Result<(Classifier, CacheOutcome)> {
        settings.validate()?;
        let data = TrainingData::labelled(images, labels, classes);
        load_or_train(path, settings, &data, device, || {
            Classifier::train(images, labels, classes, settings, device)
        })
    }
}
