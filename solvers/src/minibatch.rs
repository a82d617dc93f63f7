//! Mini-batches for the solvers that train by stochastic gradients (GMM, VarEOT, EgNOT).

use candle_core::{DType, Device, Tensor};
use eot_datasets::{Points, SuiteRng};
use rand::Rng;

use crate::{FitData, SolverError};

/// `n` source and `n` target points: fresh draws from the sampler when there is one, else rows of
/// the fixed samples drawn with replacement.
pub(crate) fn draw(data: &FitData, n: usize, rng: &mut SuiteRng) -> (Points, Points) {
    match data.sampler {
        Some(pair) => (pair.sample_source(n, rng), pair.sample_target(n, rng)),
        None => (rows(data.source, n, rng), rows(data.target, n, rng)),
    }
}

/// `points` as an `(n, d)` tensor of `dtype` on `device`.
pub(crate) fn tensor(
    points: &Points,
    dtype: DType,
    device: &Device,
) -> Result<Tensor, SolverError> {
    let t = Tensor::from_slice(points.as_slice(), (points.len(), points.dim()), &Device::Cpu)?;
    Ok(t.to_dtype(dtype)?.to_device(device)?)
}

fn rows(p: &Points, n: usize, rng: &mut SuiteRng) -> Points {
    let data: Vec<f64> =
        (0..n).flat_map(|_| p.row(rng.random_range(0..p.len())).to_vec()).collect();
    Points::new(data, n, p.dim()).expect("rows of finite points")
}
