//! The networks' cache: a matching file is loaded (same encodings), changed settings or data
//! retrain, a corrupt or foreign file is an error naming its path.

use std::path::PathBuf;

use candle_core::Device;
use eot_bench::real::{
    Autoencoder, AutoencoderSettings, CacheOutcome, Classifier, ClassifierSettings,
};
use eot_solvers::neural::Activation;

use crate::real_images::{blobs, small_classifier};

fn path(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eot-real-cache-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(format!("{name}.safetensors"));
    let _ = std::fs::remove_file(&p);
    p
}

fn tiny() -> AutoencoderSettings {
    AutoencoderSettings {
        latent_dim: 4,
        hidden: vec![32],
        activation: Activation::Relu,
        epochs: 2,
        batch_size: 64,
        learning_rate: 1e-3,
        weight_decay: 0.0,
        seed: 0,
    }
}

fn retrained(outcome: &CacheOutcome) -> &str {
    match outcome {
        CacheOutcome::Trained { reason, .. } => reason,
        CacheOutcome::Loaded => panic!("expected a retrain, the cache was loaded"),
    }
}

#[test]
fn a_saved_autoencoder_loads_with_identical_encodings() {
    let p = path("ae-roundtrip");
    let (x, _) = blobs(200, 4, 1);
    let dev = Device::Cpu;
    let (trained, first) = Autoencoder::load_or_train(&p, &x, &tiny(), &dev).unwrap();
    assert!(retrained(&first).contains("no cached autoencoder"));
    let (loaded, second) = Autoencoder::load_or_train(&p, &x, &tiny(), &dev).unwrap();
    assert_eq!(second, CacheOutcome::Loaded);
    assert_eq!(trained.encode(&x).unwrap(), loaded.encode(&x).unwrap());
    let codes = trained.encode(&x).unwrap();
    assert_eq!(trained.decode(&codes).unwrap(), loaded.decode(&codes).unwrap());
}

#[test]
fn changed_settings_or_data_retrain_and_overwrite() {
    let p = path("ae-changes");
    let (x, _) = blobs(200, 4, 1);
    let dev = Device::Cpu;
    Autoencoder::load_or_train(&p, &x, &tiny(), &dev).unwrap();
    let other = AutoencoderSettings { seed: 9, ..tiny() };
    let (_, outcome) = Autoencoder::load_or_train(&p, &x, &other, &dev).unwrap();
    assert!(retrained(&outcome).contains("has settings"), "{outcome:?}");
    // The file now holds the retrained network: loading it with the new settings works.
    assert_eq!(Autoencoder::load_or_train(&p, &x, &other, &dev).unwrap().1, CacheOutcome::Loaded);
    let (mut changed, _) = blobs(200, 4, 1);
    changed = eot_datasets::Points::new(
        changed.as_slice().iter().enumerate().map(|(i, v)| if i == 5 { 0.5 } else { *v }).collect(),
        200,
        784,
    )
    .unwrap();
    let (_, outcome) = Autoencoder::load_or_train(&p, &changed, &other, &dev).unwrap();
    assert!(retrained(&outcome).contains("other data"), "{outcome:?}");
}

#[test]
fn changed_labels_retrain_a_classifier() {
    let p = path("classifier-labels");
    let (x, y) = blobs(200, 4, 1);
    let s = ClassifierSettings { epochs: 1, ..small_classifier() };
    let dev = Device::Cpu;
    let (a, _) = Classifier::load_or_train(&p, &x, &y, 4, &s, &dev).unwrap();
    let (b, outcome) = Classifier::load_or_train(&p, &x, &y, 4, &s, &dev).unwrap();
    assert_eq!(outcome, CacheOutcome::Loaded);
    assert_eq!(a.embedding(&x).unwrap(), b.embedding(&x).unwrap());
    let mut flipped = y.clone();
    flipped[0] = (flipped[0] + 1) % 4;
    let (_, outcome) = Classifier::load_or_train(&p, &x, &flipped, 4, &s, &dev).unwrap();
    assert!(retrained(&outcome).contains("other data"), "{outcome:?}");
}

#[test]
fn a_corrupt_file_is_an_error_naming_its_path() {
    let (x, _) = blobs(50, 2, 1);
    let garbage = path("garbage");
    std::fs::write(&garbage, b"not a safetensors file at all").unwrap();
    let err = Autoencoder::load_or_train(&garbage, &x, &tiny(), &Device::Cpu).unwrap_err();
    assert!(format!("{err:#}").contains(&garbage.display().to_string()), "{err:#}");
    // A truncated real cache file, too.
    let truncated = path("truncated");
    Autoencoder::load_or_train(&truncated, &x, &tiny(), &Device::Cpu).unwrap();
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    let err = Autoencoder::load_or_train(&truncated, &x, &tiny(), &Device::Cpu).unwrap_err();
    assert!(format!("{err:#}").contains(&truncated.display().to_string()), "{err:#}");
    // The file was not overwritten.
    assert_eq!(std::fs::read(&truncated).unwrap().len(), bytes.len() - 100);
}

#[test]
fn another_kind_of_network_is_refused_not_overwritten() {
    let p = path("kind");
    let (x, y) = blobs(100, 2, 1);
    Autoencoder::load_or_train(&p, &x, &tiny(), &Device::Cpu).unwrap();
    let s = ClassifierSettings { epochs: 1, ..small_classifier() };
    let err = Classifier::load_or_train(&p, &x, &y, 2, &s, &Device::Cpu).unwrap_err();
    assert!(
        err.to_string().contains("holds a network of kind 'autoencoder', not 'classifier'"),
        "{err}"
    );
}
