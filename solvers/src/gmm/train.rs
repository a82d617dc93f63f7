//! Fitting the mixture: Adam on candle with fresh mini-batches.

use std::sync::atomic::{AtomicUsize, Ordering};

use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use eot_datasets::{Points, SuiteRng, substream};
use rayon::prelude::*;

use super::full_cpu;
use super::model::{MixtureParams, Model};
use super::{
    Covariance, FULL_COVARIANCE_MAX_DIM, GmmSettings, MIN_VALUES_PER_FULL_PARAMETER, Shape,
};
use crate::{FitData, FitReport, SolverError, minibatch, parse_device};

/// `points` as a float64 tensor on `device`.
fn tensor(points: &Points, device: &Device) -> Result<Tensor, SolverError> {
    minibatch::tensor(points, DType::F64, device)
}

/// How much faster `log alpha` learns than `r` and `S`. At small eps in high D the optimal
/// `log alpha_k` spread over tens of nats (a far component's weight carries the Gaussian factor
/// `exp(-|y|^2 / (2 eps))` of the adjusted potential), while `r` and `S` move by O(1): with one
/// step size the weights lag and training stalls far from the optimum (measured: D = 64,
/// eps = 0.1, true `log alpha` down to -21).
const ALPHA_LR_FACTOR: f64 = 10.0;

/// Pairs in the fixed batch that ranks the starts: fresh draws with a sampler (held out from
/// training), rows drawn from the training points on a fixed sample (there is nothing else to
/// draw from, so the starts are then ranked by their fit to the training data).
const HELD_OUT: usize = 4096;

/// Fits the mixture: `settings.starts` full Adam runs, alternating the centred start of `r`
/// (`init_spread`) and the authors' start, keeping the run with the lowest loss on a fixed
/// ranking batch ([`HELD_OUT`]; the loss is the KL to the true plan up to a constant, so lower
/// is better). The starts run in parallel on the rayon threads, each on its own random stream:
/// a step is too small to spread over several cores. Stops with an error on a non-finite loss.
pub(crate) fn train(
    settings: &GmmSettings,
    data: &FitData,
    eps: f64,
    seed: u64,
) -> Result<(MixtureParams, FitReport), SolverError> {
    let device = parse_device(&settings.device)?;
    let dim = data.target.dim();
    let fixed = data.sampler.is_none().then(|| data.source.len().min(data.target.len()));
    let shape = settings.shape(dim, fixed);
    let held = minibatch::draw(data, HELD_OUT, &mut substream(seed, 0x6d6e));
    let ranking = if data.sampler.is_some() { "held-out" } else { "training-rows" };
    let held = (tensor(&held.0, &device)?, tensor(&held.1, &device)?);
    let start = std::time::Instant::now();
    let done = AtomicUsize::new(0);
    let total = settings.steps * settings.starts;
    let runs = (0..settings.starts)
        .into_par_iter()
        .map(|i| {
            let mut rng = substream(seed, START_STREAMS + i as u64);
            let spread = if i % 2 == 0 { settings.init_spread.get() } else { None };
            let model = Model::init(settings, shape, eps, spread, data, &mut rng, &device)?;
            let progress = Progress { done: &done, total };
            let last = adam(&model, settings, data, eps, &mut rng, &device, &progress)?;
            let score = model.loss(&held.0, &held.1, eps)?.to_scalar::<f64>()?;
            let how = spread.map_or("authors' start".to_string(), |v| format!("spread {v}"));
            let note = format!(
                "start {i} ({how}): {ranking} loss {score:.5}, last mini-batch loss {last:.5}"
            );
            Ok((score, model, note))
        })
        .collect::<Result<Vec<(f64, Model, String)>, SolverError>>()?;
    let mut notes = Vec::new();
    let mut best: Option<(f64, Model)> = None;
    for (score, model, note) in runs {
        notes.push(note);
        if score.is_finite() && best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, model));
        }
    }
    let (_, model) = best.ok_or_else(|| {
        SolverError::Diverged(format!("no start ended with a finite {ranking} loss (eps {eps})"))
    })?;
    let steps_per_second = total as f64 / start.elapsed().as_secs_f64();
    if settings.covariance == Covariance::Auto {
        notes.push(auto_note(settings, shape, dim, fixed));
    }
    notes.push(format!(
        "steps per second {steps_per_second:.0} ({total} steps in all, starts on {} threads)",
        rayon::current_num_threads().min(settings.starts)
    ));
    let report = FitReport { iterations: total, converged: true, final_error: None, notes };
    Ok((model.to_host()?, report))
}

/// What `covariance=auto` chose, and why.
fn auto_note(settings: &GmmSettings, shape: Shape, dim: usize, fixed: Option<usize>) -> String {
    let data = match fixed {
        None => "unlimited draws".to_string(),
        Some(n) => format!(
            "{n} fixed points a side, {:.1} values per parameter of a full mixture (full from {MIN_VALUES_PER_FULL_PARAMETER})",
            settings.values_per_full_parameter(dim, n)
        ),
    };
    format!(
        "covariance=auto: {} S_k (D = {dim} of at most {FULL_COVARIANCE_MAX_DIM} for full; {data})",
        shape.name()
    )
}

/// Random streams of the starts: start `i` draws from `START_STREAMS + i` (the held-out batch
/// from its own stream, `0x6d6e`).
const START_STREAMS: u64 = 0x6d6d_0000;

/// Steps done over all starts, for the progress observer.
struct Progress<'a> {
    done: &'a AtomicUsize,
    total: usize,
}

impl Progress<'_> {
    fn step(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        crate::progress::report("gmm", done, self.total);
    }
}

/// Adam on fresh mini-batches, the learning rate following [`steps`]' schedule; returns the last
/// mini-batch loss. Full `S_k` on the CPU trains with the gradient written out
/// ([`full_cpu`]), everything else with candle's autograd.
fn adam(
    model: &Model,
    settings: &GmmSettings,
    data: &FitData,
    eps: f64,
    rng: &mut SuiteRng,
    device: &Device,
    progress: &Progress,
) -> Result<f64, SolverError> {
    let lr = settings.learning_rate;
    let alpha_lr = lr * ALPHA_LR_FACTOR;
    if let (Some(layout), true) = (model.full_layout(), device.is_cpu()) {
        let mut theta = model.full_flat()?;
        let mut grad = vec![0.0; layout.len()];
        let (mut ws, mut opt) = (full_cpu::Workspace::default(), full_cpu::Adam::new(layout));
        let last = steps(settings, data, eps, rng, progress, |x, y, factor| {
            let (x, y) = (x.as_slice(), y.as_slice());
            let loss = full_cpu::loss(layout, &theta, x, y, eps, &mut ws, Some(&mut grad));
            opt.step(&mut theta, &grad, lr * factor, alpha_lr * factor);
            Ok(loss)
        })?;
        model.set_full_flat(&theta)?;
        return Ok(last);
    }
    let params = ParamsAdamW { lr, weight_decay: 0.0, ..Default::default() };
    let mut opt = AdamW::new(model.vars(), params.clone())?;
    let mut opt_alpha =
        AdamW::new(vec![model.log_alpha.clone()], ParamsAdamW { lr: alpha_lr, ..params })?;
    steps(settings, data, eps, rng, progress, |x, y, factor| {
        opt.set_learning_rate(lr * factor);
        opt_alpha.set_learning_rate(alpha_lr * factor);
        let (x, y) = (tensor(x, device)?, tensor(y, device)?);
        let loss = model.loss(&x, &y, eps)?;
        let value = loss.to_scalar::<f64>()?;
        if value.is_finite() {
            let grads = loss.backward()?;
            opt.step(&grads)?;
            opt_alpha.step(&grads)?;
        }
        Ok(value)
    })
}

/// The training loop: `settings.steps` mini-batches, each handed to `step` with the factor of
/// the learning rate ([`crate::schedule::half_cosine`]); `step` updates the model and returns
/// the mini-batch loss before the update. Returns the last loss; stops with an error on a
/// non-finite one.
fn steps(
    settings: &GmmSettings,
    data: &FitData,
    eps: f64,
    rng: &mut SuiteRng,
    progress: &Progress,
    mut step: impl FnMut(&Points, &Points, f64) -> Result<f64, SolverError>,
) -> Result<f64, SolverError> {
    let mut last = f64::NAN;
    let steps = settings.steps;
    for i in 0..steps {
        let (x, y) = minibatch::draw(data, settings.batch, rng);
        last = step(&x, &y, crate::schedule::half_cosine(i, steps))?;
        if !last.is_finite() {
            return Err(SolverError::Diverged(format!(
                "gmm loss is {last} at step {i} (eps {eps})"
            )));
        }
        progress.step();
        if settings.progress && (i + 1) % (steps / 10).max(1) == 0 {
            eprintln!("gmm: step {}/{steps}, loss {last:.5}", i + 1);
        }
    }
    Ok(last)
}
