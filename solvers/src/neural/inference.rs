use crate::settings::{Auto, Rule, Visitor};
use crate::{SolverError, choice};

choice! {
    /// How a neural plan draws from `mu_x^f`.
    pub enum SamplerKind {
        /// Unadjusted Langevin started at `y = x` (the authors' inference). Its draws are
        /// biased by the step size: the stationary variance of a direction of curvature `c` is
        /// inflated by `1 / (1 - h c / 2)`.
        Langevin = "langevin",
        /// Metropolis-adjusted Langevin from `y = x`, one chain of `langevin_steps` per draw, the
        /// step of each chain adapted to an acceptance of 0.57 over the first half of the steps.
        Mala = "mala",
        /// Self-normalised importance resampling from `N(x, eps I)` (no MCMC).
        Snis = "snis",
        /// The default: a few long chains per query, started from the Gaussian guide (the
        /// conditional of the Gaussian EOT plan between the fitted source and target), moved by
        /// MALA and by multiple-try independence moves from the guide, one draw every `thin`
        /// steps after `burn_in`.
        Guided = "guided",
    }
}

/// Inference settings shared by the neural solvers.
#[derive(Clone, Debug, PartialEq)]
pub struct InferenceSettings {
    /// How draws are made.
    pub sampler: SamplerKind,
    /// Langevin (or MALA) steps per draw (authors: 1000 unadjusted steps of 1e-3).
    pub langevin_steps: usize,
    /// Langevin step size (MALA: the initial one); `auto` means `0.01 * eps`, which equals the
    /// authors' 1e-3 at eps = 0.1 and keeps the number of steps needed to forget the start
    /// independent of eps (the prior part of the score contracts by `h / eps` a step).
    pub langevin_step: Auto,
    /// Proposals per query for importance sampling (sampling and the `log Z` estimate).
    pub snis_proposals: usize,
    /// Draws averaged for the barycentric map when sampling by Langevin.
    pub map_draws: usize,
    /// Guided sampler: chains per query.
    pub chains: usize,
    /// Guided sampler: steps before the first draw.
    pub burn_in: usize,
    /// Guided sampler: steps between two draws of a chain.
    pub thin: usize,
    /// Guided sampler: an independence move from the guide every this many steps (0: none).
    pub global_every: usize,
    /// Guided sampler: proposals from the guide per independence move.
    pub tries: usize,
}

impl Default for InferenceSettings {
    fn default() -> Self {
        InferenceSettings {
            sampler: SamplerKind::Guided,
            langevin_steps: 200,
            langevin_step: Auto::Auto,
            snis_proposals: 4096,
            map_draws: 256,
            chains: 16,
            burn_in: 100,
            thin: 10,
            global_every: 2,
            tries: 16,
        }
    }
}

/// The Langevin step when none is given: `0.01 * eps` (see [`InferenceSettings::langevin_step`]).
pub fn auto_step(eps: f64) -> f64 {
    0.01 * eps
}

impl InferenceSettings {
    /// Shows the sampler's settings to `v` (see [`crate::Settings::visit`]).
    pub fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        use Rule::*;
        v.field("sampler", &mut self.sampler, Any, "how pi(.|x) is drawn: guided (long chains from the Gaussian guide, MALA and independence moves), mala (one adjusted Langevin chain from y = x per draw), langevin (unadjusted, biased by its step), snis (importance resampling from N(x, eps I))")?;
        v.field(
            "langevin_steps",
            &mut self.langevin_steps,
            AtLeastOne,
            "chain steps per draw (mala, langevin; not guided)",
        )?;
        v.field(
            "langevin_step",
            &mut self.langevin_step,
            Positive,
            "chain step size (mala: the initial one, then adapted); auto: 0.01 eps",
        )?;
        v.field("snis_proposals", &mut self.snis_proposals, AtLeastOne, "proposals per query for importance sampling (snis draws, and the log Z estimate without a learned normaliser)")?;
        v.field(
            "map_draws",
            &mut self.map_draws,
            AtLeastOne,
            "draws averaged for the barycentric map when sampling by a chain",
        )?;
        v.field("chains", &mut self.chains, AtLeastOne, "guided: chains per query")?;
        v.field(
            "burn_in",
            &mut self.burn_in,
            Any,
            "guided: steps before a chain's first draw (its MALA step adapts meanwhile)",
        )?;
        v.field("thin", &mut self.thin, AtLeastOne, "guided: steps between two draws of a chain")?;
        v.field(
            "global_every",
            &mut self.global_every,
            Any,
            "guided: an independence move from the Gaussian guide every this many steps (0: none)",
        )?;
        v.field(
            "tries",
            &mut self.tries,
            AtLeastOne,
            "guided: proposals from the guide per independence move (multiple-try Metropolis)",
        )
    }

    /// The Langevin step size at `eps`.
    pub fn step_size(&self, eps: f64) -> f64 {
        self.langevin_step.or_else(|| auto_step(eps))
    }
}
