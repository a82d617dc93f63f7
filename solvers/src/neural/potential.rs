//! What the samplers draw from: a potential `f` and its Gibbs conditionals
//! `mu_x^f(y) ∝ exp((f(y) - |x - y|^2 / 2) / eps)`.

use candle_core::{Tensor, Var};
use candle_nn::Module;

use super::{Mlp, host_mlp};

/// A potential `f` on the target space: the learned network, or (in tests) a potential whose
/// conditionals are known exactly.
pub trait Potential {
    /// `f(y)` at each row of `y` (`(n, D)` -> `(n)`).
    fn values(&self, y: &Tensor) -> candle_core::Result<Tensor>;
    /// `f(y)` and `grad f(y)` at each row of `y` (`(n)` and `(n, D)`).
    fn values_and_gradients(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)>;
}

/// On the CPU in float32 with SiLU, both passes run on the weights' buffers without autograd
/// ([`super::host_mlp`]); otherwise candle's forward pass and its autograd to the input.
impl Potential for Mlp {
    fn values(&self, y: &Tensor) -> candle_core::Result<Tensor> {
        if !host_mlp::applies(y, self.activation()) {
            return self.forward(y);
        }
        let (values, _) = host_mlp::values_and_gradients(self.layers(), y, false)?;
        let values = Tensor::from_vec(values, y.dim(0)?, y.device())?;
        match self.base() {
            Some(base) => values + base.forward(y)?,
            None => Ok(values),
        }
    }

    /// One forward and one backward pass with respect to the input.
    fn values_and_gradients(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        if !host_mlp::applies(y, self.activation()) {
            return autograd_values_and_gradients(self, y);
        }
        let (n, d) = y.dims2()?;
        let (values, grad) = host_mlp::values_and_gradients(self.layers(), y, true)?;
        let values = Tensor::from_vec(values, n, y.device())?;
        let grad = Tensor::from_vec(grad.unwrap_or_default(), (n, d), y.device())?;
        match self.base() {
            Some(base) => {
                let (v, g) = base.values_and_gradients(y)?;
                Ok(((values + v)?, (grad + g)?))
            }
            None => Ok((values, grad)),
        }
    }
}

/// `f(y)` and `grad f(y)` by candle's forward pass and autograd (the reference the written-out
/// passes are tested against).
pub fn autograd_values_and_gradients(f: &Mlp, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
    let y = Var::from_tensor(&y.detach())?;
    let values = f.forward(y.as_tensor())?;
    let grads = values.sum_all()?.backward()?;
    let g = match grads.get(y.as_tensor()) {
        Some(g) => g.clone(),
        None => y.zeros_like()?,
    };
    Ok((values.detach(), g))
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device};
    use candle_nn::VarMap;

    use super::*;
    use crate::neural::{Activation, MlpShape, QuadraticBase};

    fn max_rel_diff(a: &Tensor, b: &Tensor) -> f32 {
        let scale = b.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap().max(1e-6);
        let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        diff / scale
    }

    /// The written-out passes agree with candle's forward pass and autograd: with and without
    /// the quadratic base, below and above the row count where the products go parallel, and
    /// for a network of one layer (no hidden one). Fails with a sign or a transpose wrong.
    #[test]
    fn written_out_passes_equal_autograd() {
        let dev = Device::Cpu;
        let mut rng = eot_datasets::substream(3, 1);
        for (dim, hidden, rows) in
            [(5, vec![64, 32], 300), (16, vec![48, 48, 48], 2500), (3, vec![], 7)]
        {
            let shape = MlpShape { input: dim, hidden, activation: Activation::Silu };
            let f = Mlp::init(&shape, "f", &VarMap::new(), &mut rng, &dev).unwrap();
            let precision = Tensor::randn(0f32, 0.3, (dim, dim), &dev).unwrap();
            let precision = (precision.matmul(&precision.t().unwrap()).unwrap() + 0.5)
                .unwrap()
                .to_dtype(DType::F32)
                .unwrap();
            let base = QuadraticBase {
                mean: Tensor::randn(0f32, 1f32, (1, dim), &dev).unwrap(),
                precision,
            };
            let y = (Tensor::randn(0f32, 1f32, (rows, dim), &dev).unwrap() * 2.0).unwrap();
            for f in [f.clone(), f.with_base(Some(base))] {
                let (v, g) = f.values_and_gradients(&y).unwrap();
                let (v_ref, g_ref) = autograd_values_and_gradients(&f, &y).unwrap();
                assert!(max_rel_diff(&v, &v_ref) < 1e-5, "values {}", max_rel_diff(&v, &v_ref));
                assert!(max_rel_diff(&g, &g_ref) < 1e-5, "gradients {}", max_rel_diff(&g, &g_ref));
                let only = f.values(&y).unwrap();
                assert!(max_rel_diff(&only, &v_ref) < 1e-5);
            }
        }
    }
}
