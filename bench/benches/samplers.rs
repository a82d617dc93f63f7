//! Criterion benches of the neural solvers' samplers of `mu_x^f(y) ∝ exp((f(y) - |x-y|^2/2)/eps)`
//! on 1024 chains with the default potential network (D -> 256 -> 256 -> 256 -> 1, SiLU):
//!
//! - one unadjusted Langevin step, `y <- y + h (grad f(y) - (y - x))/eps + sqrt(2h) N(0, I)`
//!   (`neural::langevin` with `steps = 1`; the call also checks the chains are finite);
//! - MALA (`neural::mala`) with 1 and with 10 steps: a call evaluates `f` and its gradient once
//!   at the start and once per step, so (10 steps - 1 step) / 9 is the cost of one MALA step.
//!
//! The weights are random (uniform on `+-1/sqrt(fan_in)`, like a fresh network): the cost of a
//! step does not depend on their values. Chains restart from `x` on every call.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group};
use eot_datasets::{SuiteRng, substream};
use eot_solvers::neural::{Langevin, Mala, Mlp, NetSettings, langevin, mala, normals};
use rand::Rng;

const CHAINS: usize = 1024;
const EPS: f64 = 1.0;

/// The default potential network on inputs of dimension `d`, with seeded random weights.
fn network(d: usize, rng: &mut SuiteRng) -> Mlp {
    let shape = NetSettings::default().shape(d);
    let mut sizes = vec![d];
    sizes.extend(&shape.hidden);
    sizes.push(1);
    let mut names = shape.names("f").into_iter();
    let mut tensors = HashMap::new();
    for w in sizes.windows(2) {
        let (fan_in, fan_out) = (w[0], w[1]);
        let bound = 1.0 / (fan_in as f32).sqrt();
        for dims in [vec![fan_out, fan_in], vec![fan_out]] {
            let n = dims.iter().product();
            let data: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
            let t = Tensor::from_vec(data, dims, &Device::Cpu).unwrap();
            tensors.insert(names.next().unwrap(), t);
        }
    }
    Mlp::from_tensors(&shape, "f", &tensors, &Device::Cpu).unwrap()
}

fn samplers(c: &mut Criterion) {
    let mut group = c.benchmark_group("samplers_1024_chains");
    // Flat sampling: the 10-step MALA calls take ~0.1 s, too slow for linear sampling's 55
    // calls per sample set in the default 5 s.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for d in [2, 64] {
        let mut rng = substream(0, 1);
        let f = network(d, &mut rng);
        let x = normals(&[CHAINS, d], &mut rng, &Device::Cpu).unwrap();
        let ula = Langevin { steps: 1, step_size: 0.01 * EPS, noise: 1.0 };
        group.bench_function(BenchmarkId::new("langevin_steps1", d), |b| {
            b.iter(|| langevin(&f, &x, &x, EPS, &ula, &mut rng).unwrap())
        });
        for steps in [1, 10] {
            let m = Mala { steps, initial_step: 0.01 * EPS, target_acceptance: 0.57 };
            group.bench_function(BenchmarkId::new(format!("mala_steps{steps}"), d), |b| {
                b.iter(|| mala(&f, &x, &x, EPS, &m, &mut rng).unwrap().y)
            });
        }
    }
    group.finish();
}

criterion_group!(benches, samplers);

fn main() {
    // The binaries' allocator and thread settings (`eot_bench::runtime`), so the numbers are
    // the ones `compare` sees.
    eot_bench::runtime::init();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
