//! The real-image classifier: it learns separable classes, and only them (a random-label
//! control stays at chance); deterministic; refuses bad settings and labels.

use candle_core::Device;
use eot_bench::real::{Classifier, ClassifierSettings};
use eot_datasets::seeded_rng;
use rand::Rng;

use crate::real_images::{blobs, small_classifier, trained_classifier};

#[test]
fn separable_classes_are_learnt() {
    let (train, labels) = blobs(2000, 4, 1);
    let (test, test_labels) = blobs(1000, 4, 2);
    let (net, report) = Classifier::train_with_held_out(
        &train,
        &labels,
        4,
        Some((&test, &test_labels)),
        &small_classifier(),
        &Device::Cpu,
    )
    .unwrap();
    let acc = report.held_out.unwrap();
    eprintln!(
        "classifier: held-out accuracy {acc:.4}, final CE {:.4}, {} steps in {:.2} s",
        report.final_loss, report.steps, report.seconds
    );
    assert!(acc > 0.95, "held-out accuracy {acc}");
    assert_eq!(acc, net.accuracy(&test, &test_labels).unwrap());
    let features = net.features(&test).unwrap();
    assert_eq!(features.iter().map(|f| f.dim()).collect::<Vec<_>>(), [64, 32]);
    assert_eq!(net.embedding(&test).unwrap(), features[1]);
}

#[test]
fn random_labels_stay_at_chance_on_held_out_images() {
    let (train, _) = blobs(2000, 4, 1);
    let (test, _) = blobs(1000, 4, 2);
    let mut rng = seeded_rng(5);
    let mut random = |n| (0..n).map(|_| rng.random_range(0..4u8)).collect::<Vec<_>>();
    let (labels, test_labels) = (random(2000), random(1000));
    let (_, report) = Classifier::train_with_held_out(
        &train,
        &labels,
        4,
        Some((&test, &test_labels)),
        &small_classifier(),
        &Device::Cpu,
    )
    .unwrap();
    let acc = report.held_out.unwrap();
    eprintln!("classifier, random labels: held-out accuracy {acc:.4}");
    assert!((acc - 0.25).abs() < 0.06, "held-out accuracy {acc} with random labels");
}

#[test]
fn same_seed_same_network_other_seed_another() {
    let (train, labels) = blobs(300, 4, 1);
    let embed = |seed| {
        let s = ClassifierSettings { seed, epochs: 1, ..small_classifier() };
        let (net, _) = Classifier::train(&train, &labels, 4, &s, &Device::Cpu).unwrap();
        net.embedding(&train.head(50)).unwrap()
    };
    let a = embed(1);
    assert_eq!(a, embed(1));
    assert_ne!(a, embed(2));
}

#[test]
fn bad_settings_and_labels_are_refused() {
    let (x, y) = blobs(20, 2, 1);
    let cases: Vec<(ClassifierSettings, &str)> = vec![
        (ClassifierSettings { hidden: vec![], ..small_classifier() }, "'hidden'"),
        (ClassifierSettings { epochs: 0, ..small_classifier() }, "'epochs'"),
        (ClassifierSettings { batch_size: 0, ..small_classifier() }, "'batch_size'"),
        (ClassifierSettings { learning_rate: -1.0, ..small_classifier() }, "'learning_rate'"),
        (
            ClassifierSettings { weight_decay: f64::INFINITY, ..small_classifier() },
            "'weight_decay'",
        ),
    ];
    for (settings, field) in cases {
        let err = Classifier::train(&x, &y, 2, &settings, &Device::Cpu).unwrap_err();
        assert!(format!("{err:#}").contains(field), "{field}: {err:#}");
    }
    let s = small_classifier();
    let err = Classifier::train(&x, &y[..19], 2, &s, &Device::Cpu).unwrap_err();
    assert!(err.to_string().contains("19 labels for 20 images"), "{err}");
    let mut bad = y.clone();
    bad[3] = 7;
    let err = Classifier::train(&x, &bad, 2, &s, &Device::Cpu).unwrap_err();
    assert!(err.to_string().contains("label 3 is 7, outside 0..2"), "{err}");
    let err = Classifier::train(&x, &y, 1, &s, &Device::Cpu).unwrap_err();
    assert!(err.to_string().contains(">= 2 classes"), "{err}");
}

#[test]
fn predictions_match_the_shared_classifier_on_its_own_classes() {
    let net = trained_classifier();
    let (test, labels) = blobs(400, 4, 77);
    assert!(net.accuracy(&test, &labels).unwrap() > 0.95);
    assert_eq!(net.predict(&test).unwrap().len(), 400);
}
