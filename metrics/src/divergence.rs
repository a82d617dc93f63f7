//! The Sinkhorn divergence (debiased entropic OT), computed with the suite's own Sinkhorn.

use eot_datasets::Points;
use eot_solvers::sinkhorn::{Sinkhorn, SinkhornSettings};
use eot_solvers::{Eps, FitData};

use crate::MetricError;
use crate::checks::{finite, two_samples};

const M: &str = "Sinkhorn divergence";

/// Settings for the three Sinkhorn runs of [`sinkhorn_divergence`]: the solver's defaults with a
/// tighter stop (`|P^T 1 - b|_2 < 1e-9`, at most 100,000 final-stage iterations), so that the
/// difference of the three values is not dominated by the stopping error.
pub fn divergence_settings() -> SinkhornSettings {
    SinkhornSettings { tolerance: 1e-9, max_iterations: 100_000, ..Default::default() }
}

/// Sinkhorn divergence between the uniform empirical measures of `a` and `b` (docs/design.md §5):
///
/// `S_eps(a, b) = OT_eps(a, b) - (OT_eps(a, a) + OT_eps(b, b)) / 2`,
///
/// where `OT_eps(a, b) = min_P <P, C> + eps KL(P | a x b)` with the suite's cost
/// `C_ij = |a_i - b_j|^2 / 2` (the dual value of the converged log-domain Sinkhorn). Units:
/// squared coordinates. `S_eps >= 0` up to the solver's tolerance, tends to `W2^2 / 2` as
/// eps -> 0 and to an energy-type MMD as eps grows. In POT's convention (cost `|x-y|^2`,
/// regulariser `reg`) the same quantity at `reg = 2 eps` is exactly twice this value. Note that
/// POT's `ot.bregman.empirical_sinkhorn_divergence` debiases `<P, C>` without the entropy term, a
/// different quantity. Memory O(n + m) with the default (fused) Sinkhorn settings.
///
/// Errors: bad samples or eps, and any of the three runs not converging within its settings.
pub fn sinkhorn_divergence(
    a: &Points,
    b: &Points,
    eps: f64,
    settings: &SinkhornSettings,
) -> Result<f64, MetricError> {
    two_samples(M, a, b, 2)?;
    let solver = Sinkhorn::new(settings.clone())
        .map_err(|cause| MetricError::Solver { metric: M, cause })?;
    let eps = Eps::new(eps).map_err(|cause| MetricError::Solver { metric: M, cause })?;
    let ot = |x: &Points, y: &Points, which: &str| -> Result<f64, MetricError> {
        let out = solver
            .solve(&FitData::samples(x, y), eps)
            .map_err(|cause| MetricError::Solver { metric: M, cause })?;
        if !out.converged {
            return Err(MetricError::Invalid(format!(
                "{M}: Sinkhorn on {which} did not converge in {} iterations (marginal error {:.3e} > \
                 tolerance {:.1e}); raise max_iterations or eps",
                out.final_stage_iterations, out.marginal_error, settings.tolerance
            )));
        }
        Ok(out.dual_value)
    };
    let ab = ot(a, b, "(a, b)")?;
    let aa = ot(a, a, "(a, a)")?;
    let bb = ot(b, b, "(b, b)")?;
    finite(M, ab - 0.5 * (aa + bb))
}
