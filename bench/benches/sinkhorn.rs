//! Criterion benches of the Sinkhorn hot path: a fixed number of iterations (no eps-scaling, no
//! early stop) on Gaussian clouds, so the time per iteration is comparable across n and D (it does
//! not depend on eps). The reference rate (numpy's vectorised exp, for the "exp bound") and POT
//! are timed in the same run by `bench/scripts/sinkhorn_vs_pot.py`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use eot_datasets::{GaussianPair, Sampler, substream};
use eot_solvers::sinkhorn::{Sinkhorn, SinkhornSettings};
use eot_solvers::{Eps, FitData};

const ITERATIONS: usize = 10;

fn sinkhorn_iterations(c: &mut Criterion) {
    let mut group = c.benchmark_group("sinkhorn_10_iterations");
    group.sample_size(10);
    // memory budget 0: the O(n + m) path (dot products in registers in 2-D, by gemm tiles in
    // D = 64); 512: the dot products cached once (D > 4, when they fit).
    for (n, d, cache_mib) in
        [(1000, 2, 0), (4000, 2, 0), (1000, 64, 0), (4000, 64, 0), (1000, 64, 512), (4000, 64, 512)]
    {
        let pair = GaussianPair::standard(d, 1.0).unwrap();
        let x = pair.sample_source(n, &mut substream(0, 1));
        let y = pair.sample_target(n, &mut substream(0, 2));
        let settings = SinkhornSettings {
            eps_scaling: false,
            tolerance: 1e-300,
            max_iterations: ITERATIONS,
            check_every: ITERATIONS,
            memory_budget_mib: cache_mib,
            ..Default::default()
        };
        let solver = Sinkhorn::new(settings).unwrap();
        group.throughput(Throughput::Elements((2 * n * n * ITERATIONS) as u64));
        group.bench_function(BenchmarkId::new(format!("d{d}-budget{cache_mib}"), n), |b| {
            b.iter(|| solver.solve(&FitData::samples(&x, &y), Eps::new(1.0).unwrap()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, sinkhorn_iterations);
criterion_main!(benches);
