//! A stack of fully connected layers in float32, shared by the autoencoder's two halves and the
//! classifier: seeded initialisation, forward pass keeping every layer's activations, and the
//! named tensors the cache saves.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use candle_core::{DType, Device, Tensor, Var};
use eot_datasets::SuiteRng;
use eot_solvers::neural::Activation;
use rand::Rng;

/// `sizes[0] -> sizes[1] -> ... -> sizes[last]`, the activation after every layer but the last
/// (whose output is linear: a latent code or logits).
#[derive(Clone, Debug)]
pub(crate) struct Dense {
    /// `(weight (out, in), bias (out))` per layer, trainable.
    layers: Vec<(Var, Var)>,
    activation: Activation,
}

impl Dense {
    /// Fresh weights drawn like PyTorch's `nn.Linear` (uniform on `+-1/sqrt(fan_in)`) from the
    /// suite's seeded generator, so that a seed fixes the network (candle's own initialisers
    /// draw from an unseeded generator).
    pub(crate) fn init(
        sizes: &[usize],
        activation: Activation,
        rng: &mut SuiteRng,
        device: &Device,
    ) -> Result<Self> {
        let mut uniform = |bound: f32, dims: &[usize]| -> Result<Var> {
            let n = dims.iter().product();
            let data: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
            Ok(Var::from_tensor(&Tensor::from_vec(data, dims, device)?)?)
        };
        let layers = sizes
            .windows(2)
            .map(|w| {
                let bound = 1.0 / (w[0] as f32).sqrt();
                Ok((uniform(bound, &[w[1], w[0]])?, uniform(bound, &[w[1]])?))
            })
            .collect::<Result<_>>()?;
        Ok(Dense { layers, activation })
    }

    /// The stack saved under `prefix` by [`Dense::named_tensors`], which must have the layer
    /// sizes `sizes`.
    pub(crate) fn from_tensors(
        sizes: &[usize],
        activation: Activation,
        prefix: &str,
        tensors: &HashMap<String, Tensor>,
        device: &Device,
    ) -> Result<Self> {
        let get = |name: String, dims: &[usize]| -> Result<Var> {
            let t = tensors.get(&name).with_context(|| format!("no tensor '{name}'"))?;
            if t.dims() != dims {
                bail!("tensor '{name}' has shape {:?}, expected {dims:?}", t.dims());
            }
            Ok(Var::from_tensor(&t.to_dtype(DType::F32)?.to_device(device)?)?)
        };
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                Ok((
                    get(format!("{prefix}.l{i}.weight"), &[w[1], w[0]])?,
                    get(format!("{prefix}.l{i}.bias"), &[w[1]])?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Dense { layers, activation })
    }

    /// The weights, named `{prefix}.l{i}.weight` and `{prefix}.l{i}.bias`.
    pub(crate) fn named_tensors(&self, prefix: &str) -> Vec<(String, Tensor)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, (w, b))| {
                [
                    (format!("{prefix}.l{i}.weight"), w.as_tensor().clone()),
                    (format!("{prefix}.l{i}.bias"), b.as_tensor().clone()),
                ]
            })
            .collect()
    }

    /// The trainable variables, for the optimiser.
    pub(crate) fn vars(&self) -> Vec<Var> {
        self.layers.iter().flat_map(|(w, b)| [w.clone(), b.clone()]).collect()
    }

    /// `(n, in) -> (n, out)`.
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_all(x)?.pop().expect("a stack has at least one layer"))
    }

    /// Every layer's output for `x` `(n, in)`: the hidden activations (after the
    /// nonlinearity), then the linear output.
    pub(crate) fn forward_all(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let last = self.layers.len() - 1;
        let mut outputs = Vec::with_capacity(self.layers.len());
        let mut h = x.clone();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            h = h.matmul(&w.as_tensor().t()?)?.broadcast_add(b.as_tensor())?;
            if i < last {
                h = self.activation.apply(&h)?;
            }
            outputs.push(h.clone());
        }
        Ok(outputs)
    }
}
