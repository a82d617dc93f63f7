//! One cell of the comparison: sample, fit, score against the exact plan.

use std::time::Instant;

use anyhow::{Context, Result};
use eot_datasets::{BenchmarkPair, GroundTruth, Moments, Points, pair_by_name, substream};
use eot_metrics::{bw2_uvp, cbw2_uvp};
use eot_solvers::{Eps, FitData, FittedPlan, Options, Registry};

use crate::memory;

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
    pub dual_value: f64,
    pub settings: Vec<(String, String)>,
}

/// Samples the pair, fits the solver and scores it.
pub fn run_cell(registry: &Registry, spec: &CellSpec, options: Options) -> Result<CellResult> {
    let solver = registry.build(&spec.solver, options)?;
    let pair = pair_by_name(&spec.dataset, spec.dim, spec.eps)?;
    let sizes = spec.sizes;
    let source = pair.sample_source(sizes.train, &mut substream(spec.seed, 1));
    let target = pair.sample_target(sizes.train, &mut substream(spec.seed, 2));
    let eps = Eps::new(spec.eps)?;

    memory::reset_peak();
    let start = Instant::now();
    let data = FitData { source: &source, target: &target, sampler: Some(pair.as_ref()) };
    let plan = solver.fit(&data, eps, spec.seed).with_context(|| {
        format!("fitting {} on {} D={} eps={}", spec.solver, spec.dataset, spec.dim, spec.eps)
    })?;
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
    let report = plan.report();
    Ok(CellResult {
        spec: spec.clone(),
        cbw2_uvp: cbw2,
        bw2_uvp: bw2,
        fit_seconds,
        peak_mib,
        iterations: report.iterations,
        converged: report.converged,
        dual_value,
        settings: solver.settings(),
    })
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
    let mut pairs = Vec::with_capacity(queries.len());
    for x in queries.rows() {
        let estimate = match plan.conditional_moments(x) {
            Some(m) => m,
            None => {
                let q = Points::new(x.to_vec(), 1, x.len())?;
                Moments::empirical(&plan.sample(&q, sizes.samples_per_query, &mut rng)?)?
            }
        };
        pairs.push((estimate, truth.conditional_moments(x)));
    }
    let cbw2 = cbw2_uvp(&pairs, target.variance())?;
    let pushed =
        plan.sample(&pair.sample_source(sizes.eval, &mut substream(TEST_SEED, 7)), 1, &mut rng)?;
    let bw2 = bw2_uvp(&Moments::empirical(&pushed)?, &target)?;
    Ok((cbw2, bw2))
}
