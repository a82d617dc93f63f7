//! The potential's value and input gradient on the CPU, written out on the network's own weight
//! buffers: the samplers (MALA, Langevin, the guided sampler) and EgNOT's training chains call
//! them hundreds of times per fit and per query block on small batches, where candle's autograd
//! (a graph per call, a zeroed gradient buffer per node, a tensor per op) cost as much as the
//! matrix products. Training's loss keeps candle's autograd.

use candle_core::{DType, Storage, Tensor};

use super::Activation;
use super::silu::{f32_slice, silu_grad_into, silu_into};

/// Rows below which a matrix product runs on the calling thread: the guided sampler already
/// spreads its query blocks over the threads.
const PARALLEL_ROWS: usize = 1024;

/// One linear layer's weights as slices of the network's tensors.
struct Layer<'a> {
    /// `(out, in)`, row-major.
    w: &'a [f32],
    b: &'a [f32],
    fan_in: usize,
    fan_out: usize,
}

/// Whether [`values_and_gradients`] can run for these tensors: float32 on the CPU, SiLU.
pub(super) fn applies(y: &Tensor, activation: Activation) -> bool {
    y.device().is_cpu() && y.dtype() == DType::F32 && activation == Activation::Silu
}

/// `f(y)` (without the base) and, if `gradient`, `grad f(y)` at each row of `y` (`(n, D)`), for
/// the MLP with `layers` (`(weight (out, in), bias (out))`, float32 CPU tensors) and SiLU
/// between them.
pub(super) fn values_and_gradients(
    layers: &[(Tensor, Tensor)],
    y: &Tensor,
    gradient: bool,
) -> candle_core::Result<(Vec<f32>, Option<Vec<f32>>)> {
    let tensors: Vec<(Tensor, Tensor)> = layers
        .iter()
        .map(|(w, b)| Ok((w.contiguous()?, b.contiguous()?)))
        .collect::<candle_core::Result<_>>()?;
    // Read locks on the weights' storage for the whole pass (nothing writes them meanwhile).
    let locked: Vec<_> =
        tensors.iter().map(|(w, b)| (w.storage_and_layout(), b.storage_and_layout())).collect();
    let mut views = Vec::with_capacity(tensors.len());
    for ((w, _), ((ws, wl), (bs, bl))) in tensors.iter().zip(&locked) {
        let (fan_out, fan_in) = w.dims2()?;
        views.push(Layer { w: slice(ws, wl)?, b: slice(bs, bl)?, fan_in, fan_out });
    }
    let (n, d) = y.dims2()?;
    let y = y.contiguous()?;
    let (ys, yl) = y.storage_and_layout();
    let input = slice(&ys, yl)?;
    if views.first().map(|l| l.fan_in) != Some(d) || views.last().map(|l| l.fan_out) != Some(1) {
        candle_core::bail!("host MLP: layer sizes do not fit inputs of dimension {d}");
    }
    Ok(run(&views, input, n, gradient))
}

/// The float32 data of a contiguous CPU tensor.
fn slice<'a>(storage: &'a Storage, layout: &candle_core::Layout) -> candle_core::Result<&'a [f32]> {
    let Storage::Cpu(storage) = storage else {
        candle_core::bail!("host MLP: CPU tensors only");
    };
    f32_slice(storage, layout, "host MLP")
}

/// The forward pass keeping every pre-activation, then the backward pass to the input.
fn run(layers: &[Layer], input: &[f32], n: usize, gradient: bool) -> (Vec<f32>, Option<Vec<f32>>) {
    let hidden = layers.len() - 1;
    let mut pre: Vec<Vec<f32>> = Vec::with_capacity(hidden);
    let mut act: Vec<f32> = Vec::new();
    for layer in &layers[..hidden] {
        let a = if pre.is_empty() { input } else { &act };
        let mut z = product(a, n, layer.fan_in, layer.w, layer.fan_out, Rhs::Transposed);
        for row in z.chunks_exact_mut(layer.fan_out) {
            for (v, b) in row.iter_mut().zip(layer.b) {
                *v += b;
            }
        }
        let mut next = vec![0f32; z.len()];
        silu_into(&z, &mut next);
        act = next;
        pre.push(z);
    }
    let last = &layers[hidden];
    let a = if pre.is_empty() { input } else { &act };
    let mut values = product(a, n, last.fan_in, last.w, 1, Rhs::Transposed);
    for v in values.iter_mut() {
        *v += last.b[0];
    }
    if !gradient {
        return (values, None);
    }
    // d f / d a for the last hidden layer: the output layer's one row, for every input row.
    let mut grad: Vec<f32> = last.w.repeat(n);
    for (layer, z) in layers[..hidden].iter().zip(&pre).rev() {
        let mut gz = vec![0f32; z.len()];
        silu_grad_into(z, &grad, &mut gz);
        grad = product(&gz, n, layer.fan_out, layer.w, layer.fan_in, Rhs::AsIs);
    }
    (values, Some(grad))
}

/// How the `(out, in)` row-major weights enter a product.
#[derive(Clone, Copy)]
enum Rhs {
    /// As `W^T` (`(in, out)`): the forward pass.
    Transposed,
    /// As `W` (`(out, in)`): the backward pass.
    AsIs,
}

/// `a (m, k) x rhs (k, cols)` with `a` row-major, `rhs` read from the weights `w` as `how` says;
/// a new row-major `(m, cols)` matrix.
fn product(a: &[f32], m: usize, k: usize, w: &[f32], cols: usize, how: Rhs) -> Vec<f32> {
    assert!(a.len() >= m * k && w.len() >= k * cols);
    let (rs, cs) = match how {
        Rhs::Transposed => (1, k as isize),
        Rhs::AsIs => (cols as isize, 1),
    };
    let parallelism = if m >= PARALLEL_ROWS && rayon::current_num_threads() > 1 {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    let mut out: Vec<f32> = Vec::with_capacity(m * cols);
    // SAFETY: `a` covers `m x k` at strides (k, 1) and `w` covers `k x cols` at (rs, cs) (the
    // assertion above); `out` has room for `m x cols`, which gemm writes in full without reading
    // it (`read_dst` false) before the length is set.
    unsafe {
        gemm::gemm(
            m,
            cols,
            k,
            out.as_mut_ptr(),
            1,
            cols as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            w.as_ptr(),
            cs,
            rs,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
        out.set_len(m * cols);
    }
    out
}
