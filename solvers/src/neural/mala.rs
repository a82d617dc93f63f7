use candle_core::{DType, Tensor};
use eot_datasets::{SuiteRng, log_sum_exp};
use rand::Rng;

use super::{Guide, Potential, normals};
use crate::SolverError;

/// Metropolis-adjusted Langevin settings: `steps` in all, the step size of each chain adapted
/// during the first `steps / 2` towards `target_acceptance`, then held fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct Mala {
    /// Chain steps.
    pub steps: usize,
    /// Step size each chain starts with.
    pub initial_step: f64,
    /// Acceptance rate the step is adapted towards.
    pub target_acceptance: f64,
}

/// The chains' final states and how the sampler behaved after adaptation.
pub struct MalaDraws {
    /// The final states, one per chain.
    pub y: Tensor,
    /// Mean acceptance rate over the steps after adaptation.
    pub acceptance: f64,
    /// Mean step size after adaptation.
    pub step: f64,
}

/// One chain state: points, `log mu_x^f` up to its constant, and its score, for `n` chains.
struct State {
    y: Tensor,
    log_p: Vec<f64>,
    score: Tensor,
}

/// Chains on `mu_x^f(y) ∝ exp((f(y) - |x - y|^2 / 2) / eps)`, row `i` centred at row `i` of
/// `x`, moved by MALA steps (each chain with its own step size) and, with a [`Guide`], by
/// independence moves. A proposal with a non-finite density is rejected.
pub(crate) struct Chains<'a, P: ?Sized> {
    f: &'a P,
    x: Tensor,
    eps: f64,
    cur: State,
    h: Vec<f64>,
    /// MALA moves accepted and proposed while counting (after adaptation).
    accepted: usize,
    proposed: usize,
    /// Independence moves accepted and tried.
    jumps: usize,
    jump_tries: usize,
}

impl<'a, P: Potential + ?Sized> Chains<'a, P> {
    pub fn new(
        f: &'a P,
        x: &Tensor,
        start: &Tensor,
        eps: f64,
        step: f64,
    ) -> Result<Self, SolverError> {
        let cur = state(f, x, start.detach(), eps)?;
        let n = start.dims2()?.0;
        Ok(Chains {
            f,
            x: x.clone(),
            eps,
            cur,
            h: vec![step; n],
            accepted: 0,
            proposed: 0,
            jumps: 0,
            jump_tries: 0,
        })
    }

    /// The chains' current points.
    pub fn y(&self) -> &Tensor {
        &self.cur.y
    }

    /// One MALA move of every chain; while `adapt`, each step size moves towards
    /// `target_acceptance` (Robbins-Monro on `log h`), else acceptances are counted.
    pub fn mala_step(
        &mut self,
        target_acceptance: f64,
        adapt: bool,
        rng: &mut SuiteRng,
    ) -> Result<(), SolverError> {
        let (n, d) = self.cur.y.dims2()?;
        let device = self.cur.y.device().clone();
        let h_t = Tensor::from_iter(self.h.iter().map(|v| *v as f32), &device)?.reshape((n, 1))?;
        let sd_t = Tensor::from_iter(self.h.iter().map(|v| (2.0 * v).sqrt() as f32), &device)?
            .reshape((n, 1))?;
        let xi = normals(&[n, d], rng, &device)?;
        let y_new =
            ((&self.cur.y + self.cur.score.broadcast_mul(&h_t)?)? + xi.broadcast_mul(&sd_t)?)?;
        let new = state(self.f, &self.x, y_new, self.eps)?;
        // log q(y | y') - log q(y' | y) with q(b | a) = N(b | a + h score(a), 2 h I).
        let back = ((&self.cur.y - &new.y)? - new.score.broadcast_mul(&h_t)?)?;
        let back_sq = back.sqr()?.sum(1)?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
        let fwd_sq = xi.sqr()?.sum(1)?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
        let mut take = vec![0u8; n];
        for i in 0..n {
            let log_alpha =
                new.log_p[i] - self.cur.log_p[i] - back_sq[i] / (4.0 * self.h[i]) + fwd_sq[i] / 2.0;
            let alpha = if log_alpha.is_nan() { 0.0 } else { log_alpha.min(0.0).exp() };
            if rng.random::<f64>() < alpha {
                take[i] = 1;
            }
            if adapt {
                self.h[i] *= (0.2 * (alpha - target_acceptance)).exp();
            }
        }
        if !adapt {
            self.accepted += take.iter().filter(|t| **t == 1).count();
            self.proposed += n;
        }
        self.take(new, &take)
    }

    /// One independence move of every chain with `tries` proposals from `guide` at its centre
    /// (a multiple-try Metropolis move: Liu, Liang & Wong 2000, with independent proposals): one
    /// proposal is picked with probability proportional to its importance weight
    /// `w = p(y) / g(y)`, and accepted with probability
    /// `min(1, sum of the tries' w / (the same sum with the picked one replaced by the
    /// current point's w))`. With `tries = 1` it is the plain independence sampler. It jumps
    /// between modes that local moves cross slowly; more tries make a jump likelier at the
    /// price of forward passes only.
    pub fn independence_step(
        &mut self,
        guide: &Guide,
        tries: usize,
        rng: &mut SuiteRng,
    ) -> Result<(), SolverError> {
        let (n, d) = self.cur.y.dims2()?;
        let m = tries.max(1);
        let centres = self.x.unsqueeze(1)?.broadcast_as((n, m, d))?.reshape((n * m, d))?;
        let proposals = guide.sample(&centres, rng)?;
        let log_p = log_density(self.f, &centres, &proposals, self.eps)?;
        let log_g = guide.log_density(&centres, &proposals)?;
        let cur_g = guide.log_density(&self.x, &self.cur.y)?;
        let (mut pick, mut take) = (vec![0u32; n], vec![0u8; n]);
        for i in 0..n {
            let w: Vec<f64> = (0..m).map(|j| log_p[i * m + j] - log_g[i * m + j]).collect();
            let total = log_sum_exp(&w);
            let j = draw_index(&w, total, rng);
            let cur_w = self.cur.log_p[i] - cur_g[i];
            let others: Vec<f64> = w
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != j)
                .map(|(_, v)| *v)
                .chain([cur_w])
                .collect();
            let log_alpha = total - log_sum_exp(&others);
            let alpha = if log_alpha.is_nan() { 0.0 } else { log_alpha.min(0.0).exp() };
            pick[i] = (i * m + j) as u32;
            if rng.random::<f64>() < alpha {
                take[i] = 1;
            }
        }
        self.jumps += take.iter().filter(|t| **t == 1).count();
        self.jump_tries += n;
        let index = Tensor::from_vec(pick, n, self.x.device())?;
        let new = state(self.f, &self.x, proposals.index_select(&index, 0)?, self.eps)?;
        self.take(new, &take)
    }

    /// Moves the chains marked in `take` to `new`.
    fn take(&mut self, new: State, take: &[u8]) -> Result<(), SolverError> {
        let (n, d) = self.cur.y.dims2()?;
        let device = self.cur.y.device().clone();
        let mask = Tensor::from_vec(take.to_vec(), (n, 1), &device)?.broadcast_as((n, d))?;
        let log_p =
            (0..n).map(|i| if take[i] == 1 { new.log_p[i] } else { self.cur.log_p[i] }).collect();
        self.cur = State {
            y: mask.where_cond(&new.y, &self.cur.y)?,
            score: mask.where_cond(&new.score, &self.cur.score)?,
            log_p,
        };
        Ok(())
    }

    /// Mean MALA acceptance while counting, and mean step size.
    pub fn summary(&self) -> (f64, f64) {
        let n = self.h.len().max(1);
        (self.accepted as f64 / self.proposed.max(1) as f64, self.h.iter().sum::<f64>() / n as f64)
    }

    /// The share of independence moves accepted.
    pub fn jump_rate(&self) -> f64 {
        self.jumps as f64 / self.jump_tries.max(1) as f64
    }

    /// Refuses chains that ended at a non-finite density.
    pub fn check_finite(&self) -> Result<(), SolverError> {
        if self.cur.log_p.iter().any(|v| !v.is_finite()) {
            return Err(SolverError::Diverged("chains ended at a non-finite density".into()));
        }
        Ok(())
    }
}

/// `log mu_x^f(y)` up to its constant, from values only (no gradient).
fn log_density<P: Potential + ?Sized>(
    f: &P,
    x: &Tensor,
    y: &Tensor,
    eps: f64,
) -> Result<Vec<f64>, SolverError> {
    let half_sq = ((y - x)?.sqr()?.sum(1)? * 0.5)?;
    Ok(((f.values(y)? - half_sq)?.to_dtype(DType::F64)? / eps)?.to_vec1::<f64>()?)
}

/// An index drawn with probability `exp(w_j - total)`.
fn draw_index(w: &[f64], total: f64, rng: &mut SuiteRng) -> usize {
    let mut u: f64 = rng.random();
    for (j, v) in w.iter().enumerate() {
        u -= (v - total).exp();
        if u < 0.0 {
            return j;
        }
    }
    w.len() - 1
}

fn state<P: Potential + ?Sized>(
    f: &P,
    x: &Tensor,
    y: Tensor,
    eps: f64,
) -> Result<State, SolverError> {
    let (fy, g) = f.values_and_gradients(&y)?;
    let diff = (&y - x)?;
    let half_sq = (diff.sqr()?.sum(1)? * 0.5)?;
    let log_p = ((fy - half_sq)?.to_dtype(DType::F64)? / eps)?.to_vec1::<f64>()?;
    let score = ((g - diff)? / eps)?;
    Ok(State { y, log_p, score })
}

/// MALA on `mu_x^f`, row `i` of the chains centred at row `i` of `x`, from `start`, one draw
/// per chain (its final state). Unlike unadjusted Langevin its draws carry no step-size bias,
/// and the per-chain step size adapts to the conditional's stiffest direction (which, for the
/// benchmark pairs at large eps, is set by the potential, not by eps).
pub fn mala<P: Potential + ?Sized>(
    f: &P,
    x: &Tensor,
    start: &Tensor,
    eps: f64,
    s: &Mala,
    rng: &mut SuiteRng,
) -> Result<MalaDraws, SolverError> {
    let mut chains = Chains::new(f, x, start, eps, s.initial_step)?;
    let adapt = s.steps / 2;
    for step in 0..s.steps {
        chains.mala_step(s.target_acceptance, step < adapt, rng)?;
    }
    chains.check_finite()?;
    let (acceptance, step) = chains.summary();
    Ok(MalaDraws { y: chains.cur.y, acceptance, step })
}
