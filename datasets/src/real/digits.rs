//! The UCI handwritten digits as shipped in scikit-learn's wheel
//! (`sklearn/datasets/data/digits.csv.gz`): 1797 rows, 64 pixel counts in `0..=16` then the digit.

use std::path::Path;

use flate2::read::GzDecoder;

use super::{ImageSet, open};
use crate::{DataError, Points};

const SIDE: usize = 8;
/// Pixels count the set bits of a 4x4 block of the original 32x32 bitmap: at most 16.
const MAX_COUNT: f64 = 16.0;

/// Reads `dir/digits/digits.csv.gz` (8x8 images, pixels scaled to `[0, 1]`).
pub fn load_digits(dir: &Path) -> Result<ImageSet, DataError> {
    let path = dir.join("digits").join("digits.csv.gz");
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).from_reader(GzDecoder::new(open(&path)?));
    let pixels = SIDE * SIDE;
    let (mut data, mut labels) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = record.map_err(|e| DataError::at(&path, row, None, e.to_string()))?;
        if record.len() != pixels + 1 {
            return Err(DataError::at(
                &path,
                row,
                None,
                format!("has {} values, expected {} pixels and a label", record.len(), pixels + 1),
            ));
        }
        for (k, cell) in record.iter().enumerate() {
            let v: f64 = cell.trim().parse().map_err(|_| {
                DataError::at(&path, row, Some(k + 1), format!("'{cell}' is not a number"))
            })?;
            let whole = v.fract() == 0.0 && v >= 0.0;
            if k < pixels {
                if !(whole && v <= MAX_COUNT) {
                    return Err(DataError::at(
                        &path,
                        row,
                        Some(k + 1),
                        format!("pixel {v} is not in 0..=16"),
                    ));
                }
                data.push(v / MAX_COUNT);
            } else if whole && v <= 9.0 {
                labels.push(v as u8);
            } else {
                return Err(DataError::at(
                    &path,
                    row,
                    Some(k + 1),
                    format!("label {v} is not a digit"),
                ));
            }
        }
    }
    let n = labels.len();
    let names = (0..10).map(|d| d.to_string()).collect();
    let points = Points::new(data, n, pixels).map_err(|e| DataError::file(&path, e.to_string()))?;
    ImageSet::new(points, labels, SIDE, SIDE, names)
}
