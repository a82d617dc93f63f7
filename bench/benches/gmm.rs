//! Criterion bench of the Gaussian-mixture (LightSB) plan's closed-form `log Z(f, x)` on a batch
//! of source points: a log-sum-exp over K = 50 components of
//! `log alpha_k + (x^T S_k x + 2 r_k^T x) / (2 eps)` per point, the evaluation behind the plan's
//! dual value and its conditional weights `w_k(x)`.
//!
//! The mixture is a real fit (the authors' 50 components with diagonal `S`, the solver's defaults
//! otherwise but 50 Adam steps and one start): the evaluation's cost does not depend on how well
//! it was trained, and a short fit keeps the setup to seconds.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use eot_datasets::{GmmPair, GmmPairSettings, Sampler, substream};
use eot_solvers::Algorithm as _;
use eot_solvers::gmm::{GmmSettings, GmmSolver};
use eot_solvers::{Eps, FitData, FittedPlan, Options};

/// Source points per `log_partition` call.
const BATCH: usize = 1024;
const EPS: f64 = 1.0;

fn log_partition(c: &mut Criterion) {
    let mut group = c.benchmark_group("gmm_log_partition_k50");
    group.sample_size(10);
    for d in [2, 16, 64] {
        let pair = GmmPair::new(&GmmPairSettings::benchmark(d, EPS)).unwrap();
        let x = pair.sample_source(2000, &mut substream(0, 1));
        let y = pair.sample_target(2000, &mut substream(0, 2));
        let settings = GmmSettings::from_options(
            Options::new()
                .with("components", 50)
                .with("covariance", "diagonal")
                .with("steps", 50)
                .with("starts", 1),
        )
        .unwrap();
        let plan = GmmSolver::new(settings)
            .unwrap()
            .fit_mixture(&FitData::samples(&x, &y), Eps::new(EPS).unwrap(), 0)
            .unwrap();
        let queries = pair.sample_source(BATCH, &mut substream(0, 3));
        // One element = one (point, component) term of the log-sum-exp.
        group.throughput(Throughput::Elements((BATCH * 50) as u64));
        group.bench_function(BenchmarkId::new(format!("d{d}"), BATCH), |b| {
            b.iter(|| plan.log_partition(&queries).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, log_partition);

fn main() {
    // The binaries' allocator and thread settings (`eot_bench::runtime`), so the numbers are
    // the ones `compare` sees.
    eot_bench::runtime::init();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
