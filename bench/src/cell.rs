//! One cell of the comparison, synthetic or real: its data, the fit, the scores.

use std::time::Instant;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, anyhow};
use eot_datasets::{BenchmarkPair, GroundTruth, Moments, Points, Sampler, SuiteRng, substream};
use eot_metrics::{bw2_uvp, cbw2_uvp};
use eot_reports::image_grid::ImageRow;
use eot_solvers::{Eps, FitData, FittedPlan, Options, Registry, SolverError};

use crate::calibration;
use crate::external::{self, ExternalFailure, ExternalSolver, Recorder};
use crate::memory;
use crate::sample_metrics::{MetricSet, columns};
use crate::task::Task;
use crate::tasks::{FigureSize, Prepared, figure_row, real_columns, subsample};

/// Seed of the fixed test points: the same for every run seed, as in the benchmark protocol.
pub const TEST_SEED: u64 = 0x7e57;

/// Sample sizes of a cell.
#[derive(Clone, Copy, Debug)]
pub struct EvalSizes {
    /// Training points drawn from each of source and target.
    pub train: usize,
    /// Whether the solvers that take mini-batches draw them fresh from the pair's sampler (the
    /// protocol); otherwise every solver fits on the `train` points only.
    pub fresh: bool,
    /// Test points `x` for cBW2-UVP (benchmark protocol: 1000).
    pub queries: usize,
    /// Draws of `pi(.|x)` per test point when the solver has no closed-form moments (protocol: 1000).
    pub samples_per_query: usize,
    /// Held-out source points pushed forward for BW2-UVP, and held-out pairs for the dual value.
    pub eval: usize,
}

impl EvalSizes {
    /// The training regime as the table's `training` column names it: `unlimited` or `fixed`.
    pub fn regime(&self) -> &'static str {
        if self.fresh { "unlimited" } else { "fixed" }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct CellSpec {
    /// Solver name (a registry entry).
    pub solver: String,
    /// Dataset name (see [`crate::Task`]).
    pub dataset: String,
    /// Dimension D.
    pub dim: usize,
    /// Regulariser (cost `|x-y|^2/2`).
    pub eps: f64,
    /// Run seed: training samples and solver randomness.
    pub seed: u64,
    /// Sample sizes.
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
    /// The cell (its `sizes.train`: the training points per side actually used).
    pub spec: CellSpec,
    /// cBW2-UVP in percent against the exact plan.
    pub cbw2_uvp: Option<f64>,
    /// BW2-UVP in percent of the pushed-forward held-out source.
    pub bw2_uvp: Option<f64>,
    /// Seconds of the fit.
    pub fit_seconds: f64,
    /// Seconds spent drawing the plan's conditional samples to score it (no draws where the
    /// plan knows its conditional moments exactly).
    pub sample_seconds: f64,
    /// Points (source and target together) the solver drew fresh from the pair's sampler
    /// during its fit, beside the fixed `n` a side it was given.
    pub fresh_draws: usize,
    /// Peak resident memory during the fit (`None` where the OS does not say).
    pub peak_mib: Option<f64>,
    /// Iterations or training steps.
    pub iterations: usize,
    /// Whether the fit says it converged.
    pub converged: bool,
    /// `None` when the fit diverged.
    pub dual_value: Option<f64>,
    /// Every setting of the solver, as `(key, value)`.
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
            sample_seconds: 0.0,
            fresh_draws: 0,
            peak_mib: None,
            iterations: 0,
            converged: false,
            dual_value: None,
            settings,
            metrics: Vec::new(),
            notes: vec![format!("diverged: {message}")],
        }
    }

    /// The row of a cell that ended in `e`, a failure [`is_divergence`] accepts: a diverged fit,
    /// or an external program that failed (its note says `failed: ` and why).
    pub fn failed(spec: &CellSpec, settings: Vec<(String, String)>, e: &anyhow::Error) -> Self {
        let mut row = CellResult::diverged(spec, settings, format!("{e:#}"));
        if e.chain().any(|c| c.downcast_ref::<ExternalFailure>().is_some()) {
            row.notes = vec![format!("failed: {e:#}")];
        }
        row
    }
}

/// Whether `e` (anywhere in its chain) is a fit that failed on its own terms (a solver's
/// divergence, an external program's failure): the cell becomes a row that says why and a run
/// goes on.
pub fn is_divergence(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(c.downcast_ref::<SolverError>(), Some(SolverError::Diverged(_)))
            || c.downcast_ref::<ExternalFailure>().is_some()
    })
}

/// How a cell is scored beyond its fit: the sample-metric columns (`compare --metrics`) and,
/// for image tasks, the size of its figure row (`None`: no figure).
#[derive(Clone, Debug)]
pub struct Scoring {
    /// The sample-metric columns and their sizes.
    pub metrics: MetricSet,
    /// The image tasks' figure rows (`None`: none drawn).
    pub figure: Option<FigureSize>,
}

impl Scoring {
    /// No sample metrics, no figure: the ground-truth figures and the dual value only.
    pub fn none() -> Self {
        Scoring { metrics: MetricSet::none(), figure: None }
    }
}

/// What a cell gives: its table row, and for an image task one figure row of decoded draws.
pub struct CellOutcome {
    /// The table row.
    pub result: CellResult,
    /// Decoded draws of an image task's plan.
    pub figure_row: Option<ImageRow>,
}

/// Runs one cell with no sample-metric columns and no figure (see [`run_scored_cell`]).
pub fn run_cell(registry: &Registry, spec: &CellSpec, options: Options) -> Result<CellResult> {
    Ok(run_scored_cell(registry, spec, options, &Scoring::none())?.result)
}

/// [`run_cell`] with the sample-metric columns of `metrics`.
pub fn run_cell_with_metrics(
    registry: &Registry,
    spec: &CellSpec,
    options: Options,
    metrics: &MetricSet,
) -> Result<CellResult> {
    let scoring = Scoring { metrics: metrics.clone(), figure: None };
    Ok(run_scored_cell(registry, spec, options, &scoring)?.result)
}

/// Runs one cell, synthetic or real: the task's training data, the fit (timed, with its peak
/// memory), the dual value on held-out points, then the scores — against the exact plan where
/// the task has one, by sample metrics on held-out points otherwise.
pub fn run_scored_cell(
    registry: &Registry,
    spec: &CellSpec,
    options: Options,
    scoring: &Scoring,
) -> Result<CellOutcome> {
    run_cell_with(&Fitter::Solver { registry, options }, spec, scoring)
}

/// What fits a cell: a solver of a registry, an external program, or a calibration plan of
/// the harness ([`crate::calibration`]).
pub enum Fitter<'a> {
    /// A registry's solver, built with these settings.
    Solver {
        /// The registry.
        registry: &'a Registry,
        /// The solver's settings.
        options: Options,
    },
    /// Another program ([`crate::external`]).
    External(&'a ExternalSolver),
    /// `truth` or `independent`.
    Calibration(&'a str),
}

/// A fitted plan with how its fit went.
struct Fitted<'a> {
    plan: Box<dyn FittedPlan + 'a>,
    seconds: f64,
    peak_mib: Option<f64>,
    fresh_draws: usize,
    settings: Vec<(String, String)>,
}

impl Fitter<'_> {
    fn fit<'a>(
        &self,
        inputs: &'a Inputs,
        spec: &CellSpec,
        scoring: &Scoring,
    ) -> Result<Fitted<'a>> {
        let eps = Eps::new(spec.eps)?;
        let (source, target) = inputs.training();
        match self {
            Fitter::Solver { registry, options } => {
                let solver = registry.build(&spec.solver, options.clone())?;
                let sampler = inputs.pair().filter(|_| spec.sizes.fresh).map(CountingSampler::new);
                memory::reset_peak();
                let start = Instant::now();
                let counted = sampler.as_ref().map(|s| s as &dyn Sampler);
                let data = FitData { source, target, sampler: counted };
                let plan = solver
                    .fit(&data, eps, spec.seed)
                    .with_context(|| format!("fitting {}", spec.label()))?;
                Ok(Fitted {
                    plan,
                    seconds: start.elapsed().as_secs_f64(),
                    peak_mib: memory::peak_mib(),
                    fresh_draws: sampler.map_or(0, |s| s.drawn.into_inner()),
                    settings: solver.settings(),
                })
            }
            Fitter::External(program) => {
                // A dry run of the scoring lists every query set the program must answer.
                let recorder = Recorder::new(source.dim(), eps.get());
                inputs.score(&recorder, spec, scoring)?;
                let requests = recorder.into_requests();
                let run = external::run(program, source, target, eps.get(), spec.seed, requests)?;
                Ok(Fitted {
                    plan: Box::new(run.plan),
                    seconds: run.seconds,
                    peak_mib: run.peak_mib,
                    fresh_draws: 0,
                    settings: program.settings(),
                })
            }
            Fitter::Calibration(name) => {
                let pair = inputs.pair().ok_or_else(|| {
                    anyhow!("{name} needs a synthetic pair; {} is a real task", spec.dataset)
                })?;
                Ok(Fitted {
                    plan: calibration::plan(name, pair, eps.get())?,
                    seconds: 0.0,
                    peak_mib: None,
                    fresh_draws: 0,
                    settings: calibration::settings(name),
                })
            }
        }
    }
}

/// Runs one cell with `fitter`: the task's training data, the fit, the dual value on held-out
/// points where the plan has one, then the scores, against the exact plan where the task has
/// one, by sample metrics on held-out points otherwise.
pub fn run_cell_with(fitter: &Fitter, spec: &CellSpec, scoring: &Scoring) -> Result<CellOutcome> {
    let task = Task::by_name(&spec.dataset)?;
    let inputs = Inputs::new(&task, spec)?;
    let fitted = fitter.fit(&inputs, spec, scoring)?;
    let plan = fitted.plan.as_ref();
    let (held_x, held_y) = inputs.held_out();
    let dual_value = match plan.dual_value(&held_x, &held_y) {
        Ok(d) => Some(d.value),
        Err(SolverError::Unsupported(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let start = Instant::now();
    let scores =
        inputs.score(plan, spec, scoring).with_context(|| format!("scoring {}", spec.label()))?;
    let sample_seconds = start.elapsed().as_secs_f64();
    let report = plan.report();
    let (source, target) = inputs.training();
    let mut spec = spec.clone();
    spec.sizes.train = source.len().min(target.len());
    Ok(CellOutcome {
        result: CellResult {
            spec,
            cbw2_uvp: scores.cbw2_uvp,
            bw2_uvp: scores.bw2_uvp,
            fit_seconds: fitted.seconds,
            sample_seconds,
            fresh_draws: fitted.fresh_draws,
            peak_mib: fitted.peak_mib,
            iterations: report.iterations,
            converged: report.converged,
            dual_value,
            settings: fitted.settings,
            metrics: scores.metrics,
            notes: report.notes.clone(),
        },
        figure_row: scores.figure_row,
    })
}

/// The pair as a solver sees it: fresh samples, counted, and no ground truth.
struct CountingSampler<'a> {
    pair: &'a dyn BenchmarkPair,
    drawn: AtomicUsize,
}

impl<'a> CountingSampler<'a> {
    fn new(pair: &'a dyn BenchmarkPair) -> Self {
        CountingSampler { pair, drawn: AtomicUsize::new(0) }
    }
}

impl Sampler for CountingSampler<'_> {
    fn dim(&self) -> usize {
        self.pair.dim()
    }
    fn sample_source(&self, n: usize, rng: &mut SuiteRng) -> Points {
        self.drawn.fetch_add(n, Ordering::Relaxed);
        self.pair.sample_source(n, rng)
    }
    fn sample_target(&self, n: usize, rng: &mut SuiteRng) -> Points {
        self.drawn.fetch_add(n, Ordering::Relaxed);
        self.pair.sample_target(n, rng)
    }
}

/// A cell's scores, before they join the fit's figures in its row.
struct Scores {
    cbw2_uvp: Option<f64>,
    bw2_uvp: Option<f64>,
    metrics: Vec<(String, Option<f64>)>,
    figure_row: Option<ImageRow>,
}

/// The points a cell fits and scores on.
enum Inputs {
    /// Training samples of the pair drawn from the run seed, the pair for fresh mini-batches.
    Synthetic { pair: Box<dyn BenchmarkPair>, source: Points, target: Points, eval: usize },
    /// At most `train` points a side of the task's training split, drawn from the run seed.
    Real { data: Arc<Prepared>, source: Points, target: Points },
}

impl Inputs {
    fn new(task: &Task, spec: &CellSpec) -> Result<Self> {
        let n = spec.sizes.train;
        if let Some(pair) = task.pair(spec.dim, spec.eps)? {
            let source = pair.sample_source(n, &mut substream(spec.seed, 1));
            let target = pair.sample_target(n, &mut substream(spec.seed, 2));
            return Ok(Inputs::Synthetic { pair, source, target, eval: spec.sizes.eval });
        }
        let data = task.prepared()?.ok_or_else(|| anyhow!("{}: no data", task.name()))?;
        let source = subsample(&data.source_train, n, spec.seed, 1);
        let target = subsample(&data.target_train, n, spec.seed, 2);
        Ok(Inputs::Real { data, source, target })
    }

    fn training(&self) -> (&Points, &Points) {
        match self {
            Inputs::Synthetic { source, target, .. } | Inputs::Real { source, target, .. } => {
                (source, target)
            }
        }
    }

    fn pair(&self) -> Option<&dyn BenchmarkPair> {
        match self {
            Inputs::Synthetic { pair, .. } => Some(pair.as_ref()),
            Inputs::Real { .. } => None,
        }
    }

    /// Held-out source and target points of the dual value, the same for every solver and seed.
    fn held_out(&self) -> (Points, Points) {
        match self {
            Inputs::Synthetic { pair, eval, .. } => (
                pair.sample_source(*eval, &mut substream(TEST_SEED, 5)),
                pair.sample_target(*eval, &mut substream(TEST_SEED, 6)),
            ),
            Inputs::Real { data, .. } => {
                let n = data.source_test.len().min(data.target_test.len());
                (data.source_test.head(n), data.target_test.head(n))
            }
        }
    }

    fn score(&self, plan: &dyn FittedPlan, spec: &CellSpec, scoring: &Scoring) -> Result<Scores> {
        let set = &scoring.metrics;
        match self {
            Inputs::Synthetic { pair, .. } => {
                let (cbw2_uvp, bw2_uvp) = match pair.ground_truth() {
                    Some(truth) => {
                        let (c, b) = score(pair.as_ref(), truth, plan, spec)?;
                        (Some(c), Some(b))
                    }
                    None => (None, None),
                };
                let metrics = if set.names.is_empty() {
                    Vec::new()
                } else {
                    let (held_x, held_y) = self.held_out();
                    sample_metrics(plan, &held_x, &held_y, set, spec.seed)?
                };
                Ok(Scores { cbw2_uvp, bw2_uvp, metrics, figure_row: None })
            }
            Inputs::Real { data, target, .. } => {
                let metrics = real_columns(data, plan, set, spec.seed, target)?;
                let figure_row = match scoring.figure {
                    Some(size) => figure_row(data, plan, spec, size)?,
                    None => None,
                };
                Ok(Scores { cbw2_uvp: None, bw2_uvp: None, metrics, figure_row })
            }
        }
    }
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
    // Blocks of queries keep the draws in memory bounded (1000 test points x 1000 draws in
    // D = 128 would be 1 GB at once); 256 matches the guided sampler's own blocks.
    let d = queries.dim();
    let mut out = Vec::with_capacity(queries.len());
    for block in queries.as_slice().chunks(QUERY_BLOCK * d) {
        let block = Points::new(block.to_vec(), block.len() / d, d)?;
        let draws = plan.sample(&block, k, rng)?;
        for rows in draws.as_slice().chunks(k * d) {
            out.push(Moments::empirical(&Points::new(rows.to_vec(), k, d)?)?);
        }
    }
    Ok(out)
}

/// Test points whose draws are made and summarised together.
const QUERY_BLOCK: usize = 256;

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
