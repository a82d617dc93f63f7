//! Criterion benches of one training step of each neural solver, through the same training state
//! their `fit` runs (`VarEotSolver::start_training`, `EgnotSolver::start_training`): the
//! mini-batch drawn from the benchmark pair, the loss, backward pass, clipping, AdamW and EMA.
//! Networks, data and the pair are built once, outside the timed loop; each timed call is one
//! step of a run that keeps training (the cost of a step does not depend on the weights).
//!
//! - VarEOT at its defaults (D -> 256 -> 256 -> 256 -> 1 SiLU, batch 128, K 64), D = 2 and 64,
//!   and at the authors' sizes (batch 256, K 256) at D = 64, as in the PyTorch table of docs/performance.md.
//! - EgNOT at its defaults (batch 128, 100 Langevin steps per training step), D = 2 and 64.

use eot_solvers::Algorithm as _;
use eot_solvers::neural::Training as _;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group};
use eot_datasets::{GmmPair, GmmPairSettings, Points, Sampler, substream};
use eot_solvers::egnot::{EgnotSettings, EgnotSolver};
use eot_solvers::vareot::{VarEotSettings, VarEotSolver};
use eot_solvers::{Eps, FitData, Options};

const EPS: f64 = 1.0;

/// The benchmark pair at `d` and the fixed training samples `compare` would give a solver.
fn data(d: usize) -> (GmmPair, Points, Points) {
    let pair = GmmPair::new(&GmmPairSettings::benchmark(d, EPS)).unwrap();
    let x = pair.sample_source(2000, &mut substream(0, 1));
    let y = pair.sample_target(2000, &mut substream(0, 2));
    (pair, x, y)
}

fn vareot_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("vareot_step");
    // Steps take 50-600 ms: flat sampling gives each of the 10 samples the same few steps,
    // where linear sampling would need at least 1 + 2 + ... + 10 = 55.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    // 10 steps of ~0.6 s at batch 256, K 256 need more than the default 5 s.
    group.measurement_time(Duration::from_secs(8));
    for (d, batch, proposals) in [(2, 128, 64), (64, 128, 64), (64, 256, 256)] {
        let (pair, x, y) = data(d);
        let fit_data = FitData { source: &x, target: &y, sampler: Some(&pair) };
        let settings = VarEotSettings::from_options(
            Options::new().with("batch", batch).with("proposals", proposals),
        )
        .unwrap();
        let solver = VarEotSolver::new(settings).unwrap();
        let mut training = solver.start_training(&fit_data, Eps::new(EPS).unwrap(), 0).unwrap();
        // The first step pays one-time costs (measured 3.3 s against 0.6 s for the second at
        // batch 256, K 256, its buffers all fresh from the allocator): untimed, as setup.
        training.step().unwrap();
        let id = BenchmarkId::from_parameter(format!("d{d}-batch{batch}-k{proposals}"));
        group.bench_function(id, |b| b.iter(|| training.step().unwrap()));
    }
    group.finish();
}

fn egnot_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("egnot_step");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for d in [2, 64] {
        let (pair, x, y) = data(d);
        let fit_data = FitData { source: &x, target: &y, sampler: Some(&pair) };
        let solver = EgnotSolver::new(EgnotSettings::default()).unwrap();
        let mut training = solver.start_training(&fit_data, Eps::new(EPS).unwrap(), 0).unwrap();
        training.step().unwrap();
        let id = BenchmarkId::from_parameter(format!("d{d}-batch128-chain100"));
        group.bench_function(id, |b| b.iter(|| training.step().unwrap()));
    }
    group.finish();
}

criterion_group!(benches, vareot_step, egnot_step);

fn main() {
    // The binaries' allocator and thread settings (`eot_bench::runtime`), so the numbers are
    // the ones `compare` sees.
    eot_bench::runtime::init();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
