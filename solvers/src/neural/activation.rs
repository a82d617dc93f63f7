use candle_core::Tensor;

use crate::choice;

choice! {
    /// The nonlinearity between the hidden layers of an [`super::Mlp`].
    pub enum Activation {
        /// `x * sigmoid(x)` (the authors' choice for VarEOT and EgNOT).
        Silu = "silu",
        Relu = "relu",
        Tanh = "tanh",
        Gelu = "gelu",
    }
}

impl Activation {
    /// Applies the nonlinearity elementwise.
    pub fn apply(self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Silu => super::silu::silu(x),
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
            Activation::Gelu => x.gelu(),
        }
    }
}
