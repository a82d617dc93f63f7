//! The reference kernel that speed is measured against. A fit time alone says as much about the
//! machine (and whatever else runs on it) as about the solver; divided by the time of a fixed
//! kernel timed in the same run, the machine's speed mostly cancels. The kernel mixes the two
//! kinds of work the solvers do: candle matrix products (the neural solvers, LightSB) and a
//! float64 log-sum-exp sweep (Sinkhorn).

use std::hint::black_box;
use std::time::Instant;

use anyhow::Result;
use candle_core::{DType, Device, Tensor};

/// Repetitions of the kernel per measurement; the median is kept.
const REPEATS: usize = 5;

/// Seconds of one reference kernel run on the CPU: the median of [`REPEATS`] runs after one
/// warm-up run.
pub fn reference_seconds() -> Result<f64> {
    let a = Tensor::arange(0u32, 256 * 256, &Device::Cpu)?
        .to_dtype(DType::F32)?
        .affine(1e-5, -0.3)?
        .reshape((256, 256))?;
    let x: Vec<f64> = (0..1 << 20).map(|i| ((i % 1000) as f64) * 1e-3 - 0.5).collect();
    kernel(&a, &x)?;
    let mut times = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let start = Instant::now();
        black_box(kernel(&a, &x)?);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[REPEATS / 2])
}

/// Twenty 256 x 256 x 256 float32 products and a log-sum-exp over 2^20 float64 numbers
/// (about 40 ms on the 2-core reference machine).
fn kernel(a: &Tensor, x: &[f64]) -> Result<f64> {
    let mut m = a.clone();
    for _ in 0..20 {
        m = m.matmul(a)?.tanh()?;
    }
    let top = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lse = top + x.iter().map(|v| (v - top).exp()).sum::<f64>().ln();
    Ok(m.sum_all()?.to_scalar::<f32>()? as f64 + lse)
}
