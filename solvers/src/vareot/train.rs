//! The VarEOT objective and its training loop (docs/design.md §3.1).

use candle_core::{DType, Device, Tensor};
use candle_nn::Module;
use candle_nn::VarMap;
use eot_datasets::{Points, SuiteRng, substream};

use super::proposal::{Proposal, ProposalSettings};
use super::settings::{Base, VarEotSettings};
use crate::neural::{Mlp, Networks, QuadraticBase, Trainer, Training, ridged_gaussian};
use crate::{FitData, SolverError, minibatch};

/// One training step's data, float32 on the training device except `log_w` (float64).
pub(crate) struct Batch {
    /// Source points `(B, D)`.
    pub x: Tensor,
    /// Target points `(B, D)`.
    pub y: Tensor,
    /// The K proposals of each source point, `(B * K, D)`.
    pub proposals: Tensor,
    /// Their importance log-weights `(B, K)`.
    pub log_w: Tensor,
}

/// One mini-batch of the loss
/// `eps [mean_x xi(x) + mean_x exp(log mean_k w_k exp(f(y_k)/eps) - xi(x))] - mean_y f(y)`,
/// `y_k` the K proposals of `x` (`(B * K, D)`) and `log w_k` their importance log-weights
/// (`(B, K)`; all 0 for the authors' proposals `y_k = x + sqrt(eps) z_k`).
///
/// The inner mean over the K proposals is a log-sum-exp in float64, so the only exponential taken
/// is of the per-x variational gap `a = log mean_k w_k exp(f/eps) - xi`; above `clamp` it
/// continues as its tangent line. Returns the loss and how many x were past the clamp.
pub(crate) fn loss(
    f: &Mlp,
    xi: &Mlp,
    batch: &Batch,
    eps: f64,
    clamp: f64,
) -> Result<(Tensor, usize), SolverError> {
    let Batch { x, y, proposals, log_w } = batch;
    let (b, k) = log_w.dims2()?;
    let out = f.forward(&Tensor::cat(&[proposals, y], 0)?)?.to_dtype(DType::F64)?;
    let fz = ((out.narrow(0, 0, b * k)?.reshape((b, k))? / eps)? + log_w)?;
    let f_y = out.narrow(0, b * k, y.dim(0)?)?;
    let log_mean = (fz.log_sum_exp(1)? - (k as f64).ln())?;
    let xi_x = xi.forward(x)?.to_dtype(DType::F64)?;
    let gap = (log_mean - &xi_x)?;
    let clamped = gap.to_vec1::<f64>()?.iter().filter(|a| **a > clamp).count();
    let exp_gap = (gap.minimum(clamp)?.exp()? + ((gap - clamp)?.relu()? * clamp.exp())?)?;
    let loss = (((xi_x.mean_all()? + exp_gap.mean_all()?)? * eps)? - f_y.mean_all()?)?;
    Ok((loss, clamped))
}

/// `eps log N(y | m, C)` (up to a constant) for the target's fitted Gaussian `N(m, C)`.
fn gaussian_base(target: &Points, eps: f64, device: &Device) -> Result<QuadraticBase, SolverError> {
    let g = ridged_gaussian(target)?;
    let d = g.dim();
    let inv = g.cov().clone().cholesky().map(|c| c.inverse());
    let inv = inv.ok_or_else(|| SolverError::Input("target covariance is singular".into()))?;
    let precision: Vec<f32> = (inv * (0.5 * eps)).iter().map(|v| *v as f32).collect();
    let mean: Vec<f32> = g.mean().iter().map(|v| *v as f32).collect();
    Ok(QuadraticBase {
        mean: Tensor::from_vec(mean, (1, d), device)?,
        precision: Tensor::from_vec(precision, (d, d), device)?,
    })
}

/// VarEOT's training between two steps: both networks, the optimiser, the proposal mixture and
/// the random stream, exactly as [`super::VarEotSolver::fit_plan`] trains them (it runs
/// [`Training::step`] until `steps` are done or the time budget is spent). Public so that a
/// caller can run and time single steps (`bench/benches/neural_train.rs`); built by
/// [`super::VarEotSolver::start_training`].
pub struct VarEotTraining<'a> {
    s: &'a VarEotSettings,
    data: FitData<'a>,
    eps: f64,
    dim: usize,
    device: Device,
    rng: SuiteRng,
    f: Mlp,
    xi: Mlp,
    trainer: Trainer,
    proposal: Proposal,
    clamped: usize,
    last: f64,
}

impl<'a> VarEotTraining<'a> {
    /// Fresh weights drawn from `seed`'s stream, in the order `train` has always drawn them
    /// (the same seed gives the same run).
    pub(crate) fn new(
        s: &'a VarEotSettings,
        data: &FitData<'a>,
        eps: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self, SolverError> {
        let dim = data.check()?;
        let shape = s.shape(dim);
        let mut rng = substream(seed, 0x7661);
        let vars = VarMap::new();
        let base = match s.base {
            Base::Gaussian => Some(gaussian_base(data.target, eps, device)?),
            Base::None => None,
        };
        let f = Mlp::init(&shape, "f", &vars, &mut rng, device)?.with_base(base);
        let xi = Mlp::init(&shape, "xi", &vars, &mut rng, device)?;
        let trainer = Trainer::new("vareot", &vars, &s.trainer)?;
        let proposal_settings =
            ProposalSettings { kind: s.target_proposal, share: s.target_proposals, eps };
        let proposal = Proposal::new(&proposal_settings, s.proposals, data.source, data.target)?;
        Ok(VarEotTraining {
            s,
            data: *data,
            eps,
            dim,
            device: device.clone(),
            rng,
            f,
            xi,
            trainer,
            proposal,
            clamped: 0,
            last: f64::NAN,
        })
    }
}

impl Training for VarEotTraining<'_> {
    fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// One training step: a mini-batch and its K proposals per source point, the loss, one
    /// optimiser and EMA update. Returns the mini-batch loss. Runs even past the settings'
    /// `steps` or time budget (those stop `fit`'s loop, not a step).
    fn step(&mut self) -> Result<f64, SolverError> {
        let (s, device) = (self.s, &self.device);
        if s.lr_decay {
            let factor = crate::schedule::half_cosine(self.trainer.steps_taken(), s.steps);
            self.trainer.set_learning_rate(s.trainer.learning_rate * factor);
        }
        let (xs, ys) = minibatch::draw(&self.data, s.batch, &mut self.rng);
        let draws = self.proposal.draw(&xs, s.proposals, &mut self.rng);
        let batch = Batch {
            x: minibatch::tensor(&xs, DType::F32, device)?,
            y: minibatch::tensor(&ys, DType::F32, device)?,
            proposals: Tensor::from_vec(draws.points, (s.batch * s.proposals, self.dim), device)?,
            log_w: Tensor::from_vec(draws.log_w, (s.batch, s.proposals), device)?,
        };
        let (l, c) = loss(&self.f, &self.xi, &batch, self.eps, s.clamp)?;
        self.clamped += c;
        self.last = self.trainer.step(&l)?;
        if s.progress {
            self.trainer.progress(s.steps, "loss", self.last);
        }
        Ok(self.last)
    }

    fn networks_now(&self) -> Result<(Mlp, Option<Mlp>), SolverError> {
        let shape = self.s.shape(self.dim);
        let ema = self.trainer.ema().tensors();
        let f = Mlp::from_tensors(&shape, "f", &ema, &self.device)?;
        let xi = Mlp::from_tensors(&shape, "xi", &ema, &self.device)?;
        Ok((f.with_base(self.f.base().cloned()), Some(xi)))
    }

    /// The EMA networks and the fit report.
    fn finish(self) -> Result<Networks, SolverError> {
        let s = self.s;
        let (f, xi) = self.networks_now()?;
        let report = self.trainer.report(
            s.steps,
            vec![
                format!("last mini-batch loss {:.5}", self.last),
                format!(
                    "exponent past the clamp {} for {} of {} source points",
                    s.clamp,
                    self.clamped,
                    self.trainer.steps_taken() * s.batch
                ),
            ],
        );
        Ok(Networks { f, xi, report })
    }
}
