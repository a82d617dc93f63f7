//! Fitting the mixture on candle: Adam on `E_{p0} log c(x) - E_{p1} log v(y)`.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use eot_datasets::{Points, SuiteRng, substream};
use rand::Rng;

use super::GmmSettings;
use crate::{FitData, FitReport, SolverError, parse_device};

/// The fitted mixture on the host: `log alpha` (normalised), `r` and the diagonals of `S`,
/// each `K x D` row-major.
#[derive(Clone, Debug)]
pub struct MixtureParams {
    pub log_alpha: Vec<f64>,
    pub r: Vec<f64>,
    pub s: Vec<f64>,
    pub k: usize,
    pub d: usize,
}

/// The trainable tensors.
struct Model {
    log_alpha: Var,
    r: Var,
    log_s: Var,
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
        Ok(Model {
            log_alpha: Var::from_tensor(&Tensor::zeros(k, DType::F64, device)?)?,
            r: Var::from_tensor(&Tensor::from_vec(r0, (k, d), device)?)?,
            log_s: Var::from_tensor(&Tensor::full(s.init_s.ln(), (k, d), device)?)?,
        })
    }

    /// `mean log c(x) - mean log v(y)`, all sums over components as log-sum-exp.
    fn loss(&self, x: &Tensor, y: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
        let d = x.dim(1)? as f64;
        let log_w = candle_nn::ops::log_softmax(self.log_alpha.as_tensor(), 0)?;
        let log_s = self.log_s.as_tensor();
        let (r, s) = (self.r.as_tensor(), log_s.exp()?);
        // log c(x) = LSE_k [log w_k + (x^T S_k x + 2 r_k^T x) / (2 eps)]
        let quad = x.sqr()?.matmul(&s.t()?)?;
        let lin = x.matmul(&r.t()?)?;
        let log_c =
            ((quad + (lin * 2.0)?)? * (0.5 / eps))?.broadcast_add(&log_w)?.log_sum_exp(1)?;
        // log N(y | r_k, eps S_k) = -1/2 [sum_d (y - r)^2 / (eps s) + D log(2 pi eps) + sum_d log s]
        let inv = (s.recip()? / eps)?;
        let t1 = y.sqr()?.matmul(&inv.t()?)?;
        let t2 = y.matmul(&(r * &inv)?.t()?)?;
        let t3 = (r.sqr()? * &inv)?.sum(1)?;
        let log_det = (log_s.sum(1)? + d * (2.0 * std::f64::consts::PI * eps).ln())?;
        let log_n = ((t1 - (t2 * 2.0)?)?.broadcast_add(&(t3 + log_det)?)? * -0.5)?;
        let log_v = log_n.broadcast_add(&log_w)?.log_sum_exp(1)?;
        log_c.mean_all()? - log_v.mean_all()?
    }

    fn to_host(&self) -> Result<MixtureParams, SolverError> {
        let (k, d) = self.r.as_tensor().dims2()?;
        let log_alpha =
            candle_nn::ops::log_softmax(self.log_alpha.as_tensor(), 0)?.to_vec1::<f64>()?;
        let r = self.r.as_tensor().flatten_all()?.to_vec1::<f64>()?;
        let s = self.log_s.as_tensor().exp()?.flatten_all()?.to_vec1::<f64>()?;
        Ok(MixtureParams { log_alpha, r, s, k, d })
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
    let mut opt =
        AdamW::new(vec![model.log_alpha.clone(), model.r.clone(), model.log_s.clone()], params)?;
    let mut last = f64::NAN;
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
    let report = FitReport {
        iterations: settings.steps,
        converged: true,
        final_error: None,
        notes: vec![format!("final mini-batch loss {last:.6}")],
    };
    Ok((model.to_host()?, report))
}
