//! SiLU as one fused candle op on the CPU, forward and backward.
//!
//! Candle's own SiLU evaluates a scalar libm `exp` in one thread, and its backward pass is nine
//! elementwise tensor ops (each a new allocation the size of the activations). With VarEOT's
//! batch 256 x K 256 proposals the activations are 64 MiB per layer, and those passes were a
//! third of a training step. Here the forward pass and the gradient are one vectorised,
//! multi-threaded pass each, with the suite's branch-free `exp` ([`crate::real`]).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use crate::real::exp_f32;

/// Elements per parallel work item: large enough to amortise scheduling, small enough that
/// two cores split a 64 Ki-row batch evenly.
const CHUNK: usize = 1 << 14;

/// `x * sigmoid(x)`: the fused op on contiguous float32 CPU tensors, candle's op otherwise
/// (other devices and dtypes, where this op has no kernel).
pub(crate) fn silu(x: &Tensor) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == DType::F32 {
        x.contiguous()?.apply_op1(FusedSilu)
    } else {
        x.silu()
    }
}

struct FusedSilu;

impl CustomOp1 for FusedSilu {
    fn name(&self) -> &'static str {
        "fused-silu"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let x = f32_slice(storage, layout, "fused-silu")?;
        let mut out = vec![0f32; x.len()];
        silu_into(x, &mut out);
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(arg.apply_op2_no_bwd(&grad.contiguous()?, &SiluGrad)?))
    }
}

/// `grad * d silu(x) / dx`, with `d silu / dx = s (1 + x (1 - s))`, `s = sigmoid(x)`.
struct SiluGrad;

impl CustomOp2 for SiluGrad {
    fn name(&self) -> &'static str {
        "fused-silu-grad"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        gs: &CpuStorage,
        gl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        if xl.shape() != gl.shape() {
            candle_core::bail!(
                "fused-silu-grad: shapes {:?} and {:?} differ",
                xl.shape(),
                gl.shape()
            );
        }
        let x = f32_slice(xs, xl, "fused-silu-grad")?;
        let g = f32_slice(gs, gl, "fused-silu-grad")?;
        let mut out = vec![0f32; x.len()];
        silu_grad_into(x, g, &mut out);
        Ok((CpuStorage::F32(out), xl.shape().clone()))
    }
}

/// `out = silu(x)`, elementwise, on the rayon threads.
pub(super) fn silu_into(x: &[f32], out: &mut [f32]) {
    out.par_chunks_mut(CHUNK).zip(x.par_chunks(CHUNK)).for_each(|(o, x)| dispatch(x, None, o));
}

/// `out = g * d silu(x) / dx`, elementwise, on the rayon threads.
pub(super) fn silu_grad_into(x: &[f32], g: &[f32], out: &mut [f32]) {
    out.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK).zip(g.par_chunks(CHUNK)))
        .for_each(|(o, (x, g))| dispatch(x, Some(g), o));
}

/// The float32 data of a contiguous CPU tensor, or an error naming `op`.
pub(super) fn f32_slice<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    op: &str,
) -> candle_core::Result<&'a [f32]> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{op}: argument must be contiguous");
    };
    let CpuStorage::F32(all) = storage else {
        candle_core::bail!("{op}: float32 only");
    };
    Ok(&all[start..end])
}

/// The forward values (`grad = None`) or the gradient, with the widest vector unit available.
fn dispatch(x: &[f32], grad: Option<&[f32]>, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature was just detected on this CPU.
            return unsafe { kernel_avx512(x, grad, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the features were just detected on this CPU.
            return unsafe { kernel_avx2(x, grad, out) };
        }
    }
    kernel::<false>(x, grad, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn kernel_avx512(x: &[f32], grad: Option<&[f32]>, out: &mut [f32]) {
    kernel::<true>(x, grad, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel_avx2(x: &[f32], grad: Option<&[f32]>, out: &mut [f32]) {
    kernel::<true>(x, grad, out)
}

#[inline(always)]
fn kernel<const FMA: bool>(x: &[f32], grad: Option<&[f32]>, out: &mut [f32]) {
    match grad {
        None => {
            for (o, &x) in out.iter_mut().zip(x) {
                *o = x * sigmoid::<FMA>(x);
            }
        }
        Some(g) => {
            for ((o, &x), &g) in out.iter_mut().zip(x).zip(g) {
                let s = sigmoid::<FMA>(x);
                *o = g * s * (1.0 + x * (1.0 - s));
            }
        }
    }
}

/// `1 / (1 + e^-x)` through `e^-|x|` only, so the exponential never overflows.
#[inline(always)]
fn sigmoid<const FMA: bool>(x: f32) -> f32 {
    let e = exp_f32::<FMA>(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 { r } else { e * r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn points() -> Tensor {
        let v: Vec<f32> = (0..40_000).map(|i| (i as f32 - 20_000.0) * 0.0031).collect();
        Tensor::from_vec(v, (200, 200), &Device::Cpu).unwrap()
    }

    #[test]
    fn forward_matches_candle() {
        let x = points();
        let diff = (silu(&x).unwrap() - x.silu().unwrap()).unwrap().abs().unwrap();
        let max = diff.max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(max < 1e-5, "max |fused - candle| = {max}");
    }

    #[test]
    fn gradient_matches_candle() {
        let x = Var::from_tensor(&points()).unwrap();
        let w = Tensor::rand(0f32, 1f32, (200, 200), &Device::Cpu).unwrap();
        let ours =
            (silu(x.as_tensor()).unwrap() * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let theirs =
            (x.as_tensor().silu().unwrap() * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let diff = (ours.get(&x).unwrap() - theirs.get(&x).unwrap()).unwrap().abs().unwrap();
        let max = diff.max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(max < 1e-5, "max |fused grad - candle grad| = {max}");
    }

    #[test]
    fn strided_input_is_made_contiguous() {
        let x = points().t().unwrap();
        let diff = (silu(&x).unwrap() - x.silu().unwrap()).unwrap().abs().unwrap();
        assert!(diff.max_all().unwrap().to_scalar::<f32>().unwrap() < 1e-5);
    }
}
