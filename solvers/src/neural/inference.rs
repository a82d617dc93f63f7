use crate::options::{require_nonzero, require_positive};
use crate::{Options, SolverError};

/// How a neural plan draws from `mu_x^f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplerKind {
    /// Unadjusted Langevin started at `y = x` (the authors' inference). Its draws are biased
    /// by the step size: the stationary variance of a direction of curvature `c` is inflated
    /// by `1 / (1 - h c / 2)`.
    Langevin,
    /// Metropolis-adjusted Langevin from `y = x`, the step of each chain adapted to an
    /// acceptance of 0.57 over the first half of the steps (the default: unbiased draws).
    Mala,
    /// Self-normalised importance resampling from `N(x, eps I)` (no MCMC).
    Snis,
}

impl SamplerKind {
    /// The option value that names it.
    pub fn name(self) -> &'static str {
        match self {
            SamplerKind::Langevin => "langevin",
            SamplerKind::Mala => "mala",
            SamplerKind::Snis => "snis",
        }
    }
}

impl std::str::FromStr for SamplerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mala" => Ok(SamplerKind::Mala),
            "langevin" => Ok(SamplerKind::Langevin),
            "snis" => Ok(SamplerKind::Snis),
            other => Err(format!("'{other}': expected mala, langevin or snis")),
        }
    }
}

/// Inference settings shared by the neural solvers.
#[derive(Clone, Debug, PartialEq)]
pub struct InferenceSettings {
    pub sampler: SamplerKind,
    /// Langevin (or MALA) steps per draw (authors: 1000 unadjusted steps of 1e-3).
    pub langevin_steps: usize,
    /// Langevin step size (MALA: the initial one); `None` (`auto`) means `0.01 * eps`, which
    /// equals the authors' 1e-3 at eps = 0.1 and keeps the number of steps needed to forget the
    /// start independent of eps (the prior part of the score contracts by `h / eps` a step).
    pub langevin_step: Option<f64>,
    /// Proposals per query for importance sampling (sampling and the `log Z` estimate).
    pub snis_proposals: usize,
    /// Draws averaged for the barycentric map when sampling by Langevin.
    pub map_draws: usize,
}

impl Default for InferenceSettings {
    fn default() -> Self {
        InferenceSettings {
            sampler: SamplerKind::Mala,
            langevin_steps: 200,
            langevin_step: None,
            snis_proposals: 4096,
            map_draws: 256,
        }
    }
}

/// The Langevin step when none is given: `0.01 * eps` (see [`InferenceSettings::langevin_step`]).
pub fn auto_step(eps: f64) -> f64 {
    0.01 * eps
}

/// Option keys read by [`InferenceSettings::take`].
pub const INFERENCE_KEYS: &[&str] =
    &["sampler", "langevin_steps", "langevin_step", "snis_proposals", "map_draws"];

impl InferenceSettings {
    /// Reads the keys of [`INFERENCE_KEYS`] from `o`, each absent one from `d` (a solver's own
    /// defaults).
    pub fn take(o: &mut Options, d: &InferenceSettings) -> Result<Self, SolverError> {
        let s = InferenceSettings {
            sampler: o.take("sampler", d.sampler)?,
            langevin_steps: o.take("langevin_steps", d.langevin_steps)?,
            langevin_step: match o.take_optional::<String>("langevin_step")?.as_deref() {
                None => d.langevin_step,
                Some("auto") => None,
                Some(v) => Some(v.parse().map_err(|_| {
                    SolverError::setting(
                        "langevin_step",
                        format!("'{v}': expected auto or a number"),
                    )
                })?),
            },
            snis_proposals: o.take("snis_proposals", d.snis_proposals)?,
            map_draws: o.take("map_draws", d.map_draws)?,
        };
        s.validate()?;
        Ok(s)
    }

    /// Refuses zero counts and a non-positive step.
    pub fn validate(&self) -> Result<(), SolverError> {
        require_nonzero("langevin_steps", self.langevin_steps)?;
        require_nonzero("snis_proposals", self.snis_proposals)?;
        require_nonzero("map_draws", self.map_draws)?;
        if let Some(h) = self.langevin_step {
            require_positive("langevin_step", h)?;
        }
        Ok(())
    }

    /// The Langevin step size at `eps`.
    pub fn step_size(&self, eps: f64) -> f64 {
        self.langevin_step.unwrap_or(auto_step(eps))
    }

    /// Every setting as `(key, value)`, for reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        vec![
            ("sampler".into(), self.sampler.name().into()),
            ("langevin_steps".into(), self.langevin_steps.to_string()),
            (
                "langevin_step".into(),
                self.langevin_step.map_or("auto (0.01 eps)".into(), |h| h.to_string()),
            ),
            ("snis_proposals".into(), self.snis_proposals.to_string()),
            ("map_draws".into(), self.map_draws.to_string()),
        ]
    }
}
