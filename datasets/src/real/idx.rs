//! The IDX format of (Fashion-)MNIST, gzip-compressed: a big-endian header (magic `0x0803`
//! for `u8` images, `0x0801` for `u8` labels, then the sizes) and the bytes.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use super::{ImageSet, open};
use crate::{DataError, Points};

/// Which Fashion-MNIST file pair to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FashionSplit {
    /// 60,000 training images.
    Train,
    /// 10,000 test images.
    Test,
}

/// Fashion-MNIST's classes, in label order.
const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Reads one split of Fashion-MNIST from `dir/fashion-mnist/` (pixels scaled to `[0, 1]`).
pub fn load_fashion_mnist(dir: &Path, split: FashionSplit) -> Result<ImageSet, DataError> {
    let stem = match split {
        FashionSplit::Train => "train",
        FashionSplit::Test => "t10k",
    };
    let folder = dir.join("fashion-mnist");
    let images_path = folder.join(format!("{stem}-images-idx3-ubyte.gz"));
    let labels_path = folder.join(format!("{stem}-labels-idx1-ubyte.gz"));
    let (pixels, n, h, w) = read_idx_images(&images_path)?;
    let labels = read_idx_labels(&labels_path)?;
    if labels.len() != n {
        return Err(DataError::file(
            &labels_path,
            format!("holds {} labels but {} holds {n} images", labels.len(), images_path.display()),
        ));
    }
    if let Some(i) = labels.iter().position(|&l| l as usize >= FASHION_CLASSES.len()) {
        return Err(DataError::at(
            &labels_path,
            i + 1,
            None,
            format!("label {} is not a class (0..=9)", labels[i]),
        ));
    }
    let scaled = pixels.iter().map(|&p| p as f64 / 255.0).collect();
    let names = FASHION_CLASSES.iter().map(|s| s.to_string()).collect();
    Points::new(scaled, n, h * w)
        .and_then(|points| ImageSet::new(points, labels, h, w, names))
        .map_err(|e| DataError::file(&images_path, e.to_string()))
}

/// Reads a gzip-compressed IDX image file: (pixels, count, rows, columns).
pub fn read_idx_images(path: &Path) -> Result<(Vec<u8>, usize, usize, usize), DataError> {
    let bytes = gunzip(path)?;
    let dims = header(path, &bytes, 0x0803, 3)?;
    let (n, h, w) = (dims[0], dims[1], dims[2]);
    let body = &bytes[16..];
    if n.checked_mul(h).and_then(|p| p.checked_mul(w)) != Some(body.len()) {
        return Err(DataError::file(
            path,
            format!("header says {n} images of {h} x {w} but {} pixel bytes follow", body.len()),
        ));
    }
    Ok((body.to_vec(), n, h, w))
}

/// Reads a gzip-compressed IDX label file.
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = gunzip(path)?;
    let n = header(path, &bytes, 0x0801, 1)?[0];
    let body = &bytes[8..];
    if body.len() != n {
        return Err(DataError::file(
            path,
            format!("header says {n} labels but {} bytes follow", body.len()),
        ));
    }
    Ok(body.to_vec())
}

fn gunzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let mut bytes = Vec::new();
    GzDecoder::new(open(path)?)
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::file(path, format!("not a readable gzip file: {e}")))?;
    Ok(bytes)
}

/// Checks the magic number and returns the `rank` sizes that follow it.
fn header(path: &Path, bytes: &[u8], magic: u32, rank: usize) -> Result<Vec<usize>, DataError> {
    let need = 4 + 4 * rank;
    if bytes.len() < need {
        return Err(DataError::file(
            path,
            format!("too short for an IDX header ({} bytes)", bytes.len()),
        ));
    }
    let word = |k: usize| {
        u32::from_be_bytes([bytes[4 * k], bytes[4 * k + 1], bytes[4 * k + 2], bytes[4 * k + 3]])
    };
    if word(0) != magic {
        return Err(DataError::file(
            path,
            format!("IDX magic number is {:#06x}, expected {magic:#06x}", word(0)),
        ));
    }
    Ok((1..=rank).map(|k| word(k) as usize).collect())
}
