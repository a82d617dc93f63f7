//! Adding a layer's bias as one candle op on the CPU, with a fast gradient for the bias.
//!
//! Candle's `broadcast_add` is fine forward, but its backward pass sums the `(n, out)` gradient
//! over rows with a strided reduction that took 12 % of a VarEOT step at batch 256 x K 256
//! (65,536 rows). Here the column sums are one contiguous, multi-threaded pass.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::silu::f32_slice;

/// Rows per parallel work item (a few hundred KiB of a 256-wide float32 matrix).
const ROWS: usize = 512;

/// `h + b` for `h` `(n, out)` and `b` `(out)`: the fused op for contiguous float32 CPU tensors,
/// candle's `broadcast_add` otherwise.
pub(crate) fn add_bias(h: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    if h.device().is_cpu() && h.dtype() == DType::F32 && b.dtype() == DType::F32 && h.rank() == 2 {
        h.contiguous()?.apply_op2(&b.contiguous()?, BiasAdd)
    } else {
        h.broadcast_add(b)
    }
}

struct BiasAdd;

impl CustomOp2 for BiasAdd {
    fn name(&self) -> &'static str {
        "bias-add"
    }

    fn cpu_fwd(
        &self,
        hs: &CpuStorage,
        hl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (_, out) = hl.shape().dims2()?;
        if bl.shape().dims() != [out] {
            candle_core::bail!("bias-add: bias {:?} for {out} columns", bl.shape());
        }
        let h = f32_slice(hs, hl, "bias-add")?;
        let b = f32_slice(bs, bl, "bias-add")?;
        let mut res = vec![0f32; h.len()];
        res.par_chunks_mut(ROWS * out).zip(h.par_chunks(ROWS * out)).for_each(|(r, h)| {
            for (r, h) in r.chunks_exact_mut(out).zip(h.chunks_exact(out)) {
                for ((r, &h), &b) in r.iter_mut().zip(h).zip(b) {
                    *r = h + b;
                }
            }
        });
        Ok((CpuStorage::F32(res), hl.shape().clone()))
    }

    fn bwd(
        &self,
        _h: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (_, out) = grad.dims2()?;
        let grad = grad.contiguous()?;
        let sums = {
            let (storage, layout) = grad.storage_and_layout();
            let candle_core::Storage::Cpu(storage) = &*storage else {
                candle_core::bail!("bias-add: gradient is not on the CPU");
            };
            column_sums(f32_slice(storage, layout, "bias-add")?, out)
        };
        let db = Tensor::from_vec(sums, out, b.device())?;
        Ok((Some(grad), Some(db)))
    }
}

/// Sums of the columns of a row-major `(n, out)` matrix: float32 within a block of rows (the
/// inner loop vectorises), float64 across blocks.
fn column_sums(m: &[f32], out: usize) -> Vec<f32> {
    let blocks: Vec<Vec<f32>> = m
        .par_chunks(ROWS * out)
        .map(|block| {
            let mut acc = vec![0f32; out];
            for row in block.chunks_exact(out) {
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += v;
                }
            }
            acc
        })
        .collect();
    let mut total = vec![0f64; out];
    for block in &blocks {
        for (t, &v) in total.iter_mut().zip(block) {
            *t += v as f64;
        }
    }
    total.into_iter().map(|v| v as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn value_and_gradients_match_broadcast_add() {
        let dev = Device::Cpu;
        let h = Var::from_tensor(&Tensor::randn(0f32, 1f32, (1500, 7), &dev).unwrap()).unwrap();
        let b = Var::from_tensor(&Tensor::randn(0f32, 1f32, 7, &dev).unwrap()).unwrap();
        let w = Tensor::randn(0f32, 1f32, (1500, 7), &dev).unwrap();
        let max_diff = |a: &Tensor, b: &Tensor| {
            (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
        };
        let ours = add_bias(h.as_tensor(), b.as_tensor()).unwrap();
        let theirs = h.as_tensor().broadcast_add(b.as_tensor()).unwrap();
        assert_eq!(max_diff(&ours, &theirs), 0.0);
        let g1 = (ours * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (theirs * &w).unwrap().sum_all().unwrap().backward().unwrap();
        assert_eq!(max_diff(g1.get(&h).unwrap(), g2.get(&h).unwrap()), 0.0);
        assert!(max_diff(g1.get(&b).unwrap(), g2.get(&b).unwrap()) < 1e-3);
    }
}
