use candle_core::{Device, Tensor};
use eot_datasets::SuiteRng;
use rand_distr::{Distribution, StandardNormal};

/// A float32 tensor of standard normals drawn from the suite's seeded generator (candle's own
/// CPU generator cannot be seeded, so it would break "same seed, same result").
pub fn normals(
    shape: &[usize],
    rng: &mut SuiteRng,
    device: &Device,
) -> candle_core::Result<Tensor> {
    let n = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|_| StandardNormal.sample(rng)).collect();
    Tensor::from_vec(data, shape, device)
}
