//! The real-image autoencoder: it compresses, it is deterministic, it refuses bad settings and
//! stops on divergence.

use candle_core::Device;
use eot_bench::real::{Autoencoder, AutoencoderSettings};
use eot_datasets::Points;
use eot_solvers::neural::Activation;

use crate::real_images::blobs;

fn small() -> AutoencoderSettings {
    AutoencoderSettings {
        latent_dim: 8,
        hidden: vec![128, 64],
        activation: Activation::Silu,
        epochs: 20,
        batch_size: 128,
        learning_rate: 2e-3,
        weight_decay: 0.0,
        seed: 3,
    }
}

/// Per-pixel MSE of predicting every image by the training images' mean image.
fn mean_image_mse(train: &Points, test: &Points) -> f64 {
    let mean = train.column_means();
    let sum: f64 =
        test.rows().flat_map(|r| r.iter().zip(&mean).map(|(a, b)| (a - b) * (a - b))).sum();
    sum / test.as_slice().len() as f64
}

#[test]
fn reconstructs_held_out_images_far_better_than_the_mean_image() {
    let (train, _) = blobs(2000, 4, 1);
    let (test, _) = blobs(500, 4, 2);
    let (net, report) =
        Autoencoder::train_with_held_out(&train, Some(&test), &small(), &Device::Cpu).unwrap();
    let baseline = mean_image_mse(&train, &test);
    let mse = report.held_out.unwrap();
    eprintln!(
        "autoencoder: held-out MSE {mse:.5} vs mean image {baseline:.5}, final BCE {:.4}, {} steps in {:.2} s",
        report.final_loss, report.steps, report.seconds
    );
    assert!(mse < 0.25 * baseline, "held-out MSE {mse} vs mean-image MSE {baseline}");
    assert_eq!(report.steps, 20 * 2000usize.div_ceil(128));
    let codes = net.encode(&test).unwrap();
    assert_eq!((codes.len(), codes.dim()), (500, 8));
    let images = net.decode(&codes).unwrap();
    assert_eq!((images.len(), images.dim()), (500, 784));
    assert!(images.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn same_seed_same_network_other_seed_another() {
    let (train, _) = blobs(300, 4, 1);
    let settings = AutoencoderSettings { epochs: 2, ..small() };
    let codes = |seed| {
        let s = AutoencoderSettings { seed, ..settings.clone() };
        let (net, _) = Autoencoder::train(&train, &s, &Device::Cpu).unwrap();
        net.encode(&train.head(50)).unwrap()
    };
    let a = codes(3);
    assert_eq!(a, codes(3));
    assert_ne!(a, codes(4));
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let (train, _) = blobs(10, 2, 1);
    let cases: Vec<(AutoencoderSettings, &str)> = vec![
        (AutoencoderSettings { latent_dim: 0, ..small() }, "'latent_dim'"),
        (AutoencoderSettings { hidden: vec![], ..small() }, "'hidden'"),
        (AutoencoderSettings { hidden: vec![8, 0], ..small() }, "'hidden'"),
        (AutoencoderSettings { epochs: 0, ..small() }, "'epochs'"),
        (AutoencoderSettings { batch_size: 0, ..small() }, "'batch_size'"),
        (AutoencoderSettings { learning_rate: 0.0, ..small() }, "'learning_rate'"),
        (AutoencoderSettings { learning_rate: f64::NAN, ..small() }, "'learning_rate'"),
        (AutoencoderSettings { weight_decay: -1.0, ..small() }, "'weight_decay'"),
    ];
    for (settings, field) in cases {
        let err = Autoencoder::train(&train, &settings, &Device::Cpu).unwrap_err();
        assert!(format!("{err:#}").contains(field), "{field}: {err:#}");
    }
}

#[test]
fn pixels_outside_the_unit_interval_are_refused() {
    let bad = Points::new(vec![0.5, 1.5, 0.0, 0.2], 2, 2).unwrap();
    let err = Autoencoder::train(&bad, &small(), &Device::Cpu).unwrap_err();
    assert!(format!("{err:#}").contains("image 0 pixel 1 is 1.5"), "{err:#}");
}

#[test]
fn a_diverging_run_stops_naming_the_step() {
    let (train, _) = blobs(256, 4, 1);
    let settings = AutoencoderSettings { learning_rate: 1e30, epochs: 50, ..small() };
    let err = Autoencoder::train(&train, &settings, &Device::Cpu).unwrap_err();
    assert!(format!("{err:#}").contains("training diverged at step"), "{err:#}");
}

#[test]
fn codes_of_the_wrong_size_are_refused() {
    let (train, _) = blobs(50, 2, 1);
    let (net, _) =
        Autoencoder::train(&train, &AutoencoderSettings { epochs: 1, ..small() }, &Device::Cpu)
            .unwrap();
    let err = net.decode(&Points::new(vec![0.0; 3], 1, 3).unwrap()).unwrap_err();
    assert!(err.to_string().contains("latent codes have 3 values per row"), "{err}");
}
