//! Full-covariance training on the CPU with the loss's gradient written out (no autograd).
//!
//! The loss is [`super::model::Model::loss`] for full `S_k = L_k L_k^T`,
//! `L_k = diag(d_k) (I + N_k)`. Under candle's autograd a step at D = 64, K = 10, batch 128
//! spent most of its time creating and filling intermediate `(B, K, D)` tensors, the products
//! themselves about an eighth. Here a step is four `(B, D) x (D, K D)`-sized products and `2 K`
//! products of `D x D` matrices, with every element-wise pass fused into one loop, in float64
//! on one thread (the starts already run in parallel). The candle loss stays the reference (the
//! tests hold the two gradients equal) and the path on other devices.
//!
//! Gradient, with `P`, `Q` the component responsibilities of `log c(x_b)` and `log v(y_b)`,
//! `u_bk = L_k^T x_b`, `z_bk = L_k^{-1} (y_b - r_k)`, `M_k = L_k^{-1}`, batch size `B`:
//! - `dr_k = sum_b P_bk x_b / (B eps) - M_k^T sum_b Q_bk z_bk / (B eps)`;
//! - `dL_k = sum_b P_bk x_b u_bk^T / (B eps) - M_k^T G_k M_k^T`, where
//!   `G_k = sum_b Q_bk z_bk (y_b - r_k)^T / (B eps)` is the gradient with respect to `M_k`
//!   (`d M = -M dL M`);
//! - `d log d_ki = sum_j dL_k[i][j] L_k[i][j] + sum_b Q_bk / B`, `dN_k[i][j] = dL_k[i][j] d_ki`
//!   (`j < i`);
//! - the weights through the log-softmax: `d a_k = sum_b (P_bk - Q_bk) / B - softmax(a)_k sum(...)`.

use std::ops::Range;

use super::unit_lower_inverse::invert_one;

/// Where each parameter lies in the flat vector: `log alpha` (K), `r` (K x D), `log d` (K x D),
/// `N` (K x D x D, only the strict lower triangle of each matrix is used).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) k: usize,
    pub(crate) d: usize,
}

impl Layout {
    pub(crate) fn log_alpha(&self) -> Range<usize> {
        0..self.k
    }
    pub(crate) fn r(&self) -> Range<usize> {
        self.k..self.k * (1 + self.d)
    }
    pub(crate) fn log_d(&self) -> Range<usize> {
        self.k * (1 + self.d)..self.k * (1 + 2 * self.d)
    }
    pub(crate) fn lower(&self) -> Range<usize> {
        self.k * (1 + 2 * self.d)..self.len()
    }
    pub(crate) fn len(&self) -> usize {
        self.k * (1 + 2 * self.d + self.d * self.d)
    }
}

/// A matrix operand of [`product`]: `rows x cols` at the given strides.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> View<'a> {
    /// `data` as a row-major `rows x cols` matrix.
    fn new(data: &'a [f64], rows: usize, cols: usize) -> Self {
        assert!(data.len() >= rows * cols);
        View { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// `out = a b`, `out` row-major, by gemm on the calling thread.
fn product(a: View, b: View, out: &mut [f64]) {
    assert_eq!(a.cols, b.rows);
    assert!(out.len() >= a.rows * b.cols);
    // SAFETY: `View::new` and the assertion above make every pointer cover its matrix at the
    // strides given; `out` is a separate buffer.
    unsafe {
        gemm::gemm(
            a.rows,
            b.cols,
            a.cols,
            out.as_mut_ptr(),
            1,
            b.cols as isize,
            false,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Buffers a step needs, kept between steps.
#[derive(Default)]
pub(crate) struct Workspace {
    l: Vec<f64>,
    m: Vec<f64>,
    unit_inv: Vec<f64>,
    l_cols: Vec<f64>,
    m_cols: Vec<f64>,
    u: Vec<f64>,
    z: Vec<f64>,
    shift: Vec<f64>,
    resp_c: Vec<f64>,
    resp_v: Vec<f64>,
    grad_l_cols: Vec<f64>,
    grad_m_rows: Vec<f64>,
    small: Vec<f64>,
    small2: Vec<f64>,
    inv_d: Vec<f64>,
    colsum: Vec<f64>,
}

fn sized(v: &mut Vec<f64>, n: usize) -> &mut [f64] {
    v.resize(n, 0.0);
    &mut v[..n]
}

/// `log sum exp` of `row`, which it overwrites with the softmax.
fn log_sum_exp_softmax(row: &mut [f64]) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = row
        .iter_mut()
        .map(|v| {
            *v = (*v - max).exp();
            *v
        })
        .sum();
    row.iter_mut().for_each(|v| *v /= sum);
    max + sum.ln()
}

/// `mean log c(x) - mean log v(y)` at `theta` on the batch `x`, `y` (row-major, `b x d` each),
/// and, when `grad` is given, its gradient there (overwritten).
pub(crate) fn loss(
    layout: Layout,
    theta: &[f64],
    x: &[f64],
    y: &[f64],
    eps: f64,
    ws: &mut Workspace,
    grad: Option<&mut [f64]>,
) -> f64 {
    let (k, d) = (layout.k, layout.d);
    let (kd, dd) = (k * d, d * d);
    let b = x.len() / d;
    let r = &theta[layout.r()];
    let log_d = &theta[layout.log_d()];
    factors(layout, theta, ws);

    // u_bk = L_k^T x_b and z_bk = L_k^{-1} y_b - L_k^{-1} r_k for every k in one product each.
    let l_cols = sized(&mut ws.l_cols, d * kd);
    let m_cols = sized(&mut ws.m_cols, d * kd);
    for c in 0..k {
        for i in 0..d {
            for j in 0..d {
                l_cols[i * kd + c * d + j] = ws.l[c * dd + i * d + j];
                m_cols[i * kd + c * d + j] = ws.m[c * dd + j * d + i];
            }
        }
    }
    product(View::new(x, b, d), View::new(l_cols, d, kd), sized(&mut ws.u, b * kd));
    product(View::new(y, b, d), View::new(m_cols, d, kd), sized(&mut ws.z, b * kd));
    let shift = sized(&mut ws.shift, kd);
    for c in 0..k {
        let m = &ws.m[c * dd..(c + 1) * dd];
        for j in 0..d {
            shift[c * d + j] = (0..d).map(|i| m[j * d + i] * r[c * d + i]).sum();
        }
    }

    let alpha = &theta[layout.log_alpha()];
    let alpha_max = alpha.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let alpha_lse = alpha_max + alpha.iter().map(|a| (a - alpha_max).exp()).sum::<f64>().ln();
    let log_norm = d as f64 * (2.0 * std::f64::consts::PI * eps).ln();
    let log_det: Vec<f64> =
        (0..k).map(|c| 2.0 * log_d[c * d..(c + 1) * d].iter().sum::<f64>()).collect();
    let resp_c = sized(&mut ws.resp_c, b * k);
    let resp_v = sized(&mut ws.resp_v, b * k);
    let (mut sum_c, mut sum_v) = (0.0, 0.0);
    for bi in 0..b {
        let xb = &x[bi * d..(bi + 1) * d];
        for c in 0..k {
            let u = &ws.u[bi * kd + c * d..bi * kd + (c + 1) * d];
            let z = &mut ws.z[bi * kd + c * d..bi * kd + (c + 1) * d];
            let quad_x: f64 = u.iter().map(|v| v * v).sum();
            let lin: f64 = xb.iter().zip(&r[c * d..(c + 1) * d]).map(|(a, b)| a * b).sum();
            let mut quad_y = 0.0;
            for (zj, sj) in z.iter_mut().zip(&shift[c * d..(c + 1) * d]) {
                *zj -= sj;
                quad_y += *zj * *zj;
            }
            let log_w = alpha[c] - alpha_lse;
            resp_c[bi * k + c] = log_w + (quad_x + 2.0 * lin) / (2.0 * eps);
            resp_v[bi * k + c] = log_w - 0.5 * (quad_y / eps + log_det[c] + log_norm);
        }
        sum_c += log_sum_exp_softmax(&mut resp_c[bi * k..(bi + 1) * k]);
        sum_v += log_sum_exp_softmax(&mut resp_v[bi * k..(bi + 1) * k]);
    }
    let value = (sum_c - sum_v) / b as f64;
    if let Some(grad) = grad {
        gradient(layout, theta, x, y, eps, ws, grad);
    }
    value
}

/// `L_k`, `M_k = L_k^{-1}` (both `K x D x D`, row-major) from `theta`.
fn factors(layout: Layout, theta: &[f64], ws: &mut Workspace) {
    let (k, d, dd) = (layout.k, layout.d, layout.d * layout.d);
    let n = &theta[layout.lower()];
    let log_d = &theta[layout.log_d()];
    let l = sized(&mut ws.l, k * dd);
    let m = sized(&mut ws.m, k * dd);
    let unit_inv = sized(&mut ws.unit_inv, dd);
    l.fill(0.0);
    m.fill(0.0);
    for c in 0..k {
        let (nc, lc, mc) = (&n[c * dd..(c + 1) * dd], &mut l[c * dd..], &mut m[c * dd..]);
        unit_inv.fill(0.0);
        invert_one(nc, unit_inv, d);
        let inv_d = sized(&mut ws.inv_d, d);
        inv_d.iter_mut().zip(&log_d[c * d..(c + 1) * d]).for_each(|(i, v)| *i = (-v).exp());
        for i in 0..d {
            let di = log_d[c * d + i].exp();
            for j in 0..i {
                lc[i * d + j] = di * nc[i * d + j];
            }
            lc[i * d + i] = di;
            // (I + N)^{-1} diag(1 / d): column j scaled by 1 / d_j.
            for j in 0..=i {
                mc[i * d + j] = unit_inv[i * d + j] * inv_d[j];
            }
        }
    }
}

/// The gradient of [`loss`], from the responsibilities and the `u`, `z` it left in `ws`.
fn gradient(
    layout: Layout,
    theta: &[f64],
    x: &[f64],
    y: &[f64],
    eps: f64,
    ws: &mut Workspace,
    grad: &mut [f64],
) {
    let (k, d) = (layout.k, layout.d);
    let (kd, dd) = (k * d, d * d);
    let b = x.len() / d;
    let inv_b = 1.0 / b as f64;
    let r = &theta[layout.r()];
    let log_d = &theta[layout.log_d()];
    grad.fill(0.0);

    // Weights: sum_b (P - Q) / B through the log-softmax.
    let alpha = &theta[layout.log_alpha()];
    let g_w: Vec<f64> = (0..k)
        .map(|c| {
            (0..b).map(|bi| ws.resp_c[bi * k + c] - ws.resp_v[bi * k + c]).sum::<f64>() * inv_b
        })
        .collect();
    let total: f64 = g_w.iter().sum();
    let alpha_max = alpha.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let alpha_sum: f64 = alpha.iter().map(|a| (a - alpha_max).exp()).sum();
    for c in 0..k {
        grad[c] = g_w[c] - (alpha[c] - alpha_max).exp() / alpha_sum * total;
    }

    // Scale u and z in place into the loss's gradient with respect to them: P u / (B eps) and
    // Q z / (B eps) (the y term enters as -log v, whose quadratic has the factor -1/2).
    let colsum = sized(&mut ws.colsum, kd);
    colsum.fill(0.0);
    for bi in 0..b {
        for c in 0..k {
            let (p, q) = (ws.resp_c[bi * k + c], ws.resp_v[bi * k + c]);
            let at = bi * kd + c * d..bi * kd + (c + 1) * d;
            let (wp, wq) = (p * inv_b / eps, q * inv_b / eps);
            ws.u[at.clone()].iter_mut().for_each(|v| *v *= wp);
            for (j, v) in ws.z[at].iter_mut().enumerate() {
                *v *= wq;
                colsum[c * d + j] += *v;
            }
            let g_r = &mut grad[layout.r()][c * d..(c + 1) * d];
            g_r.iter_mut().zip(&x[bi * d..(bi + 1) * d]).for_each(|(g, xv)| *g += wp * xv);
            // log det S_k = 2 sum log d_k enters log v with -1/2: + Q / B on every log d_ki.
            let g_ld = &mut grad[layout.log_d()][c * d..(c + 1) * d];
            g_ld.iter_mut().for_each(|g| *g += q * inv_b);
        }
    }
    // x side: dL_k[i][j] = sum_b x_bi (P u)_bkj / (B eps).
    let grad_l = sized(&mut ws.grad_l_cols, d * kd);
    product(View::new(x, b, d).t(), View::new(&ws.u, b, kd), grad_l);
    // y side: G_k[j][i] = sum_b (Q z)_bkj y_bi - colsum_kj r_ki.
    let grad_m = sized(&mut ws.grad_m_rows, kd * d);
    product(View::new(&ws.z, b, kd).t(), View::new(y, b, d), grad_m);
    let t1 = sized(&mut ws.small, dd);
    let t2 = sized(&mut ws.small2, dd);
    for c in 0..k {
        let mc = &ws.m[c * dd..(c + 1) * dd];
        let gm = &mut grad_m[c * dd..(c + 1) * dd];
        for j in 0..d {
            for i in 0..d {
                gm[j * d + i] -= colsum[c * d + j] * r[c * d + i];
            }
        }
        // dr_k from z = M_k y - M_k r_k: -M_k^T colsum_k.
        for i in 0..d {
            let s: f64 = (0..d).map(|j| mc[j * d + i] * colsum[c * d + j]).sum();
            grad[layout.r()][c * d + i] -= s;
        }
        // dM = -M dL M, so the gradient G_k with respect to M_k adds -M_k^T G_k M_k^T to dL_k.
        product(View::new(mc, d, d).t(), View::new(gm, d, d), t1);
        product(View::new(t1, d, d), View::new(mc, d, d).t(), t2);
        let lc = &ws.l[c * dd..(c + 1) * dd];
        let (g_ld, rest) = grad[layout.log_d().start..].split_at_mut(k * d);
        let g_n = &mut rest[c * dd..(c + 1) * dd];
        let g_ld = &mut g_ld[c * d..(c + 1) * d];
        for i in 0..d {
            let di = log_d[c * d + i].exp();
            for j in 0..=i {
                let g = grad_l[i * kd + c * d + j] - t2[i * d + j];
                g_ld[i] += g * lc[i * d + j];
                if j < i {
                    g_n[i * d + j] = g * di;
                }
            }
        }
    }
}

/// Adam without weight decay, step for step candle's `AdamW` with `weight_decay = 0`, on the
/// flat parameters; the weights (`log alpha`) take their own learning rate.
pub(crate) struct Adam {
    layout: Layout,
    first: Vec<f64>,
    second: Vec<f64>,
    steps: i32,
}

impl Adam {
    const BETA1: f64 = 0.9;
    const BETA2: f64 = 0.999;
    const EPS: f64 = 1e-8;

    pub(crate) fn new(layout: Layout) -> Self {
        Adam { layout, first: vec![0.0; layout.len()], second: vec![0.0; layout.len()], steps: 0 }
    }

    /// One update of `theta` along `grad`: `lr` for `r`, `log d` and `N`, `alpha_lr` for the
    /// weights.
    pub(crate) fn step(&mut self, theta: &mut [f64], grad: &[f64], lr: f64, alpha_lr: f64) {
        self.steps += 1;
        let scale_m = 1.0 / (1.0 - Self::BETA1.powi(self.steps));
        let scale_v = 1.0 / (1.0 - Self::BETA2.powi(self.steps));
        let weights = self.layout.log_alpha();
        for (i, ((t, g), (m, v))) in theta
            .iter_mut()
            .zip(grad)
            .zip(self.first.iter_mut().zip(self.second.iter_mut()))
            .enumerate()
        {
            *m = *m * Self::BETA1 + g * (1.0 - Self::BETA1);
            *v = *v * Self::BETA2 + g * g * (1.0 - Self::BETA2);
            let rate = if weights.contains(&i) { alpha_lr } else { lr };
            *t -= (*m * scale_m) / ((*v * scale_v).sqrt() + Self::EPS) * rate;
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor, Var};
    use candle_nn::{AdamW, Optimizer, ParamsAdamW};
    use eot_datasets::{Points, substream};
    use rand::Rng;

    use super::*;
    use crate::FitData;
    use crate::gmm::GmmSettings;
    use crate::gmm::model::Model;
    use crate::gmm::settings::Shape;

    fn uniform(n: usize, lo: f64, hi: f64, stream: u64) -> Vec<f64> {
        let mut rng = substream(7, stream);
        (0..n).map(|_| lo + (hi - lo) * rng.random::<f64>()).collect()
    }

    /// A full-covariance model at random parameters (strict lower `N` non-zero, weights and
    /// scales spread out) on a random batch.
    fn setup(k: usize, d: usize, b: usize) -> (Layout, Model, Vec<f64>, Points, Points) {
        let layout = Layout { k, d };
        let x = Points::new(uniform(b * d, -2.0, 2.0, 1), b, d).unwrap();
        let y = Points::new(uniform(b * d, -2.0, 2.0, 2), b, d).unwrap();
        let mut theta = uniform(layout.len(), -0.5, 0.5, 3);
        for v in &mut theta[layout.log_alpha()] {
            *v *= 4.0;
        }
        let settings = GmmSettings { components: k, ..GmmSettings::default() };
        let data = FitData::samples(&x, &y);
        let model = Model::init(
            &settings,
            Shape::Full,
            0.5,
            None,
            &data,
            &mut substream(7, 4),
            &Device::Cpu,
        )
        .unwrap();
        model.set_full_flat(&theta).unwrap();
        // The model keeps only N's strict lower triangle: read the flat vector back from it.
        let theta = model.full_flat().unwrap();
        (layout, model, theta, x, y)
    }

    #[test]
    fn loss_and_gradient_match_candles_autograd() {
        for (k, d, eps) in [(3, 5, 0.5), (4, 9, 0.1), (2, 1, 3.0)] {
            let (layout, model, theta, x, y) = setup(k, d, 17);
            let mut grad = vec![0.0; layout.len()];
            let mut ws = Workspace::default();
            let ours =
                loss(layout, &theta, x.as_slice(), y.as_slice(), eps, &mut ws, Some(&mut grad));
            let tx = Tensor::from_slice(x.as_slice(), (17, d), &Device::Cpu).unwrap();
            let ty = Tensor::from_slice(y.as_slice(), (17, d), &Device::Cpu).unwrap();
            let reference = model.loss(&tx, &ty, eps).unwrap();
            let value = reference.to_scalar::<f64>().unwrap();
            assert!((ours - value).abs() < 1e-10 * value.abs().max(1.0), "loss {ours} vs {value}");
            let grads = reference.backward().unwrap();
            let mut expected = Vec::new();
            for var in [&model.log_alpha].into_iter().chain(model.vars().iter()) {
                let g = grads.get(var.as_tensor()).unwrap();
                expected.extend(g.flatten_all().unwrap().to_vec1::<f64>().unwrap());
            }
            // Candle's gradient of the raw N is masked to the strict lower triangle as ours is.
            let scale = expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (i, (a, e)) in grad.iter().zip(&expected).enumerate() {
                assert!(
                    (a - e).abs() < 1e-10 * scale,
                    "K = {k}, D = {d}, eps = {eps}: entry {i}: {a} vs candle {e}"
                );
            }
        }
    }

    #[test]
    fn adam_matches_candles_adamw_without_decay() {
        let layout = Layout { k: 2, d: 2 };
        let start = uniform(layout.len(), -1.0, 1.0, 5);
        let mut theta = start.clone();
        let var = Var::from_slice(&start, layout.len(), &Device::Cpu).unwrap();
        let params = ParamsAdamW { lr: 0.01, weight_decay: 0.0, ..Default::default() };
        let mut reference = AdamW::new(vec![var.clone()], params).unwrap();
        let mut ours = Adam::new(layout);
        for step in 0..5 {
            let grad = uniform(layout.len(), -1.0, 1.0, 10 + step);
            let g = Tensor::from_slice(&grad, layout.len(), &Device::Cpu).unwrap();
            let grads = (var.as_tensor() * &g).unwrap().sum_all().unwrap().backward().unwrap();
            reference.step(&grads).unwrap();
            // One rate for all: candle's optimiser here holds every parameter.
            ours.step(&mut theta, &grad, 0.01, 0.01);
        }
        let expected = var.as_tensor().to_vec1::<f64>().unwrap();
        for (a, e) in theta.iter().zip(&expected) {
            assert!((a - e).abs() < 1e-14, "{a} vs candle {e}");
        }
    }
}
