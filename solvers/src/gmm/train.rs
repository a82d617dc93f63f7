//! Fitting the mixture on candle: Adam on `E_{p0} log c(x) - E_{p1} log v(y)`.
//!
//! Diagonal `S_k = diag(exp(log_s_k))`, or full `S_k = L_k L_k^T` with
//! `L_k = diag(exp(log_d_k)) (I + N_k)`, `N_k` strictly lower triangular. The full form needs
//! `S_k^{-1}` for `v` and `S_k` for `c` without a matrix inverse op: `(I + N)^{-1}` is exact as the
//! product `(I - N)(I + N^2)(I + N^4)...` because `N` is nilpotent, so only matrix products appear.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use eot_datasets::{Points, SuiteRng, substream};
use rand::Rng;

use super::GmmSettings;
use super::settings::Covariance;
use crate::{FitData, FitReport, SolverError, parse_device};

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
struct Model {
    log_alpha: Var,
    r: Var,
    log_diag: Var,
    lower: Option<(Var, Tensor)>,
}

impl Model {
    /// `alpha` uniform, `S = init_s I`, `r` drawn from the target samples (as the authors do).
    fn init(
        s: &GmmSettings,
        target: &Points,
        rng: &mut SuiteRng,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let (k, d) = (s.components, target.dim());
        let r0: Vec<f64> =
            (0..k).flat_map(|_| target.row(rng.random_range(0..target.len())).to_vec()).collect();
        let (log_diag0, lower) = match s.covariance {
            Covariance::Diagonal => (s.init_s.ln(), None),
            Covariance::Full => {
                let mask =
                    (Tensor::tril2(d, DType::F64, device)? - Tensor::eye(d, DType::F64, device)?)?;
                let raw = Var::from_tensor(&Tensor::zeros((k, d, d), DType::F64, device)?)?;
                (0.5 * s.init_s.ln(), Some((raw, mask)))
            }
        };
        Ok(Model {
            log_alpha: Var::from_tensor(&Tensor::zeros(k, DType::F64, device)?)?,
            r: Var::from_tensor(&Tensor::from_vec(r0, (k, d), device)?)?,
            log_diag: Var::from_tensor(&Tensor::full(log_diag0, (k, d), device)?)?,
            lower,
        })
    }

    fn vars(&self) -> Vec<Var> {
        let mut v = vec![self.log_alpha.clone(), self.r.clone(), self.log_diag.clone()];
        if let Some((raw, _)) = &self.lower {
            v.push(raw.clone());
        }
        v
    }

    /// `mean log c(x) - mean log v(y)`, all sums over components as log-sum-exp.
    fn loss(&self, x: &Tensor, y: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
        let log_w = candle_nn::ops::log_softmax(self.log_alpha.as_tensor(), 0)?;
        let (quad_x, quad_y, log_det_s) = match &self.lower {
            None => self.quadratics_diagonal(x, y)?,
            Some((raw, mask)) => self.quadratics_full(raw.as_tensor(), mask, x, y)?,
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

    /// The same for full `S_k = L_k L_k^T`: `|L_k^T x|^2` and `|L_k^{-1} (y - r_k)|^2`.
    fn quadratics_full(
        &self,
        raw: &Tensor,
        mask: &Tensor,
        x: &Tensor,
        y: &Tensor,
    ) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
        let (r, log_d) = (self.r.as_tensor(), self.log_diag.as_tensor());
        let (k, d) = r.dims2()?;
        let b = x.dim(0)?;
        let n = raw.broadcast_mul(mask)?;
        let eye = Tensor::eye(d, DType::F64, x.device())?.unsqueeze(0)?.broadcast_as((k, d, d))?;
        // L = diag(dg) (I + N): row i of (I + N) scaled by dg_i.
        let dg = log_d.exp()?;
        let l = (&eye + &n)?.broadcast_mul(&dg.unsqueeze(2)?)?;
        // (I + N)^{-1} = (I - N)(I + N^2)(I + N^4)... ; L^{-1} = (I + N)^{-1} diag(1/dg).
        let mut inv = (&eye - &n)?;
        let mut power = n.matmul(&n)?;
        let mut reach = 2;
        while reach < d {
            inv = inv.matmul(&(&eye + &power)?)?;
            power = power.matmul(&power)?;
            reach *= 2;
        }
        let l_inv = inv.broadcast_mul(&log_d.neg()?.exp()?.unsqueeze(1)?)?;
        let xs = x.unsqueeze(0)?.broadcast_as((k, b, d))?.contiguous()?;
        let quad_x = xs.matmul(&l)?.sqr()?.sum(2)?.t()?;
        let centred = y
            .unsqueeze(0)?
            .broadcast_as((k, b, d))?
            .broadcast_sub(&r.unsqueeze(1)?)?
            .contiguous()?;
        let quad_y = centred.matmul(&l_inv.transpose(1, 2)?)?.sqr()?.sum(2)?.t()?;
        Ok((quad_x, quad_y, (log_d.sum(1)? * 2.0)?))
    }

    fn to_host(&self) -> Result<MixtureParams, SolverError> {
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
            Some((raw, mask)) => {
                let n = raw.as_tensor().broadcast_mul(mask)?.to_vec3::<f64>()?;
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

/// A mini-batch: fresh draws from the sampler when there is one, else rows of the samples
/// (with replacement).
fn batch(
    data: &FitData,
    n: usize,
    rng: &mut SuiteRng,
    device: &Device,
) -> Result<(Tensor, Tensor), SolverError> {
    let (x, y) = match data.sampler {
        Some(pair) => (pair.sample_source(n, rng), pair.sample_target(n, rng)),
        None => (rows(data.source, n, rng), rows(data.target, n, rng)),
    };
    let d = x.dim();
    Ok((
        Tensor::from_vec(x.into_vec(), (n, d), device)?,
        Tensor::from_vec(y.into_vec(), (n, d), device)?,
    ))
}

fn rows(p: &Points, n: usize, rng: &mut SuiteRng) -> Points {
    let data: Vec<f64> =
        (0..n).flat_map(|_| p.row(rng.random_range(0..p.len())).to_vec()).collect();
    Points::new(data, n, p.dim()).expect("rows of finite points")
}

/// Constant for the first half of the steps, then a cosine decay to 1 %: the final steps
/// average out mini-batch noise, which otherwise sets the accuracy floor.
fn lr_factor(step: usize, steps: usize) -> f64 {
    let half = steps / 2;
    if step < half {
        return 1.0;
    }
    let t = (step - half) as f64 / (steps - half).max(1) as f64;
    0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
}

/// Runs Adam for `settings.steps` steps; stops with an error on a non-finite loss.
pub(crate) fn train(
    settings: &GmmSettings,
    data: &FitData,
    eps: f64,
    seed: u64,
) -> Result<(MixtureParams, FitReport), SolverError> {
    let device = parse_device(&settings.device)?;
    let mut rng = substream(seed, 0x6d6d);
    let model = Model::init(settings, data.target, &mut rng, &device)?;
    let params =
        ParamsAdamW { lr: settings.learning_rate, weight_decay: 0.0, ..Default::default() };
    let mut opt = AdamW::new(model.vars(), params)?;
    let mut last = f64::NAN;
    let start = std::time::Instant::now();
    for step in 0..settings.steps {
        opt.set_learning_rate(settings.learning_rate * lr_factor(step, settings.steps));
        let (x, y) = batch(data, settings.batch, &mut rng, &device)?;
        let loss = model.loss(&x, &y, eps)?;
        last = loss.to_scalar::<f64>()?;
        if !last.is_finite() {
            return Err(SolverError::Diverged(format!(
                "gmm loss is {last} at step {step} (eps {eps})"
            )));
        }
        opt.backward_step(&loss)?;
        if settings.progress && (step + 1) % (settings.steps / 10).max(1) == 0 {
            eprintln!("gmm: step {}/{}, loss {last:.5}", step + 1, settings.steps);
        }
    }
    let steps_per_second = settings.steps as f64 / start.elapsed().as_secs_f64();
    let report = FitReport {
        iterations: settings.steps,
        converged: true,
        final_error: None,
        notes: vec![
            format!("final mini-batch loss {last:.6}"),
            format!("steps per second {steps_per_second:.0}"),
        ],
    };
    Ok((model.to_host()?, report))
}
