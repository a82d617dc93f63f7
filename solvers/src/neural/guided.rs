//! The guided sampler: a few long chains per query instead of one chain per draw. Chains start
//! from the Gaussian [`Guide`] (near where `pi(.|x)` lives, across its modes), move by MALA steps
//! and by independence moves drawn from the guide (which jump between modes), and after a
//! burn-in give a draw every `thin` steps.

use candle_core::Tensor;
use eot_datasets::SuiteRng;

use super::mala::Chains;
use super::{Guide, Potential};
use crate::SolverError;

/// Settings of [`guided`].
#[derive(Clone, Debug, PartialEq)]
pub struct Guided {
    /// Chains per query (at most the draws asked for).
    pub chains: usize,
    /// Steps before the first draw, during which each chain's MALA step adapts.
    pub burn_in: usize,
    /// Steps between two draws of a chain.
    pub thin: usize,
    /// An independence move every this many steps (0: none).
    pub global_every: usize,
    /// Proposals from the guide per independence move.
    pub tries: usize,
    /// MALA step size each chain starts with.
    pub initial_step: f64,
    /// MALA acceptance rate the step is adapted towards.
    pub target_acceptance: f64,
}

/// `k` draws of `mu_x^f` for each row of `x` (`(q, D)`, float32), query-major `(q * k, D)`,
/// and the share of independence moves accepted.
pub fn guided<P: Potential + ?Sized>(
    f: &P,
    x: &Tensor,
    k: usize,
    eps: f64,
    guide: &Guide,
    s: &Guided,
    rng: &mut SuiteRng,
) -> Result<(Tensor, f64), SolverError> {
    let (q, d) = x.dims2()?;
    let c = s.chains.min(k).max(1);
    let per_chain = k.div_ceil(c);
    let centres = x.unsqueeze(1)?.broadcast_as((q, c, d))?.reshape((q * c, d))?;
    let start = guide.sample(&centres, rng)?;
    let mut chains = Chains::new(f, &centres, &start, eps, s.initial_step)?;
    let mut draws = Vec::with_capacity(per_chain);
    let total = s.burn_in + per_chain * s.thin;
    for t in 0..total {
        if s.global_every > 0 && t % s.global_every == 0 {
            chains.independence_step(guide, s.tries, rng)?;
        }
        chains.mala_step(s.target_acceptance, t < s.burn_in, rng)?;
        if t >= s.burn_in && (t + 1 - s.burn_in).is_multiple_of(s.thin) {
            draws.push(chains.y().clone());
        }
    }
    chains.check_finite()?;
    // (draw, query, chain, D) -> (query, chain, draw, D): a query's draws chain by chain.
    let all = Tensor::stack(&draws, 0)?.reshape((per_chain, q, c, d))?.permute((1, 2, 0, 3))?;
    let y =
        all.contiguous()?.reshape((q, c * per_chain, d))?.narrow(1, 0, k)?.reshape((q * k, d))?;
    Ok((y, chains.jump_rate()))
}
