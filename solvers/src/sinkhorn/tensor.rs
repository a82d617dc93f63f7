//! The soft-min on candle tensors, for devices the fused CPU kernel cannot use (CUDA). Rows are
//! processed in blocks so that only a `block x m` tile of the cost exists at a time.

use candle_core::{DType, Device, Tensor};
use eot_datasets::Points;

use super::settings::Precision;
use super::solve::SoftMin;
use crate::{SolverError, parse_device};

/// Elements of one `block x m` tile (16 Mi: 64 MiB in f32).
const TILE_ELEMENTS: usize = 1 << 24;

/// One side of the problem on the device: centred points and `|p|^2/2` as a column.
struct DeviceCloud {
    coords: Tensor,
    half_sq: Tensor,
    n: usize,
}

impl DeviceCloud {
    fn new(p: &Points, shift: &[f64], device: &Device, dtype: DType) -> Result<Self, SolverError> {
        let d = p.dim();
        let centred: Vec<f64> =
            p.rows().flat_map(|r| r.iter().zip(shift).map(|(v, s)| v - s)).collect();
        let half_sq: Vec<f64> =
            centred.chunks_exact(d).map(|r| 0.5 * r.iter().map(|v| v * v).sum::<f64>()).collect();
        let n = p.len();
        Ok(DeviceCloud {
            coords: Tensor::from_vec(centred, (n, d), device)?.to_dtype(dtype)?,
            half_sq: Tensor::from_vec(half_sq, (n, 1), device)?.to_dtype(dtype)?,
            n,
        })
    }
}

/// Soft-min updates with candle on any device.
pub(crate) struct TensorSoftMin {
    x: DeviceCloud,
    y: DeviceCloud,
    device: Device,
    dtype: DType,
}

impl TensorSoftMin {
    pub fn new(
        x: &Points,
        y: &Points,
        shift: &[f64],
        device: &str,
        precision: Precision,
    ) -> Result<Self, SolverError> {
        let device = parse_device(device)?;
        let dtype = match precision {
            // The tensor path has no float32 phase: mixed runs in float64 there.
            Precision::F64 | Precision::Mixed => DType::F64,
            Precision::F32 => DType::F32,
        };
        Ok(TensorSoftMin {
            x: DeviceCloud::new(x, shift, &device, dtype)?,
            y: DeviceCloud::new(y, shift, &device, dtype)?,
            device,
            dtype,
        })
    }

    /// `out_i = p.half_sq_i - eps LSE_j((pot_j - q.half_sq_j)/eps + log w_j + <p_i, q_j>/eps)`.
    fn update(
        &self,
        rows_are_x: bool,
        pot: &[f64],
        eps: f64,
        out: &mut [f64],
    ) -> Result<(), SolverError> {
        let (p, q) = if rows_are_x { (&self.x, &self.y) } else { (&self.y, &self.x) };
        let log_w = -(q.n as f64).ln();
        let h = Tensor::from_slice(pot, (1, q.n), &self.device)?
            .to_dtype(self.dtype)?
            .broadcast_sub(&q.half_sq.t()?)?
            .affine(1.0 / eps, log_w)?;
        let q_t = q.coords.t()?;
        let block = (TILE_ELEMENTS / q.n).max(1);
        let mut start = 0;
        while start < p.n {
            let len = block.min(p.n - start);
            let t = p
                .coords
                .narrow(0, start, len)?
                .matmul(&q_t)?
                .affine(1.0 / eps, 0.0)?
                .broadcast_add(&h)?;
            let max = t.max_keepdim(1)?;
            let lse = (t.broadcast_sub(&max)?.exp()?.sum_keepdim(1)?.log()? + max)?;
            let values = (p.half_sq.narrow(0, start, len)? - lse.affine(eps, 0.0)?)?;
            let values = values.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
            out[start..start + len].copy_from_slice(&values);
            start += len;
        }
        Ok(())
    }
}

impl SoftMin for TensorSoftMin {
    fn update_source(&mut self, g: &[f64], eps: f64, f: &mut [f64]) -> Result<(), SolverError> {
        self.update(true, g, eps, f)
    }
    fn update_target(&mut self, f: &[f64], eps: f64, g: &mut [f64]) -> Result<(), SolverError> {
        self.update(false, f, eps, g)
    }
    fn describe(&self) -> String {
        format!("kernel: candle tensors on {:?} in {:?}, in row blocks", self.device, self.dtype)
    }
}
