//! Discrete Sinkhorn (docs/design.md §3.4) on uniform empirical measures, in the log domain.
//!
//! Potentials `f` (source) and `g` (target) give the plan
//! `P_ij = a_i b_j exp((f_i + g_j - C_ij)/eps)` with `C_ij = |x_i - y_j|^2/2`. Updates alternate
//! `g = -eps LSE_i((f_i - C_ij)/eps + log a_i)` and `f = -eps LSE_j((g_j - C_ij)/eps + log b_j)`,
//! with eps-scaling (a geometric schedule from a cost-scale eps down to the target eps, potentials
//! warm-started from stage to stage). Stopping rule, as POT's: every `check_every` iterations,
//! the L2 norm of the column-marginal error `|P^T 1 - b|_2` of the current (row-exact) plan is
//! compared with `tolerance`. The reference measure of the weak dual is the empirical target, so
//! out-of-sample `pi(.|x)` is the discrete law `∝ b_j exp((g_j - c(x, y_j))/eps)` over the targets.

mod kernel;
mod plan;
mod reduce;
mod relax;
mod settings;
mod solve;
mod tensor;

pub use plan::SinkhornPlan;
pub use settings::{Backend, Precision, SinkhornSettings, default_memory_budget_mib};
pub use solve::{MAX_STAGES, SolveOutcome};

use std::time::Instant;

use crate::{Algorithm, Configured, Eps, FitData, FitReport, FittedPlan, SolverError};

/// The Sinkhorn solver: its settings, validated.
pub type Sinkhorn = Configured<SinkhornSettings>;

impl Configured<SinkhornSettings> {
    /// Solves for the potentials and returns them with the run's statistics, without building a
    /// plan (what the benchmarks time).
    pub fn solve(&self, data: &FitData, eps: Eps) -> Result<SolveOutcome, SolverError> {
        data.check()?;
        solve::run(self.settings(), data.source, data.target, eps.get())
    }
}

impl Algorithm for SinkhornSettings {
    const NAME: &'static str = "sinkhorn";
    const SUMMARY: &'static str = "discrete log-domain Sinkhorn (docs/design.md §3.4)";

    fn fit(
        &self,
        data: &FitData,
        eps: Eps,
        _seed: u64,
    ) -> Result<Box<dyn FittedPlan>, SolverError> {
        let start = Instant::now();
        data.check()?;
        let outcome = solve::run(self, data.source, data.target, eps.get())?;
        let mut notes = vec![
            format!("eps stages: {}", outcome.stages),
            format!("solve seconds: {:.3}", start.elapsed().as_secs_f64()),
        ];
        notes.extend(outcome.schedule_note.clone());
        notes.push(outcome.kernel_note.clone());
        let report = FitReport {
            iterations: outcome.iterations,
            converged: outcome.converged,
            final_error: Some(outcome.marginal_error),
            notes,
        };
        Ok(Box::new(SinkhornPlan::new(data.source, data.target, eps.get(), outcome, report)))
    }
}
