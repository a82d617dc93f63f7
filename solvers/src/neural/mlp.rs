use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{Module, VarMap};
use eot_datasets::SuiteRng;
use rand::Rng;

use super::Activation;
use crate::SolverError;

/// Layer sizes of an [`Mlp`]: `input -> hidden[0] -> ... -> 1`.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpShape {
    /// Input dimension.
    pub input: usize,
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Nonlinearity between layers.
    pub activation: Activation,
}

impl MlpShape {
    /// `(fan_in, fan_out)` of each linear layer.
    fn layers(&self) -> Vec<(usize, usize)> {
        let mut sizes = vec![self.input];
        sizes.extend(&self.hidden);
        sizes.push(1);
        sizes.windows(2).map(|w| (w[0], w[1])).collect()
    }

    /// The tensor names of an MLP stored under `prefix`, in layer order.
    pub fn names(&self, prefix: &str) -> Vec<String> {
        (0..self.layers().len())
            .flat_map(|i| [format!("{prefix}.l{i}.weight"), format!("{prefix}.l{i}.bias")])
            .collect()
    }
}

/// A scalar-output multilayer perceptron `R^D -> R`, float32. Built either trainable (weights
/// are `Var`s registered in a `VarMap`) or from plain tensors (an EMA copy, a checkpoint), whose
/// forward and input-gradient passes compute no weight gradients.
#[derive(Clone, Debug)]
pub struct Mlp {
    /// `(weight (out, in), bias (out))` per layer.
    layers: Vec<(Tensor, Tensor)>,
    activation: Activation,
    /// A fixed quadratic added to the output (not trained), if any.
    base: Option<QuadraticBase>,
}

/// A fixed concave quadratic `-(y - m)^T P (y - m)` added to a network's output, so that a
/// potential `f = base + mlp` falls off in every direction however the MLP extrapolates (an
/// MLP grows at most linearly far from its data). With `P = C^{-1} eps / 2` for the target's
/// fitted Gaussian `N(m, C)` the untrained potential is `eps log N(y | m, C)` up to a constant.
#[derive(Clone, Debug)]
pub struct QuadraticBase {
    /// `m`, `(1, D)` float32.
    pub mean: Tensor,
    /// `P`, `(D, D)` float32, symmetric positive definite.
    pub precision: Tensor,
}

impl QuadraticBase {
    /// The value `-(y - m)^T P (y - m)` and its gradient `-2 P (y - m)` at each row of `y`
    /// (`P` is symmetric).
    pub fn values_and_gradients(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        let (c, cp) = self.centred(y)?;
        Ok((cp.mul(&c)?.sum(1)?.neg()?, (cp * -2.0)?))
    }

    /// `(y - m, (y - m) P)`, what the value and the gradient are made of.
    fn centred(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        let c = y.broadcast_sub(&self.mean)?;
        let cp = c.matmul(&self.precision)?;
        Ok((c, cp))
    }
}

/// `(n, D) -> (n)`: `-(y - m)^T P (y - m)` at each row.
impl Module for QuadraticBase {
    fn forward(&self, y: &Tensor) -> candle_core::Result<Tensor> {
        let (c, cp) = self.centred(y)?;
        cp.mul(&c)?.sum(1)?.neg()
    }
}

impl Mlp {
    /// Fresh trainable weights under `prefix` in `vars`, drawn like PyTorch's `nn.Linear`
    /// (uniform on `+-1/sqrt(fan_in)`) from the suite's seeded generator.
    pub fn init(
        shape: &MlpShape,
        prefix: &str,
        vars: &VarMap,
        rng: &mut SuiteRng,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let mut store = vars.data().lock().expect("VarMap lock poisoned");
        let mut layers = Vec::new();
        for (i, (fan_in, fan_out)) in shape.layers().into_iter().enumerate() {
            let bound = 1.0 / (fan_in as f32).sqrt();
            let mut uniform = |n: usize, dims: &[usize]| -> Result<Var, SolverError> {
                let data: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
                Ok(Var::from_tensor(&Tensor::from_vec(data, dims, device)?)?)
            };
            let w = uniform(fan_in * fan_out, &[fan_out, fan_in])?;
            let b = uniform(fan_out, &[fan_out])?;
            layers.push((w.as_tensor().clone(), b.as_tensor().clone()));
            store.insert(format!("{prefix}.l{i}.weight"), w);
            store.insert(format!("{prefix}.l{i}.bias"), b);
        }
        Ok(Mlp { layers, activation: shape.activation, base: None })
    }

    /// The same network with `base` added to its output.
    pub fn with_base(mut self, base: Option<QuadraticBase>) -> Self {
        self.base = base;
        self
    }

    /// The fixed quadratic added to the output, if any.
    pub fn base(&self) -> Option<&QuadraticBase> {
        self.base.as_ref()
    }

    /// The network stored under `prefix` in `tensors`, checked against `shape`.
    pub fn from_tensors(
        shape: &MlpShape,
        prefix: &str,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let get = |name: String, dims: &[usize]| -> Result<Tensor, SolverError> {
            let t = tensors
                .get(&name)
                .ok_or_else(|| SolverError::Input(format!("network weights lack '{name}'")))?;
            if t.dims() != dims {
                return Err(SolverError::Input(format!(
                    "weights '{name}' have shape {:?}, expected {dims:?}",
                    t.dims()
                )));
            }
            Ok(t.to_dtype(DType::F32)?.to_device(device)?.detach())
        };
        let layers = shape
            .layers()
            .into_iter()
            .enumerate()
            .map(|(i, (fan_in, fan_out))| {
                Ok((
                    get(format!("{prefix}.l{i}.weight"), &[fan_out, fan_in])?,
                    get(format!("{prefix}.l{i}.bias"), &[fan_out])?,
                ))
            })
            .collect::<Result<_, SolverError>>()?;
        Ok(Mlp { layers, activation: shape.activation, base: None })
    }

    /// A copy sharing the weights' storage but not tracked by autograd: for sampling with the
    /// current weights without computing their gradients.
    pub fn detached(&self) -> Self {
        let layers = self.layers.iter().map(|(w, b)| (w.detach(), b.detach())).collect();
        Mlp { layers, activation: self.activation, base: self.base.clone() }
    }

    /// `(weight (out, in), bias (out))` of each layer, input first.
    pub(super) fn layers(&self) -> &[(Tensor, Tensor)] {
        &self.layers
    }

    /// The nonlinearity between the layers.
    pub(super) fn activation(&self) -> Activation {
        self.activation
    }

    /// The weights in the order of [`MlpShape::names`].
    pub fn weights(&self) -> Vec<&Tensor> {
        self.layers.iter().flat_map(|(w, b)| [w, b]).collect()
    }
}

/// The network as a candle module: `(n, D) -> (n)`, the potential's value at each row.
impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let last = self.layers.len() - 1;
        let mut h = x.clone();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = super::bias::add_bias(&h.matmul(&w.t()?)?, b)?;
            if i < last {
                h = self.activation.apply(&h)?;
            }
        }
        match &self.base {
            Some(base) => h.squeeze(1)? + base.forward(x)?,
            None => h.squeeze(1),
        }
    }
}
