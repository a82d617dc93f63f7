//! The real-data loaders on broken files: each refusal names the file, and the row and column
//! where there is one. The files are written here, small, in the publishers' formats.

use std::io::Write;

use eot_datasets::DataError;
use eot_datasets::real::{FashionSplit, load_digits, load_fashion_mnist, load_mnist, load_pbmc};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::temp::TempDir;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut b = magic.to_be_bytes().to_vec();
    dims.iter().for_each(|d| b.extend(d.to_be_bytes()));
    b.extend_from_slice(body);
    gz(&b)
}

/// Row and column of a file error, and its text (which must name the file).
fn located(err: DataError, file: &str) -> (Option<usize>, Option<usize>, String) {
    let text = err.to_string();
    assert!(text.contains(file), "'{text}' does not name {file}");
    match err {
        DataError::File { row, column, .. } => (row, column, text),
        other => panic!("expected a file error, got {other:?}"),
    }
}

fn fashion_dir(images: Vec<u8>, labels: Vec<u8>) -> TempDir {
    let t = TempDir::new("fashion");
    std::fs::create_dir_all(t.path("fashion-mnist")).unwrap();
    t.write("fashion-mnist/t10k-images-idx3-ubyte.gz", &images);
    t.write("fashion-mnist/t10k-labels-idx1-ubyte.gz", &labels);
    t
}

#[test]
fn idx_reads_a_small_file_and_scales_pixels() {
    let t = fashion_dir(
        idx(0x0803, &[2, 2, 2], &[0, 255, 51, 0, 1, 2, 3, 4]),
        idx(0x0801, &[2], &[7, 9]),
    );
    let set = load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap();
    assert_eq!((set.len(), set.height, set.width), (2, 2, 2));
    assert_eq!(set.labels, [7, 9]);
    assert_eq!(set.images.row(0), [0.0, 1.0, 0.2, 0.0]);
}

#[test]
fn idx_refuses_bad_magic_truncation_and_mismatched_labels() {
    let labels = idx(0x0801, &[2], &[7, 9]);
    let t = fashion_dir(idx(0x0801, &[2, 2, 2], &[0; 8]), labels.clone());
    let (_, _, text) =
        located(load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap_err(), "t10k-images");
    assert!(text.contains("magic"), "{text}");

    let t = fashion_dir(idx(0x0803, &[2, 2, 2], &[0; 7]), labels);
    let (_, _, text) =
        located(load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap_err(), "t10k-images");
    assert!(text.contains("7 pixel bytes"), "{text}");

    let t = fashion_dir(idx(0x0803, &[2, 2, 2], &[0; 8]), idx(0x0801, &[3], &[1, 2, 3]));
    let (_, _, text) =
        located(load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap_err(), "t10k-labels");
    assert!(text.contains("3 labels"), "{text}");

    let t = fashion_dir(idx(0x0803, &[2, 2, 2], &[0; 8]), idx(0x0801, &[2], &[7, 10]));
    let (row, _, text) =
        located(load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap_err(), "t10k-labels");
    assert_eq!(row, Some(2), "{text}");

    let t = fashion_dir(
        idx(0x0803, &[u32::MAX, u32::MAX, u32::MAX], &[0; 8]),
        idx(0x0801, &[2], &[7, 9]),
    );
    let (_, _, text) =
        located(load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap_err(), "t10k-images");
    assert!(text.contains("8 pixel bytes"), "{text}");

    let t = fashion_dir(b"not gzip".to_vec(), vec![]);
    let (_, _, text) =
        located(load_fashion_mnist(&t.path(""), FashionSplit::Test).unwrap_err(), "t10k-images");
    assert!(text.contains("gzip"), "{text}");
}

#[test]
fn a_missing_folder_says_how_to_fetch_it() {
    let t = TempDir::new("empty");
    let text = load_mnist(&t.path("")).unwrap_err().to_string();
    assert!(text.contains("0.json") && text.contains("fetch_real_data.sh"), "{text}");
}

#[test]
fn mnist_json_locates_a_bad_pixel_by_image_and_pixel() {
    let t = TempDir::new("mnist");
    std::fs::create_dir_all(t.path("mnist")).unwrap();
    let mut values = vec!["0"; 2 * 784];
    values[784 + 10] = "1.5";
    let good = format!("{{\"data\": [{}]}}", vec!["0.5"; 784].join(","));
    for d in 0..10 {
        t.write(&format!("mnist/{d}.json"), good.as_bytes());
    }
    t.write("mnist/4.json", format!("{{\"data\": [{}]}}", values.join(",")).as_bytes());
    let (row, column, text) = located(load_mnist(&t.path("")).unwrap_err(), "4.json");
    assert_eq!((row, column), (Some(2), Some(11)), "{text}");

    t.write("mnist/4.json", format!("{{\"data\": [{}]}}", vec!["0"; 700].join(",")).as_bytes());
    let (_, _, text) = located(load_mnist(&t.path("")).unwrap_err(), "4.json");
    assert!(text.contains("700 values"), "{text}");

    t.write("mnist/4.json", good.as_bytes());
    let set = load_mnist(&t.path("")).unwrap();
    assert_eq!((set.len(), set.labels[4]), (10, 4));
}

#[test]
fn digits_csv_locates_bad_cells() {
    let t = TempDir::new("digits");
    std::fs::create_dir_all(t.path("digits")).unwrap();
    let row = |pixel: &str, label: &str| {
        let mut v = vec!["3"; 64];
        v[5] = pixel;
        format!("{},{label}\n", v.join(","))
    };
    let cases = [
        (row("x", "1"), Some(6), "not a number"),
        (row("17", "1"), Some(6), "0..=16"),
        (row("3", "12"), Some(65), "not a digit"),
    ];
    for (bad, column, needle) in cases {
        let text = format!("{}{bad}", row("4", "0"));
        t.write("digits/digits.csv.gz", &gz(text.as_bytes()));
        let (r, c, msg) = located(load_digits(&t.path("")).unwrap_err(), "digits.csv.gz");
        assert_eq!((r, c), (Some(2), column), "{msg}");
        assert!(msg.contains(needle), "{msg}");
    }
    t.write("digits/digits.csv.gz", &gz(b"1,2,3\n"));
    let (r, _, msg) = located(load_digits(&t.path("")).unwrap_err(), "digits.csv.gz");
    assert_eq!(r, Some(1), "{msg}");
}

#[test]
fn pbmc_csv_locates_bad_cells_and_refuses_a_wrong_header() {
    let t = TempDir::new("pbmc");
    std::fs::create_dir_all(t.path("pbmc")).unwrap();
    let file = "pbmc/pbmc68k_reduced.csv";
    t.write(file, b"cell,bulk_label,pc1,pc2\na,B,1,2\nb,B,3,oops\n");
    let (r, c, msg) = located(load_pbmc(&t.path("")).unwrap_err(), "pbmc68k_reduced.csv");
    assert_eq!((r, c), (Some(2), Some(4)), "{msg}");
    t.write(file, b"cell,bulk_label,pc1,pc2\na,B,1,2\nb,B,3\n");
    let (r, _, msg) = located(load_pbmc(&t.path("")).unwrap_err(), "pbmc68k_reduced.csv");
    assert_eq!(r, Some(2), "{msg}");
    t.write(file, b"barcode,label,pc1\na,B,1\nb,B,3\n");
    let (_, _, msg) = located(load_pbmc(&t.path("")).unwrap_err(), "pbmc68k_reduced.csv");
    assert!(msg.contains("cell,bulk_label"), "{msg}");
    t.write(file, b"cell,bulk_label,pc1\na,B,1\nb,C,NaN\n");
    let (r, c, _) = located(load_pbmc(&t.path("")).unwrap_err(), "pbmc68k_reduced.csv");
    assert_eq!((r, c), (Some(2), Some(3)));
}
