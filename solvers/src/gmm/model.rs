//! The mixture's trainable tensors and its loss `E_{p0} log c(x) - E_{p1} log v(y)` on candle.
//!
//! Diagonal `S_k = diag(exp(log_s_k))`, or full `S_k = L_k L_k^T` with
//! `L_k = diag(exp(log_d_k)) (I + N_k)`, `N_k` strictly lower triangular. The full form needs
//! `S_k` for `c` and `S_k^{-1}` for `v`; `(I + N)^{-1}` comes from a small custom op with its own
//! backward pass (candle has no triangular solve).

use candle_core::{DType, Device, Tensor, Var};
use eot_datasets::{Points, SuiteRng};
use rand::Rng;

use super::GmmSettings;
use super::full_cpu::Layout;
use super::settings::Shape;
use super::unit_lower_inverse::UnitLowerInverse;
use crate::{FitData, SolverError};

/// The fitted mixture on the host: normalised `log alpha` (K), `r` (K x D, row-major) and the
/// Cholesky-type factor `L_k` of every `S_k = L_k L_k^T` (K x D x D, row-major).
#[derive(Clone, Debug)]
pub struct MixtureParams {
    pub log_alpha: Vec<f64>,
    pub r: Vec<f64>,
    pub l: Vec<f64>,
    pub k: usize,
    pub d: usize,
}

/// The trainable tensors: `log_diag` is `log s` (diagonal S) or `log d` (full S, where
/// `S = L L^T` and `d = diag L`); `lower` holds `N` for full S.
pub(crate) struct Model {
    pub(crate) log_alpha: Var,
    r: Var,
    log_diag: Var,
    lower: Option<Lower>,
}

/// The strictly lower triangle `N` of full `S`, with the constants every step needs built once:
/// the mask that keeps `N` strictly lower, and the `(K, D, D)` identity.
struct Lower {
    raw: Var,
    mask: Tensor,
    eye: Tensor,
}

impl Lower {
    fn new(k: usize, d: usize, device: &Device) -> candle_core::Result<Self> {
        let eye2 = Tensor::eye(d, DType::F64, device)?;
        Ok(Lower {
            raw: Var::from_tensor(&Tensor::zeros((k, d, d), DType::F64, device)?)?,
            mask: (Tensor::tril2(d, DType::F64, device)? - &eye2)?,
            eye: eye2.unsqueeze(0)?.broadcast_as((k, d, d))?,
        })
    }

    /// `N`, masked so that only the strict lower triangle is trained.
    fn n(&self) -> candle_core::Result<Tensor> {
        self.raw.as_tensor().broadcast_mul(&self.mask)
    }
}

impl Model {
    /// `alpha` uniform, `S = s0 I` (see [`GmmSettings::initial_s`]), `r` from [`initial_r`].
    pub(crate) fn init(
        s: &GmmSettings,
        shape: Shape,
        eps: f64,
        spread: Option<f64>,
        data: &FitData,
        rng: &mut SuiteRng,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let (k, d) = (s.components, data.target.dim());
        let r0 = initial_r(data.source, data.target, k, s.initial_s(eps), spread, rng);
        let (log_diag0, lower) = match shape {
            Shape::Diagonal => (s.initial_s(eps).ln(), None),
            Shape::Full => (0.5 * s.initial_s(eps).ln(), Some(Lower::new(k, d, device)?)),
        };
        Ok(Model {
            log_alpha: Var::from_tensor(&Tensor::zeros(k, DType::F64, device)?)?,
            r: Var::from_tensor(&Tensor::from_vec(r0, (k, d), device)?)?,
            log_diag: Var::from_tensor(&Tensor::full(log_diag0, (k, d), device)?)?,
            lower,
        })
    }

    /// The shape parameters (`r`, `S`); training gives the weights their own step size.
    pub(crate) fn vars(&self) -> Vec<Var> {
        let mut v = vec![self.r.clone(), self.log_diag.clone()];
        if let Some(lower) = &self.lower {
            v.push(lower.raw.clone());
        }
        v
    }

    /// `mean log c(x) - mean log v(y)`, all sums over components as log-sum-exp.
    pub(crate) fn loss(&self, x: &Tensor, y: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
        let log_w = candle_nn::ops::log_softmax(self.log_alpha.as_tensor(), 0)?;
        let (quad_x, quad_y, log_det_s) = match &self.lower {
            None => self.quadratics_diagonal(x, y)?,
            Some(lower) => self.quadratics_full(lower, x, y)?,
        };
        let r = self.r.as_tensor();
        // log c(x) = LSE_k [log w_k + (x^T S_k x + 2 r_k^T x) / (2 eps)]
        let lin = x.matmul(&r.t()?)?;
        let log_c =
            ((quad_x + (lin * 2.0)?)? * (0.5 / eps))?.broadcast_add(&log_w)?.log_sum_exp(1)?;
        // log N(y | r_k, eps S_k) = -1/2 [(y - r_k)^T S_k^{-1} (y - r_k) / eps + log det(2 pi eps S_k)]
        let d = x.dim(1)? as f64;
        let log_det = (log_det_s + d * (2.0 * std::f64::consts::PI * eps).ln())?;
        let log_n = ((quad_y / eps)?.broadcast_add(&log_det)? * -0.5)?;
        let log_v = log_n.broadcast_add(&log_w)?.log_sum_exp(1)?;
        log_c.mean_all()? - log_v.mean_all()?
    }

    /// `(x^T S_k x, (y - r_k)^T S_k^{-1} (y - r_k), log det S_k)` as (B,K), (B,K), (K) for diagonal S.
    fn quadratics_diagonal(
        &self,
        x: &Tensor,
        y: &Tensor,
    ) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
        let (r, log_s) = (self.r.as_tensor(), self.log_diag.as_tensor());
        let (s, inv) = (log_s.exp()?, log_s.neg()?.exp()?);
        let quad_x = x.sqr()?.matmul(&s.t()?)?;
        let t1 = y.sqr()?.matmul(&inv.t()?)?;
        let t2 = y.matmul(&(r * &inv)?.t()?)?;
        let t3 = (r.sqr()? * &inv)?.sum(1)?;
        let quad_y = (t1 - (t2 * 2.0)?)?.broadcast_add(&t3)?;
        Ok((quad_x, quad_y, log_s.sum(1)?))
    }

    /// The same for full `S_k = L_k L_k^T`: `|L_k^T x|^2` and `|L_k^{-1} y - L_k^{-1} r_k|^2`.
    /// All components go through one `(B, D) x (D, K D)` product per quadratic, so the batch is
    /// never copied K times.
    fn quadratics_full(
        &self,
        lower: &Lower,
        x: &Tensor,
        y: &Tensor,
    ) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
        let (r, log_d) = (self.r.as_tensor(), self.log_diag.as_tensor());
        let (k, d) = r.dims2()?;
        let b = x.dim(0)?;
        let (n, eye) = (lower.n()?, &lower.eye);
        let unit = (eye + &n)?;
        // L = diag(dg) (I + N): row i of (I + N) scaled by dg_i; L^{-1} = (I + N)^{-1} diag(1/dg).
        let l = unit.broadcast_mul(&log_d.exp()?.unsqueeze(2)?)?;
        let l_inv = unit_lower_inverse(&unit, &n, eye)?
            .broadcast_mul(&log_d.neg()?.exp()?.unsqueeze(1)?)?;
        // x^T L_k for every k: columns k*D..(k+1)*D of the (D, K D) matrix are L_k.
        let l_cols = l.transpose(0, 1)?.reshape((d, k * d))?;
        let quad_x = x.matmul(&l_cols)?.reshape((b, k, d))?.sqr()?.sum(2)?;
        // L_k^{-1} y for every k: the columns are the (L_k^{-1})^T side by side.
        let inv_cols = l_inv.transpose(1, 2)?.transpose(0, 1)?.reshape((d, k * d))?;
        let shift = r.unsqueeze(1)?.matmul(&l_inv.transpose(1, 2)?)?.squeeze(1)?;
        let quad_y = y
            .matmul(&inv_cols)?
            .reshape((b, k, d))?
            .broadcast_sub(&shift.unsqueeze(0)?)?
            .sqr()?
            .sum(2)?;
        Ok((quad_x, quad_y, (log_d.sum(1)? * 2.0)?))
    }

    /// The layout of the flat parameters of a full-covariance model; `None` for diagonal `S_k`.
    pub(crate) fn full_layout(&self) -> Option<Layout> {
        let (k, d) = self.r.as_tensor().dims2().ok()?;
        self.lower.as_ref().map(|_| Layout { k, d })
    }

    /// A full-covariance model's parameters as one flat vector in [`Layout`]'s order.
    pub(crate) fn full_flat(&self) -> Result<Vec<f64>, SolverError> {
        let lower = self.lower.as_ref().ok_or_else(diagonal)?;
        let mut theta = Vec::new();
        for t in [self.log_alpha.as_tensor(), self.r.as_tensor(), self.log_diag.as_tensor()] {
            theta.extend(t.flatten_all()?.to_vec1::<f64>()?);
        }
        theta.extend(lower.n()?.flatten_all()?.to_vec1::<f64>()?);
        Ok(theta)
    }

    /// Sets a full-covariance model's parameters from a flat vector in [`Layout`]'s order.
    pub(crate) fn set_full_flat(&self, theta: &[f64]) -> Result<(), SolverError> {
        let (Some(layout), Some(lower)) = (self.full_layout(), self.lower.as_ref()) else {
            return Err(diagonal());
        };
        let (k, d) = (layout.k, layout.d);
        let device = self.r.as_tensor().device();
        let part = |range: std::ops::Range<usize>| theta[range].to_vec();
        self.log_alpha.set(&Tensor::from_vec(part(layout.log_alpha()), k, device)?)?;
        self.r.set(&Tensor::from_vec(part(layout.r()), (k, d), device)?)?;
        self.log_diag.set(&Tensor::from_vec(part(layout.log_d()), (k, d), device)?)?;
        let n = Tensor::from_vec(part(layout.lower()), (k, d, d), device)?;
        lower.raw.set(&n.broadcast_mul(&lower.mask)?)?;
        Ok(())
    }

    pub(crate) fn to_host(&self) -> Result<MixtureParams, SolverError> {
        let (k, d) = self.r.as_tensor().dims2()?;
        let log_alpha =
            candle_nn::ops::log_softmax(self.log_alpha.as_tensor(), 0)?.to_vec1::<f64>()?;
        let r = self.r.as_tensor().flatten_all()?.to_vec1::<f64>()?;
        let diag = self.log_diag.as_tensor().exp()?.to_vec2::<f64>()?;
        let mut l = vec![0.0; k * d * d];
        match &self.lower {
            None => {
                for (c, s) in diag.iter().enumerate() {
                    for i in 0..d {
                        l[c * d * d + i * d + i] = s[i].sqrt();
                    }
                }
            }
            Some(lower) => {
                let n = lower.n()?.to_vec3::<f64>()?;
                for c in 0..k {
                    for i in 0..d {
                        for j in 0..=i {
                            let v = if i == j { 1.0 } else { n[c][i][j] };
                            l[c * d * d + i * d + j] = diag[c][i] * v;
                        }
                    }
                }
            }
        }
        Ok(MixtureParams { log_alpha, r, l, k, d })
    }
}

/// The error of asking a diagonal mixture for its full-covariance parameters.
fn diagonal() -> SolverError {
    SolverError::Unsupported("flat parameters of a diagonal mixture".to_string())
}

/// `(I + N)^{-1}` for nilpotent `N`: forward substitution on the CPU; elsewhere the exact product
/// `(I - N)(I + N^2)(I + N^4)...` (matrix products only, so any candle device runs it).
fn unit_lower_inverse(unit: &Tensor, n: &Tensor, eye: &Tensor) -> candle_core::Result<Tensor> {
    if unit.device().is_cpu() {
        return unit.contiguous()?.apply_op1(UnitLowerInverse);
    }
    let d = n.dim(1)?;
    let mut inv = (eye - n)?;
    let mut power = n.matmul(n)?;
    let mut reach = 2;
    while reach < d {
        inv = inv.matmul(&(eye + &power)?)?;
        power = power.matmul(&power)?;
        reach *= 2;
    }
    Ok(inv)
}

/// `r_k = mean(y) - s0 mean(x) + spread (y_k - mean(y))` for `k` target rows `y_k` drawn at
/// random: every component starts with the model's overall mean right (`E y = r + S E x`), and
/// `spread` sets how far apart they start. `None` is the authors' start, `r_k = y_k`.
///
/// Neither start is always right at small eps in high D, where the gating is winner-takes-all
/// (logits differ by `r^T x / eps`, hundreds of nats at D = 64, eps = 0.1) and a component that
/// loses everywhere never receives a gradient. Measured at eps = 0.1: at D = 64 the authors' start
/// collapses onto one component (3.4 % cBW2-UVP) while spread 0.1 finds 4 of the 5 true ones
/// (0.41 %); at D = 128 it is the other way round (0.48 % against a collapse at 2.2 %).
/// Ranking after 300 or 1000 steps did not tell the two apart at D = 128 (the start that ends
/// better is behind early on), so training runs both to the end and keeps the better one.
fn initial_r(
    source: &Points,
    target: &Points,
    k: usize,
    s0: f64,
    spread: Option<f64>,
    rng: &mut SuiteRng,
) -> Vec<f64> {
    let (mean_x, mean_y) = (source.column_means(), target.column_means());
    let mut r = Vec::with_capacity(k * target.dim());
    for _ in 0..k {
        let y = target.row(rng.random_range(0..target.len()));
        r.extend(y.iter().zip(&mean_y).zip(&mean_x).map(|((yj, my), mx)| match spread {
            Some(spread) => my - s0 * mx + spread * (yj - my),
            None => *yj,
        }));
    }
    r
}
