//! Synthetic 28 x 28 images for the real-image networks' tests: each class a smooth blob at its
//! own place, each image that blob moved, resized and dimmed at random, plus pixel noise. A
//! few-dimensional family per class, so an autoencoder can compress it and a classifier can
//! separate the classes, and both fail if they learn nothing.

use candle_core::Device;
use eot_bench::real::{Classifier, ClassifierSettings};
use eot_datasets::{Points, seeded_rng};
use eot_solvers::neural::Activation;
use rand::Rng;

pub const SIDE: usize = 28;

/// Blob centres of the classes (pixels).
const CENTRES: [(f64, f64); 4] = [(8.0, 8.0), (20.0, 8.0), (8.0, 20.0), (20.0, 20.0)];

/// `n` images of classes `0..classes` in turn (`classes <= 4`), with their labels.
pub fn blobs(n: usize, classes: usize, seed: u64) -> (Points, Vec<u8>) {
    let mut rng = seeded_rng(seed);
    let labels: Vec<u8> = (0..n).map(|i| (i % classes) as u8).collect();
    let mut data = Vec::with_capacity(n * SIDE * SIDE);
    for &c in &labels {
        let (cx, cy) = CENTRES[c as usize];
        let shift = (rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0));
        let width: f64 = rng.random_range(2.0..4.0);
        let brightness: f64 = rng.random_range(0.6..1.0);
        for r in 0..SIDE {
            for k in 0..SIDE {
                let (dx, dy) = (k as f64 - cx - shift.0, r as f64 - cy - shift.1);
                let v = brightness * (-(dx * dx + dy * dy) / (2.0 * width * width)).exp();
                let noise = rng.random_range(-0.05..0.05);
                data.push((v + noise).clamp(0.0, 1.0));
            }
        }
    }
    (Points::new(data, n, SIDE * SIDE).unwrap(), labels)
}

/// The images of `points` whose label is `class`.
pub fn of_class(points: &Points, labels: &[u8], class: u8) -> Points {
    let rows: Vec<Vec<f64>> =
        points.rows().zip(labels).filter(|(_, l)| **l == class).map(|(r, _)| r.to_vec()).collect();
    Points::from_rows(&rows).unwrap()
}

/// Small, fast classifier settings for the tests.
pub fn small_classifier() -> ClassifierSettings {
    ClassifierSettings {
        hidden: vec![64, 32],
        activation: Activation::Silu,
        epochs: 5,
        batch_size: 128,
        learning_rate: 2e-3,
        weight_decay: 0.0,
        seed: 1,
    }
}

/// A classifier of 4 blob classes, trained once for all tests that need one.
pub fn trained_classifier() -> &'static Classifier {
    static NET: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    NET.get_or_init(|| {
        let (x, y) = blobs(2000, 4, 10);
        Classifier::train(&x, &y, 4, &small_classifier(), &Device::Cpu).unwrap().0
    })
}
