//! FID- and LPIPS-proxies in the classifier's feature space: zero on identical images, growing
//! with dissimilarity.

use eot_bench::real::{fid_proxy_images, lpips_proxy_images};
use eot_datasets::{Points, seeded_rng};
use rand::Rng;

use crate::real_images::{blobs, of_class, trained_classifier};

/// `x` with uniform noise of half-width `amp` per pixel, kept in [0, 1].
fn noisy(x: &Points, amp: f64, seed: u64) -> Points {
    let mut rng = seeded_rng(seed);
    let data = x.as_slice().iter().map(|v| (v + rng.random_range(-amp..amp)).clamp(0.0, 1.0));
    Points::new(data.collect(), x.len(), x.dim()).unwrap()
}

#[test]
fn lpips_proxy_is_zero_on_identical_images_and_grows_with_dissimilarity() {
    let net = trained_classifier();
    let (x, labels) = blobs(400, 4, 20);
    assert_eq!(lpips_proxy_images(net, &x, &x).unwrap(), 0.0);
    let slightly = lpips_proxy_images(net, &x, &noisy(&x, 0.05, 1)).unwrap();
    let more = lpips_proxy_images(net, &x, &noisy(&x, 0.3, 1)).unwrap();
    // The same images paired with images of the next class.
    let shifted: Vec<Vec<f64>> = (0..x.len()).map(|i| x.row((i + 1) % x.len()).to_vec()).collect();
    assert_ne!(labels[0], labels[1]);
    let other_class = lpips_proxy_images(net, &x, &Points::from_rows(&shifted).unwrap()).unwrap();
    eprintln!(
        "LPIPS-proxy: noise 0.05 {slightly:.4}, noise 0.3 {more:.4}, other class {other_class:.4}"
    );
    assert!(0.0 < slightly && slightly < more && more < other_class);
    assert!(other_class <= 4.0);
}

#[test]
fn lpips_proxy_refuses_unpaired_sets() {
    let (x, _) = blobs(10, 2, 1);
    let err = lpips_proxy_images(trained_classifier(), &x, &x.head(9)).unwrap_err();
    assert!(err.to_string().contains("paired"), "{err}");
}

#[test]
fn fid_proxy_is_zero_on_a_set_itself_and_large_between_classes() {
    let net = trained_classifier();
    let (x, labels) = blobs(1200, 4, 30);
    let (y, y_labels) = blobs(1200, 4, 31);
    let a = of_class(&x, &labels, 0);
    let same = fid_proxy_images(net, &a, &a).unwrap();
    let fresh = fid_proxy_images(net, &a, &of_class(&y, &y_labels, 0)).unwrap();
    let other = fid_proxy_images(net, &a, &of_class(&y, &y_labels, 1)).unwrap();
    eprintln!("FID-proxy: itself {same:.2e}, same class {fresh:.4}, other class {other:.4}");
    assert!(same.abs() < 1e-6, "FID-proxy of a set with itself: {same}");
    assert!(fresh < 0.1 * other, "same class {fresh}, other class {other}");
}
