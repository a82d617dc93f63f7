//! One cell of the comparison: sample, fit, score against the exact plan.

use std::time::Instant;

use anyhow::{Context, Result};
use eot_datasets::{
    BenchmarkPair, GroundTruth, Moments, Points, SuiteRng, pair_by_name, substream,
};
use eot_metrics::{bw2_uvp, cbw2_uvp};
use eot_solvers::{Eps, FitData, FittedPlan, Options, Registry, SolverError};

use crate::memory;
use crate::sample_metrics::{MetricSet, columns};

/// Seed of the fixed test points: the same for every run seed, as in the benchmark protocol.
const TEST_SEED: u64 = 0x7e57;

/// Sample sizes of a cell.
#[derive(Clone, Copy, Debug)]
pub struct EvalSizes {
    /// Training points drawn from each of source and target.
    pub train: usize,
    /// Test points `x` for cBW2-UVP (benchmark protocol: 1000).
    pub queries: usize,
    /// Draws of `pi(.|x)` per test point when the solver has no closed-form moments (protocol: 1000).
    pub samples_per_query: usize,
    /// Held-out source points pushed forward for BW2-UVP, and held-out pairs for the dual value.
    pub eval: usize,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct CellSpec {
    pub solver: String,
    pub dataset: String,
    pub dim: usize,
    pub eps: f64,
    pub seed: u64,
    pub sizes: EvalSizes,
}

impl CellSpec {
    /// `solver dataset D=.. eps=.. seed=..`, eps in scientific notation when it is tiny or huge.
    pub fn label(&self) -> String {
        format!(
            "{} {} D={} eps={} seed={}",
            self.solver,
            self.dataset,
            self.dim,
            compact(self.eps),
            self.seed
        )
    }
}

/// `v` as Rust prints it, or in scientific notation outside `[1e-4, 1e6)` (where the plain
/// form runs to hundreds of digits).
pub fn compact(v: f64) -> String {
    if v != 0.0 && !(1e-4..1e6).contains(&v.abs()) { format!("{v:e}") } else { format!("{v}") }
}

/// What came out. `None` where a figure does not exist for the cell (no ground truth).
#[derive(Clone, Debug)]
pub struct CellResult {
    pub spec: CellSpec,
    pub cbw2_uvp: Option<f64>,
    pub bw2_uvp: Option<f64>,
    pub fit_seconds: f64,
    pub peak_mib: Option<f64>,
    pub iterations: usize,
    pub converged: bool,
    /// `None` when the fit diverged.
    pub dual_value: Option<f64>,
    pub settings: Vec<(String, String)>,
    /// The sample-metric columns asked for (`compare --metrics`), in order; empty by default.
    pub metrics: Vec<(String, Option<f64>)>,
    /// The solver's own remarks on the fit (speed, clamping, Langevin evaluations, ...).
    pub notes: Vec<String>,
}

impl CellResult {
    /// The row of a cell whose training diverged: no scores, `converged` false, and the
    /// solver's message as its note, so one diverged cell does not end a long run.
    pub fn diverged(spec: &CellSpec, settings: Vec<(String, String)>, message: String) -> Self {
        CellResult {
            spec: spec.clone(),
            cbw2_uvp: None,
            bw2_uvp: None,
            fit_seconds: 0.0,
            peak_mib: None,
            iterations: 0,
            converged: false,
            dual_value: None,
            settings,
            metrics: Vec::new(),
            notes: vec![format!("diverged: {message}")],
        }
    }
}

/// Whether `e` (anywhere in its chain) is a solver's divergence.
pub fn is_divergence(e: &anyhow::Error) -> bool {
    e.chain().any(|c| matches!(c.downcast_ref::<SolverError>(), Some(SolverError::Diverged(_))))
}

/// Samples the pair, fits the solver and scores it (no sample-metric columns).
pub fn run_cell(registry: &Registry, spec: &CellSpec, options: Options) -> Result<CellResult> {
    run_cell_with_metrics(registry, spec, options, &MetricSet::none())
}

/// [`run_cell`] plus the sample metrics of `metrics`, computed on the first `metrics.points`
/// held-out points: the source pushed forward by one draw of the plan each, against the
/// held-out target sample (the same fixed points for every solver and seed).
pub fn run_cell_with_metrics(
    registry: &Registry,
    spec: &CellSpec,
    options: Options,
    metrics: &MetricSet,
) -> Result<CellResult> {
    let solver = registry.build(&spec.solver, options)?;
    let pair = pair_by_name(&spec.dataset, spec.dim, spec.eps)?;
    let sizes = spec.sizes;
    let source = pair.sample_source(sizes.train, &mut substream(spec.seed, 1));
    let target = pair.sample_target(sizes.train, &mut substream(spec.seed, 2));
    let eps = Eps::new(spec.eps)?;

    memory::reset_peak();
    let start = Instant::now();
    let data = FitData { source: &source, target: &target, sampler: Some(pair.as_ref()) };
    let plan =
        solver.fit(&data, eps, spec.seed).with_context(|| format!("fitting {}", spec.label()))?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let peak_mib = memory::peak_mib();

    let held_x = pair.sample_source(sizes.eval, &mut substream(TEST_SEED, 5));
    let held_y = pair.sample_target(sizes.eval, &mut substream(TEST_SEED, 6));
    let dual_value = plan.dual_value(&held_x, &held_y)?.value;
    let (cbw2, bw2) = match pair.ground_truth() {
        Some(truth) => {
            let (c, b) = score(pair.as_ref(), truth, plan.as_ref(), spec)?;
            (Some(c), Some(b))
        }
        None => (None, None),
    };
    let metrics = if metrics.names.is_empty() {
        Vec::new()
    } else {
        sample_metrics(plan.as_ref(), &held_x, &held_y, metrics, spec.seed)
            .with_context(|| format!("sample metrics of {} on {}", spec.solver, spec.dataset))?
    };
    let report = plan.report();
    Ok(CellResult {
        spec: spec.clone(),
        cbw2_uvp: cbw2,
        bw2_uvp: bw2,
        fit_seconds,
        peak_mib,
        iterations: report.iterations,
        converged: report.converged,
        dual_value: Some(dual_value),
        settings: solver.settings(),
        metrics,
        notes: report.notes.clone(),
    })
}

/// The metric columns on the first `set.points` held-out points (seeded by the run seed).
fn sample_metrics(
    plan: &dyn FittedPlan,
    held_x: &Points,
    held_y: &Points,
    set: &MetricSet,
    seed: u64,
) -> Result<Vec<(String, Option<f64>)>> {
    let (x, y) = (held_x.head(set.points), held_y.head(set.points));
    let mut rng = substream(seed, 8);
    let y_hat = plan.sample(&x, 1, &mut rng)?;
    let draws = if set.names.iter().any(|n| n == "diversity") {
        Some(plan.sample(&x.head(set.diversity_queries), set.diversity_draws, &mut rng)?)
    } else {
        None
    };
    columns(set, &x, &y_hat, &y, draws.as_ref(), seed)
}

/// The plan's closed-form conditional moments at each query when it has them, else the
/// empirical moments of `k` draws per query, drawn for all queries in one call (the neural
/// samplers then run every query's chains together, in large matrix products).
fn conditional_estimates(
    plan: &dyn FittedPlan,
    queries: &Points,
    k: usize,
    rng: &mut SuiteRng,
) -> Result<Vec<Moments>> {
    let closed: Option<Vec<Moments>> =
        queries.rows().map(|x| plan.conditional_moments(x)).collect();
    if let Some(m) = closed {
        return Ok(m);
    }
    let draws = plan.sample(queries, k, rng)?;
    let d = queries.dim();
    draws
        .as_slice()
        .chunks(k * d)
        .map(|rows| Ok(Moments::empirical(&Points::new(rows.to_vec(), k, d)?)?))
        .collect()
}

/// cBW2-UVP over fixed test points and BW2-UVP of the pushed-forward held-out source.
fn score(
    pair: &dyn BenchmarkPair,
    truth: &dyn GroundTruth,
    plan: &dyn FittedPlan,
    spec: &CellSpec,
) -> Result<(f64, f64)> {
    let sizes = spec.sizes;
    let target = truth.target_moments();
    let queries = pair.sample_source(sizes.queries, &mut substream(TEST_SEED, 3));
    let mut rng = substream(spec.seed, 4);
    let estimates = conditional_estimates(plan, &queries, sizes.samples_per_query, &mut rng)?;
    let pairs: Vec<(Moments, Moments)> =
        estimates.into_iter().zip(queries.rows().map(|x| truth.conditional_moments(x))).collect();
    let cbw2 = cbw2_uvp(&pairs, target.variance())?;
    let pushed =
        plan.sample(&pair.sample_source(sizes.eval, &mut substream(TEST_SEED, 7)), 1, &mut rng)?;
    let bw2 = bw2_uvp(&Moments::empirical(&pushed)?, &target)?;
    Ok((cbw2, bw2))
}
