//! `select=auto`: settings chosen without ground truth. A solver declares a few candidate
//! settings ([`Algorithm::CANDIDATES`]); each is fitted on part of the user's points and scored
//! by the weak dual `L(f) = -eps mean_x log Z(f, x) + mean_y f(y)` on the held-out rest (higher
//! is better: every potential's dual is at most the optimum), and the winner is refitted on all
//! of them. The choice sees only a [`FitData`], which holds points and, at most, a sampler of
//! more points: never the pair's ground truth.

use eot_datasets::{Points, substream};
use rand::seq::SliceRandom;

use crate::configured::{Algorithm, Configured};
use crate::{
    DualValue, Eps, Exactness, FitData, FitReport, FittedPlan, LogPartition, Options, Solver,
    SolverError,
};

/// Share of the points held out to score the candidates when the data is a fixed sample.
pub const VALIDATION_SHARE: f64 = 0.2;

/// The held-out dual of one candidate.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The settings it changes, `key=value` joined by spaces (`defaults` when none).
    pub label: String,
    /// Its held-out dual value, or why it has none (its fit failed or diverged).
    pub dual: Result<DualValue, String>,
}

/// What [`select_by_dual`] found: every candidate's held-out dual and the winner's index.
#[derive(Clone, Debug)]
pub struct Selection {
    /// The candidates, in the order given.
    pub candidates: Vec<Candidate>,
    /// The candidate with the highest held-out dual.
    pub chosen: usize,
    /// Held-out points per side the duals were computed on.
    pub validation_points: usize,
}

impl Selection {
    /// One line for a fit's notes: the winner and every candidate's value.
    pub fn note(&self) -> String {
        let values: Vec<String> = self
            .candidates
            .iter()
            .map(|c| match &c.dual {
                Ok(d) => format!("[{}] {:.6}{}", c.label, d.value, estimated_mark(&d.exactness)),
                Err(e) => format!("[{}] failed: {e}", c.label),
            })
            .collect();
        format!(
            "select=auto chose [{}] by the held-out weak dual on {} points per side (higher is better; * = log Z estimated): {}",
            self.candidates[self.chosen].label,
            self.validation_points,
            values.join(", ")
        )
    }
}

fn estimated_mark(e: &Exactness) -> &'static str {
    match e {
        Exactness::Exact => "",
        Exactness::Estimate { .. } => "*",
    }
}

/// Fits every `(label, solver)` on the training part of `data` and scores it by the weak dual
/// on the held-out part: with a sampler, the candidates train on its fresh draws (and as many
/// fresh points as `data` has) and all of `data`'s points are held out; without one, [`VALIDATION_SHARE`] of the points of each side
/// (a seeded shuffle) are held out and the candidates train on the rest. Fails only when no
/// candidate has a dual value.
pub fn select_by_dual(
    candidates: &[(String, Box<dyn Solver>)],
    data: &FitData,
    eps: Eps,
    seed: u64,
) -> Result<Selection, SolverError> {
    data.check()?;
    let (train_source, train_target, held_source, held_target);
    let train = match data.sampler {
        Some(sampler) => {
            // The given points are held out whole; the candidates get as many fresh ones (some
            // solvers read the points too, e.g. to place their proposals) and the sampler.
            (held_source, held_target) = (data.source.clone(), data.target.clone());
            train_source = sampler.sample_source(data.source.len(), &mut substream(seed, 11));
            train_target = sampler.sample_target(data.target.len(), &mut substream(seed, 12));
            FitData { source: &train_source, target: &train_target, sampler: data.sampler }
        }
        None => {
            let (a, b) = split(data.source, seed, 1, "select=auto")?;
            let (c, d) = split(data.target, seed, 2, "select=auto")?;
            (train_source, held_source, train_target, held_target) = (a, b, c, d);
            FitData::samples(&train_source, &train_target)
        }
    };
    let scored: Vec<Candidate> = candidates
        .iter()
        .map(|(label, solver)| {
            let dual = solver
                .fit(&train, eps, seed)
                .and_then(|plan| plan.dual_value(&held_source, &held_target))
                .map_err(|e| e.to_string());
            Candidate { label: label.clone(), dual }
        })
        .collect();
    let chosen = scored
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.dual.as_ref().ok().map(|d| (i, d.value)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
        .ok_or_else(|| {
            let why: Vec<String> = scored
                .iter()
                .map(|c| {
                    format!("[{}] {}", c.label, c.dual.as_ref().err().cloned().unwrap_or_default())
                })
                .collect();
            SolverError::Diverged(format!("select=auto: no candidate fitted: {}", why.join("; ")))
        })?;
    Ok(Selection { candidates: scored, chosen, validation_points: held_source.len() })
}

/// `(kept, held out)`: a seeded shuffle of the rows, [`VALIDATION_SHARE`] of them held out
/// (`stream` tells the shuffles of different uses apart); `what` names the use in the error.
pub(crate) fn split(
    points: &Points,
    seed: u64,
    stream: u64,
    what: &str,
) -> Result<(Points, Points), SolverError> {
    let n = points.len();
    let held = ((n as f64 * VALIDATION_SHARE).round() as usize).max(1);
    if n < held + 2 {
        return Err(SolverError::Input(format!(
            "{what} holds out {:.0} % of the points to score on; {n} points per side are too few",
            VALIDATION_SHARE * 100.0
        )));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut substream(seed ^ 0x5e1ec7, stream));
    let mut is_held = vec![false; n];
    for &i in &order[..held] {
        is_held[i] = true;
    }
    Ok((points.select(|i| !is_held[i]), points.select(|i| is_held[i])))
}

/// A solver whose settings are chosen by [`select_by_dual`] among its algorithm's
/// [`Algorithm::CANDIDATES`], each applied on top of the user's other settings.
pub(crate) struct Selecting<A> {
    base: A,
    candidates: Vec<(String, Box<dyn Solver>)>,
}

impl<A: Algorithm> Selecting<A> {
    /// The user's `options` (without `select`) and each candidate applied on top of them (a
    /// candidate's value replaces the user's for the keys it sets).
    pub(crate) fn new(options: Options) -> Result<Self, SolverError> {
        if A::CANDIDATES.is_empty() {
            return Err(SolverError::Unsupported(format!(
                "select=auto: {} declares no candidate settings (its held-out dual is not a \
                 yardstick for its settings); set them with --opt instead",
                A::NAME
            )));
        }
        let base = A::from_options(options.clone())?;
        let candidates = A::CANDIDATES
            .iter()
            .map(|c| {
                let label = if c.is_empty() { "defaults".to_string() } else { c.join(" ") };
                let mut o = options.clone();
                for kv in c.iter() {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    o = o.with(k, v);
                }
                let solver: Box<dyn Solver> = Box::new(Configured::new(A::from_options(o)?)?);
                Ok((label, solver))
            })
            .collect::<Result<_, SolverError>>()?;
        Ok(Selecting { base, candidates })
    }
}

impl<A: Algorithm> Solver for Selecting<A> {
    fn name(&self) -> &str {
        A::NAME
    }
    fn settings(&self) -> Vec<(String, String)> {
        let mut s = self.base.describe();
        let labels: Vec<&str> = self.candidates.iter().map(|(l, _)| l.as_str()).collect();
        s.push(("select".into(), format!("auto among [{}]", labels.join("] ["))));
        s
    }
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError> {
        let selection = select_by_dual(&self.candidates, data, eps, seed)?;
        let inner = self.candidates[selection.chosen].1.fit(data, eps, seed)?;
        let mut report = inner.report().clone();
        report.notes.push(selection.note());
        Ok(Box::new(Selected { inner, report }))
    }
}

/// The winner's plan, with the selection in its report's notes.
struct Selected {
    inner: Box<dyn FittedPlan>,
    report: FitReport,
}

impl FittedPlan for Selected {
    fn eps(&self) -> f64 {
        self.inner.eps()
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn report(&self) -> &FitReport {
        &self.report
    }
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        self.inner.potential(y)
    }
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        self.inner.log_partition(x)
    }
    fn sample(
        &self,
        x: &Points,
        k: usize,
        rng: &mut eot_datasets::SuiteRng,
    ) -> Result<Points, SolverError> {
        self.inner.sample(x, k, rng)
    }
    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        self.inner.barycentric_map(x)
    }
    fn conditional_moments(&self, x: &[f64]) -> Option<eot_datasets::Moments> {
        self.inner.conditional_moments(x)
    }
    fn dual_value(&self, x: &Points, y: &Points) -> Result<DualValue, SolverError> {
        self.inner.dual_value(x, y)
    }
}
