//! scanpy's PBMC 68k reduced set (700 cells): the cells' 50-D PCA coordinates and bulk cell-type
//! labels, as `bench/scripts/fetch_real_data.sh` writes them from the `.h5ad` to
//! `pbmc/pbmc68k_reduced.csv` (header `cell,bulk_label,pc1..pc50`).

use std::path::Path;

use super::open;
use crate::{DataError, Points, SuiteRng};

/// Points with a text label each (cells and their cell types).
#[derive(Clone, Debug)]
pub struct LabelledPoints {
    /// One cell per row.
    pub points: Points,
    /// The cell type of each row.
    pub labels: Vec<String>,
    /// An identifier per point (the cell barcode).
    pub ids: Vec<String>,
}

impl LabelledPoints {
    /// The distinct labels with their counts, most frequent first (ties by name).
    pub fn label_counts(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for l in &self.labels {
            match counts.iter_mut().find(|(k, _)| k == l) {
                Some((_, c)) => *c += 1,
                None => counts.push((l.clone(), 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }

    /// The points labelled `label` (first `dims` coordinates), or an error listing the labels.
    pub fn of_label(&self, label: &str, dims: usize) -> Result<Points, DataError> {
        if dims == 0 || dims > self.points.dim() {
            return Err(DataError::Invalid(format!(
                "asked for {dims} coordinates of {}-D points",
                self.points.dim()
            )));
        }
        let mut data = Vec::new();
        for (row, l) in self.points.rows().zip(&self.labels) {
            if l == label {
                data.extend_from_slice(&row[..dims]);
            }
        }
        if data.is_empty() {
            let known: Vec<String> =
                self.label_counts().into_iter().map(|(l, c)| format!("{l} ({c})")).collect();
            return Err(DataError::Invalid(format!(
                "no point labelled '{label}' (labels: {})",
                known.join(", ")
            )));
        }
        let n = data.len() / dims;
        Points::new(data, n, dims)
    }

    /// A seeded split of `points` into (first, second) with `first_fraction` of them first.
    pub fn split(points: &Points, first_fraction: f64, rng: &mut SuiteRng) -> (Points, Points) {
        let mask = super::images::stratified_mask(&vec![(); points.len()], first_fraction, rng);
        (points.select(|i| mask[i]), points.select(|i| !mask[i]))
    }
}

/// Reads `dir/pbmc/pbmc68k_reduced.csv`.
pub fn load_pbmc(dir: &Path) -> Result<LabelledPoints, DataError> {
    let path = dir.join("pbmc").join("pbmc68k_reduced.csv");
    let mut reader = csv::Reader::from_reader(open(&path)?);
    let header = reader
        .headers()
        .map_err(|e| DataError::file(&path, format!("cannot read the header: {e}")))?
        .clone();
    if header.len() < 3 || &header[0] != "cell" || &header[1] != "bulk_label" {
        return Err(DataError::file(
            &path,
            "header must start with cell,bulk_label and then coordinates",
        ));
    }
    let d = header.len() - 2;
    let (mut data, mut labels, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = record.map_err(|e| DataError::at(&path, row, None, e.to_string()))?;
        for (k, cell) in record.iter().enumerate().skip(2) {
            let v: f64 = cell.trim().parse().map_err(|_| {
                DataError::at(&path, row, Some(k + 1), format!("'{cell}' is not a number"))
            })?;
            if !v.is_finite() {
                return Err(DataError::at(&path, row, Some(k + 1), format!("{v} is not finite")));
            }
            data.push(v);
        }
        ids.push(record[0].to_string());
        labels.push(record[1].to_string());
    }
    if labels.len() < 2 {
        return Err(DataError::file(
            &path,
            format!("has {} cell(s); at least 2 are needed", labels.len()),
        ));
    }
    let points =
        Points::new(data, labels.len(), d).map_err(|e| DataError::file(&path, e.to_string()))?;
    Ok(LabelledPoints { points, labels, ids })
}
