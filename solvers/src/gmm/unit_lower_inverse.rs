//! A batched inverse of unit lower-triangular matrices, as a candle op with a backward pass.
//!
//! Full `S_k = L_k L_k^T` needs `L_k^{-1}`. Candle has no triangular solve, and building the
//! inverse from matrix products (the nilpotent series) costs `O(D^3 log D)` per component per
//! step, which dominated training at `D >= 64`. Forward substitution costs `D^3 / 6`, and the
//! backward pass is two batched matrix products: `d(M^{-1}) = -M^{-1} dM M^{-1}`, so the
//! gradient of the argument is `-M^{-T} G M^{-T}`.

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};

/// `(K, D, D)` unit lower-triangular `M` (only the strict lower triangle is read) to `M^{-1}`.
pub(crate) struct UnitLowerInverse;

impl CustomOp1 for UnitLowerInverse {
    fn name(&self) -> &'static str {
        "unit-lower-inverse"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (k, d, d2) = layout.shape().dims3()?;
        if d != d2 {
            candle_core::bail!("unit-lower-inverse: matrices are {d} x {d2}, not square");
        }
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("unit-lower-inverse: argument must be contiguous");
        };
        let CpuStorage::F64(all) = storage else {
            candle_core::bail!("unit-lower-inverse: float64 only");
        };
        let m = &all[start..end];
        let mut out = vec![0.0; k * d * d];
        for c in 0..k {
            invert_one(&m[c * d * d..(c + 1) * d * d], &mut out[c * d * d..(c + 1) * d * d], d);
        }
        Ok((CpuStorage::F64(out), layout.shape().clone()))
    }

    fn bwd(
        &self,
        _arg: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let res_t = res.transpose(1, 2)?.contiguous()?;
        Ok(Some(res_t.matmul(grad_res)?.matmul(&res_t)?.neg()?))
    }
}

/// Forward substitution, row by row: `X[i][j] = -sum_{j <= l < i} M[i][l] X[l][j]` for `j < i`.
pub(super) fn invert_one(m: &[f64], x: &mut [f64], d: usize) {
    for i in 0..d {
        x[i * d + i] = 1.0;
        for l in 0..i {
            let coef = -m[i * d + l];
            if coef == 0.0 {
                continue;
            }
            // Row l of X is zero past column l, so only columns 0..=l contribute.
            let (head, tail) = x.split_at_mut(i * d);
            let row_l = &head[l * d..l * d + l + 1];
            for (xi, &xl) in tail[..=l].iter_mut().zip(row_l) {
                *xi += coef * xl;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Var};

    fn lower(d: usize, k: usize) -> Tensor {
        let data: Vec<f64> =
            (0..k * d * d).map(|i| ((i * 7919) % 13) as f64 / 13.0 - 0.4).collect();
        let mask = (Tensor::tril2(d, DType::F64, &Device::Cpu).unwrap()
            - Tensor::eye(d, DType::F64, &Device::Cpu).unwrap())
        .unwrap();
        Tensor::from_vec(data, (k, d, d), &Device::Cpu).unwrap().broadcast_mul(&mask).unwrap()
    }

    #[test]
    fn inverse_times_matrix_is_identity() {
        let (k, d) = (3, 9);
        let eye = Tensor::eye(d, DType::F64, &Device::Cpu).unwrap();
        let m = lower(d, k).broadcast_add(&eye).unwrap();
        let inv = m.apply_op1_no_bwd(&UnitLowerInverse).unwrap();
        let prod = m.matmul(&inv).unwrap().broadcast_sub(&eye).unwrap();
        let err = prod.abs().unwrap().max_all().unwrap().to_scalar::<f64>().unwrap();
        assert!(err < 1e-12, "M M^-1 - I has max entry {err}");
    }

    /// The backward pass against central finite differences of `sum(W * M^{-1})`.
    #[test]
    fn gradient_matches_finite_differences() {
        let (k, d) = (2, 5);
        let eye = Tensor::eye(d, DType::F64, &Device::Cpu).unwrap();
        let base = lower(d, k).broadcast_add(&eye).unwrap();
        let w = lower(d, k).transpose(1, 2).unwrap().contiguous().unwrap();
        let f = |m: &Tensor| {
            let inv = m.apply_op1(UnitLowerInverse).unwrap();
            (inv * &w).unwrap().sum_all().unwrap()
        };
        let var = Var::from_tensor(&base).unwrap();
        let grads = f(var.as_tensor()).backward().unwrap();
        let g =
            grads.get(var.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let flat = base.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let h = 1e-6;
        for c in 0..k {
            for i in 0..d {
                for j in 0..i {
                    let idx = c * d * d + i * d + j;
                    let shifted = |delta: f64| {
                        let mut v = flat.clone();
                        v[idx] += delta;
                        let t = Tensor::from_vec(v, (k, d, d), &Device::Cpu).unwrap();
                        f(&t).to_scalar::<f64>().unwrap()
                    };
                    let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
                    assert!(
                        (numeric - g[idx]).abs() < 1e-7,
                        "entry {idx}: {numeric} vs {}",
                        g[idx]
                    );
                }
            }
        }
    }
}
