//! What the samplers draw from: a potential `f` and its Gibbs conditionals
//! `mu_x^f(y) ∝ exp((f(y) - |x - y|^2 / 2) / eps)`.

use candle_core::{Tensor, Var};
use candle_nn::Module;

use super::Mlp;

/// A potential `f` on the target space: the learned network, or (in tests) a potential whose
/// conditionals are known exactly.
pub trait Potential {
    /// `f(y)` at each row of `y` (`(n, D)` -> `(n)`).
    fn values(&self, y: &Tensor) -> candle_core::Result<Tensor>;
    /// `f(y)` and `grad f(y)` at each row of `y` (`(n)` and `(n, D)`).
    fn values_and_gradients(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)>;
}

impl Potential for Mlp {
    fn values(&self, y: &Tensor) -> candle_core::Result<Tensor> {
        self.forward(y)
    }

    /// One forward and one backward pass with respect to the input.
    fn values_and_gradients(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        let y = Var::from_tensor(&y.detach())?;
        let values = self.forward(y.as_tensor())?;
        let grads = values.sum_all()?.backward()?;
        let g = match grads.get(y.as_tensor()) {
            Some(g) => g.clone(),
            None => y.zeros_like()?,
        };
        Ok((values.detach(), g))
    }
}
