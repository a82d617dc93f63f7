//! The Sinkhorn loop: eps schedule, alternating soft-min updates, the stopping rule.

use eot_datasets::Points;

use super::kernel::{Cloud, DotMatrix, MAX_INLINE_DIM, Scratch, lse_cols, lse_rows};
use super::relax::Relaxation;
use super::settings::{Backend, Precision, SinkhornSettings};
use super::tensor::TensorSoftMin;
use crate::{Real, SolverError};

/// Potentials and statistics of a Sinkhorn run.
#[derive(Clone, Debug)]
pub struct SolveOutcome {
    /// Source potential `f` (one value per source point).
    pub f: Vec<f64>,
    /// Target potential `g` (one value per target point).
    pub g: Vec<f64>,
    /// Iterations over all eps stages (one iteration = one `g` and one `f` update).
    pub iterations: usize,
    /// Iterations of the final stage, at the requested eps.
    pub final_stage_iterations: usize,
    /// Number of eps stages.
    pub stages: usize,
    /// Whether the final stage met the tolerance.
    pub converged: bool,
    /// `|P^T 1 - b|_2` of the returned plan (whose rows are exact).
    pub marginal_error: f64,
    /// The dual value `sum_i a_i f_i + sum_j b_j g_j` (the EOT value at convergence).
    pub dual_value: f64,
    /// Set when the eps schedule was cut to [`MAX_STAGES`] stages, saying from how many.
    pub schedule_note: Option<String>,
    /// Which kernel path ran (dot products cached, recomputed or in registers) and why.
    pub kernel_note: String,
}

/// The most eps stages a run takes. Factor 0.5 from the largest cost scale a point set can hold
/// (coordinates within `eot_datasets::MAX_ABS_COORDINATE`) down to any eps needs far fewer in
/// practice (7 for the benchmark pairs at eps = 0.1); a schedule past this (an eps many orders
/// below the data's scale, or a factor near 1) starts lower instead, and the fit notes say so:
/// the stages only warm-start the last one.
pub const MAX_STAGES: usize = 100;

/// The eps stages of a run, largest first, ending at the requested eps.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Schedule {
    pub stages: Vec<f64>,
    /// How many stages the geometric schedule would have had, when more than [`MAX_STAGES`].
    pub capped_from: Option<f64>,
}

/// One half of a Sinkhorn iteration, wherever it runs.
pub(crate) trait SoftMin {
    /// `f_i = -eps LSE_j((g_j - C_ij)/eps + log b_j)`.
    fn update_source(&mut self, g: &[f64], eps: f64, f: &mut [f64]) -> Result<(), SolverError>;
    /// `g_j = -eps LSE_i((f_i - C_ij)/eps + log a_i)`.
    fn update_target(&mut self, f: &[f64], eps: f64, g: &mut [f64]) -> Result<(), SolverError>;
    /// Which path runs the updates and why, for the fit notes.
    fn describe(&self) -> String;
}

/// Below this dimension computing the dot products in registers is as cheap as reading them
/// from memory, so they are never cached.
const MIN_CACHED_DIM: usize = MAX_INLINE_DIM + 1;

/// The fused CPU kernel in precision `T`, with its buffers allocated once, the dot products
/// `<x_i, y_j>` cached when they fit the memory budget, and each side's last log-sum-exps kept
/// as the next update's stabilisers.
pub(crate) struct FusedSoftMin<T> {
    x: Cloud<T>,
    y: Cloud<T>,
    dots: Option<DotMatrix<T>>,
    h: Vec<T>,
    lse_x: Vec<f64>,
    lse_y: Vec<f64>,
    /// The eps each side's `lse` was computed at.
    lse_eps: [f64; 2],
    scratch: Scratch<T>,
    /// Which path runs and why, for the fit notes.
    path: String,
}

impl<T: Real> FusedSoftMin<T> {
    pub fn new(x: &Points, y: &Points, shift: &[f64], budget_mib: usize) -> Self {
        let d = x.dim();
        let (x, y) = (Cloud::new(x.as_slice(), d, shift), Cloud::new(y.as_slice(), d, shift));
        let bytes = DotMatrix::<T>::bytes(x.n, y.n);
        let mib = bytes as f64 / (1 << 20) as f64;
        let cache = d >= MIN_CACHED_DIM && bytes <= budget_mib.saturating_mul(1 << 20);
        let path = if cache {
            format!("kernel: cached dot products ({mib:.0} MiB of a {budget_mib} MiB budget)")
        } else if d < MIN_CACHED_DIM {
            format!("kernel: dot products in registers from the points (D = {d}), O(n + m) memory")
        } else {
            format!(
                "kernel: dot products recomputed from the points, O(n + m) memory (caching them \
                 needs {mib:.0} MiB, over the {budget_mib} MiB budget)"
            )
        };
        let dots = cache.then(|| DotMatrix::new(&x, &y));
        FusedSoftMin {
            h: Vec::with_capacity(x.n.max(y.n)),
            lse_x: vec![f64::NAN; x.n],
            lse_y: vec![f64::NAN; y.n],
            lse_eps: [f64::NAN; 2],
            x,
            y,
            dots,
            scratch: Scratch::new(),
            path,
        }
    }

    /// `result_i = p.half_sq_i - eps LSE_j((pot_j - q.half_sq_j)/eps + log w_j + <p_i, q_j>/eps)`
    /// for the rows `p` (x when `rows_are_x`) against the other side `q`.
    fn update(&mut self, rows_are_x: bool, pot: &[f64], eps: f64, result: &mut [f64]) {
        let (p, q, lse, lse_eps) = if rows_are_x {
            (&self.x, &self.y, &mut self.lse_x, &mut self.lse_eps[0])
        } else {
            (&self.y, &self.x, &mut self.lse_y, &mut self.lse_eps[1])
        };
        // A new eps stage: the stabiliser that keeps the potential is the old LSE rescaled.
        if *lse_eps != eps {
            let ratio = *lse_eps / eps;
            lse.iter_mut().for_each(|l| *l *= ratio);
            *lse_eps = eps;
        }
        let log_w = -(q.n as f64).ln();
        self.h.clear();
        self.h.extend(
            pot.iter().zip(&q.half_sq).map(|(v, hs)| T::from_f64((v - hs.to_f64()) / eps + log_w)),
        );
        match (&self.dots, rows_are_x) {
            (Some(dots), false) => lse_cols(dots, &self.h, 1.0 / eps, lse),
            (dots, _) => lse_rows(p, q, &self.h, 1.0 / eps, lse, dots.as_ref(), &self.scratch),
        }
        for ((r, l), hs) in result.iter_mut().zip(lse.iter()).zip(&p.half_sq) {
            *r = hs.to_f64() - eps * l;
        }
    }
}

impl<T: Real> SoftMin for FusedSoftMin<T> {
    fn update_source(&mut self, g: &[f64], eps: f64, f: &mut [f64]) -> Result<(), SolverError> {
        self.update(true, g, eps, f);
        Ok(())
    }
    fn update_target(&mut self, f: &[f64], eps: f64, g: &mut [f64]) -> Result<(), SolverError> {
        self.update(false, f, eps, g);
        Ok(())
    }
    fn describe(&self) -> String {
        self.path.clone()
    }
}

/// The mean of all source and target points: the common shift that keeps the cost accurate.
pub(crate) fn common_centre(x: &Points, y: &Points) -> Vec<f64> {
    let d = x.dim();
    let mut c = vec![0.0; d];
    for row in x.rows().chain(y.rows()) {
        for (ck, v) in c.iter_mut().zip(row) {
            *ck += v;
        }
    }
    let total = (x.len() + y.len()) as f64;
    c.iter_mut().for_each(|v| *v /= total);
    c
}

/// The eps stages `eps 2^K, ..., 4 eps, 2 eps, eps` (factor `1/scaling_factor`), the largest at
/// most the mean cost under the independent coupling: above that scale the plan is nearly
/// independent and Sinkhorn converges in a few iterations anyway, so no stage starts there.
/// At most [`MAX_STAGES`] stages (the count is computed before any is made).
pub(crate) fn eps_schedule(
    s: &SinkhornSettings,
    x: &Points,
    y: &Points,
    centre: &[f64],
    eps: f64,
) -> Result<Schedule, SolverError> {
    if !s.eps_scaling {
        return Ok(Schedule { stages: vec![eps], capped_from: None });
    }
    let mean_sq = |p: &Points| {
        p.rows()
            .map(|r| r.iter().zip(centre).map(|(v, c)| (v - c) * (v - c)).sum::<f64>())
            .sum::<f64>()
            / p.len() as f64
    };
    // E|x - y|^2 / 2 for independent x, y measured from their common centre.
    let scale = 0.5 * (mean_sq(x) + mean_sq(y));
    if !scale.is_finite() {
        return Err(SolverError::Input(format!(
            "the mean cost of the points is {scale}: coordinates too large for float64; \
             rescale the data"
        )));
    }
    // Stages above eps: the K with eps / f^K <= scale, i.e. K = floor(ln(scale/eps) / ln(1/f)).
    let wanted = ((scale / eps).ln() / (1.0 / s.scaling_factor).ln()).floor().max(0.0);
    let above = (wanted as usize).min(MAX_STAGES - 1);
    let stages: Vec<f64> =
        (0..=above).rev().map(|k| eps / s.scaling_factor.powi(k as i32)).collect();
    let capped_from = (wanted + 1.0 > MAX_STAGES as f64).then_some(wanted + 1.0);
    Ok(Schedule { stages, capped_from })
}

/// Runs Sinkhorn between the uniform measures on `x` and `y` at regulariser `eps`.
pub(crate) fn run(
    s: &SinkhornSettings,
    x: &Points,
    y: &Points,
    eps: f64,
) -> Result<SolveOutcome, SolverError> {
    let shift = common_centre(x, y);
    let schedule = eps_schedule(s, x, y, &shift, eps)?;
    let (n, m, budget) = (x.len(), y.len(), s.memory_budget_mib);
    let cold = Start::Cold { n, m };
    let stages = &schedule.stages;
    let mut outcome = match (s.resolved_backend(), s.precision) {
        (Backend::Tensor, p) => {
            let mut backend = TensorSoftMin::new(x, y, &shift, &s.device, p)?;
            iterate(s, &mut backend, stages, cold)?
        }
        (_, Precision::F64) => {
            iterate(s, &mut FusedSoftMin::<f64>::new(x, y, &shift, budget), stages, cold)?
        }
        (_, Precision::F32) => {
            iterate(s, &mut FusedSoftMin::<f32>::new(x, y, &shift, budget), stages, cold)?
        }
        (_, Precision::Mixed) => {
            // The float32 backend (and its cache) is dropped before the float64 one is built.
            let fast = iterate(
                s,
                &mut FusedSoftMin::<f32>::new(x, y, &shift, budget),
                stages,
                Start::Fast { n, m },
            );
            let exact = || FusedSoftMin::<f64>::new(x, y, &shift, budget);
            match fast {
                // Float64 from where float32 stopped, within what is left of the final stage's
                // cap; a float32 run that used it all is reported as it stands (not converged).
                Ok(fast) if fast.final_stage_iterations < s.max_iterations => {
                    let left = s.max_iterations - fast.final_stage_iterations;
                    let polish = SinkhornSettings { max_iterations: left, ..s.clone() };
                    let mut out =
                        iterate(&polish, &mut exact(), &[eps], Start::Warm(fast.f, fast.g))?;
                    out.kernel_note = format!(
                        "{}; float32 for {} iterations, then float64 for {}",
                        out.kernel_note, fast.iterations, out.iterations
                    );
                    out.iterations += fast.iterations;
                    out.final_stage_iterations += fast.final_stage_iterations;
                    out.stages = fast.stages;
                    out
                }
                Ok(fast) => SolveOutcome {
                    kernel_note: format!(
                        "{}; float32 only: it used the iteration cap",
                        fast.kernel_note
                    ),
                    ..fast
                },
                // Whatever stopped float32 (a non-finite value), float64 starts over.
                Err(_) => iterate(s, &mut exact(), stages, cold)?,
            }
        }
    };
    outcome.schedule_note = schedule.capped_from.map(|wanted| {
        format!(
            "eps schedule cut to {MAX_STAGES} stages (the geometric schedule from the mean cost \
             would have {wanted:.0}): it starts at {:.4e}",
            schedule.stages[0]
        )
    });
    Ok(outcome)
}

/// Where [`iterate`] starts and when it may stop early.
pub(crate) enum Start {
    /// From zero potentials, run to the tolerance or the cap.
    Cold { n: usize, m: usize },
    /// From zero potentials, and stop the final stage as soon as the error stalls: the float32
    /// phase of `precision=mixed`, whose accuracy has a floor that float64 then goes past.
    Fast { n: usize, m: usize },
    /// From these potentials `(f, g)`.
    Warm(Vec<f64>, Vec<f64>),
}

/// A [`Start::Fast`] run stops when the final stage's error has not reached a new minimum in
/// this many checks: float32's floor, which float64 then goes past. Sinkhorn's error can
/// plateau for a while where it converges slowly, so the window is long.
const STALL_CHECKS: usize = 20;

/// The alternating updates over the eps stages, with the stopping rule.
pub(crate) fn iterate(
    s: &SinkhornSettings,
    backend: &mut dyn SoftMin,
    stages: &[f64],
    start: Start,
) -> Result<SolveOutcome, SolverError> {
    let stop_on_stall = matches!(start, Start::Fast { .. });
    let (mut f, mut g) = match start {
        Start::Cold { n, m } | Start::Fast { n, m } => (vec![0.0; n], vec![0.0; m]),
        Start::Warm(f, g) => (f, g),
    };
    let (n, m) = (f.len(), g.len());
    let (mut f_next, mut g_next) = (vec![0.0; n], vec![0.0; m]);
    let mut relax = Relaxation::new(s.overrelaxation);
    let mut total = 0;
    let (mut it, mut converged, mut err) = (0, false, f64::INFINITY);
    for (stage, &e) in stages.iter().enumerate() {
        let last = stage + 1 == stages.len();
        let (tol, cap) = if last {
            (s.tolerance, s.max_iterations)
        } else {
            (s.stage_tolerance, s.stage_max_iterations)
        };
        // Also after a stage's first iteration: a warm-started stage is often done by then,
        // and a check costs O(m).
        let checks =
            |it: usize| it > 0 && (it.is_multiple_of(s.check_every) || it == cap || it == 1);
        it = 0;
        converged = false;
        relax.restart();
        let (mut best, mut since_best) = (f64::INFINITY, 0);
        loop {
            backend.update_target(&f, e, &mut g_next)?;
            // After a plain f update, the plan (f, g) has exact rows; its column marginal is
            // b_j exp((g_j - g_next_j)/eps), so the check costs O(m), not another pass.
            if checks(it) {
                err = column_error(&g, &g_next, e);
                if !err.is_finite() {
                    return Err(SolverError::Diverged(format!(
                        "marginal error is {err} at eps {e:e}, iteration {it}: float64 cannot \
                         resolve the plan at this eps for this cost scale; raise eps or rescale \
                         the data"
                    )));
                }
                if err < tol {
                    converged = true;
                    break;
                }
                if it == cap {
                    break;
                }
                if err < best {
                    (best, since_best) = (err, 0);
                } else {
                    since_best += 1;
                }
                if stop_on_stall && last && since_best >= STALL_CHECKS {
                    break;
                }
                relax.observe(it, err);
            }
            relax.apply(&mut g, &mut g_next);
            backend.update_source(&g, e, &mut f_next)?;
            it += 1;
            total += 1;
            // The update before a check is plain, so the checked plan has exact rows.
            if checks(it) {
                std::mem::swap(&mut f, &mut f_next);
            } else {
                relax.apply(&mut f, &mut f_next);
            }
        }
    }
    let dual_value = f.iter().sum::<f64>() / n as f64 + g.iter().sum::<f64>() / m as f64;
    if !dual_value.is_finite() {
        return Err(SolverError::Diverged(format!("dual value is {dual_value}")));
    }
    Ok(SolveOutcome {
        f,
        g,
        iterations: total,
        final_stage_iterations: it,
        stages: stages.len(),
        converged,
        marginal_error: err,
        dual_value,
        schedule_note: None,
        kernel_note: backend.describe(),
    })
}

/// `|P^T 1 - b|_2` for uniform `b`, from the current and the next target potential.
fn column_error(g: &[f64], g_next: &[f64], eps: f64) -> f64 {
    let b = 1.0 / g.len() as f64;
    g.iter()
        .zip(g_next)
        .map(|(a, n)| {
            let r = b * (((a - n) / eps).exp() - 1.0);
            r * r
        })
        .sum::<f64>()
        .sqrt()
}
