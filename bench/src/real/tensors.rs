//! Moving images and codes between the suite's float64 [`Points`] and float32 tensors.

use anyhow::{Context, Result, bail};
use candle_core::{Device, Tensor};
use eot_datasets::Points;

/// Rows per inference pass: bounds the activations' memory (a 4096 x 512 float32 layer is
/// 8 MiB) on sets of any size.
pub(crate) const INFERENCE_ROWS: usize = 4096;

/// `points` as an `(n, d)` float32 tensor on `device`.
pub(crate) fn to_tensor(points: &Points, device: &Device) -> Result<Tensor> {
    let data: Vec<f32> = points.as_slice().iter().map(|&v| v as f32).collect();
    Ok(Tensor::from_vec(data, (points.len(), points.dim()), device)?)
}

/// An `(n, d)` tensor as points; fails on a non-finite value (a diverged network).
pub(crate) fn to_points(t: &Tensor) -> Result<Points> {
    let (n, d) = t.dims2()?;
    let data: Vec<f64> = t.flatten_all()?.to_vec1::<f32>()?.into_iter().map(f64::from).collect();
    Points::new(data, n, d).context("network output")
}

/// Applies `f` to the rows of `points` in blocks of [`INFERENCE_ROWS`] and stacks its outputs
/// (one set of points per output, in the order `f` returns them).
pub(crate) fn map_rows(
    points: &Points,
    device: &Device,
    f: impl Fn(&Tensor) -> Result<Vec<Tensor>>,
) -> Result<Vec<Points>> {
    if points.is_empty() {
        bail!("no images given");
    }
    let mut blocks: Vec<Vec<Tensor>> = Vec::new();
    for start in (0..points.len()).step_by(INFERENCE_ROWS) {
        let end = (start + INFERENCE_ROWS).min(points.len());
        let block = Points::new(
            points.as_slice()[start * points.dim()..end * points.dim()].to_vec(),
            end - start,
            points.dim(),
        )?;
        blocks.push(f(&to_tensor(&block, device)?)?.iter().map(Tensor::detach).collect());
    }
    let outputs = blocks[0].len();
    (0..outputs)
        .map(|k| {
            let parts: Vec<&Tensor> = blocks.iter().map(|b| &b[k]).collect();
            to_points(&Tensor::cat(&parts, 0)?)
        })
        .collect()
}

/// Refuses an image set whose rows are not `dim` pixels.
pub(crate) fn check_dim(what: &str, points: &Points, dim: usize) -> Result<()> {
    if points.dim() != dim {
        bail!("{what} have {} values per row, the network takes {dim}", points.dim());
    }
    Ok(())
}
