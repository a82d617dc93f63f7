//! The Gaussian-mixture (LightSB) solver against the exact plans of the benchmark pairs, through
//! the harness `compare` uses (default settings: 50 components, 10,000 Adam steps, batch 128).

use eot_bench::{CellSpec, EvalSizes, run_cell};
use eot_solvers::{Options, Registry};

fn cbw2(eps: f64) -> f64 {
    let spec = CellSpec {
        solver: "gmm".into(),
        dataset: "gmm".into(),
        dim: 2,
        eps,
        seed: 0,
        sizes: EvalSizes { train: 2000, queries: 100, samples_per_query: 1000, eval: 2000 },
    };
    run_cell(&Registry::builtin(), &spec, Options::new()).unwrap().cbw2_uvp.unwrap()
}

/// Measured 0.03 % (eps 0.1) and 0.02 % (eps 10); the published LightSB figures at D = 2 are
/// 0.03-0.07 %. The bound for D <= 16 is 0.3 %.
#[test]
fn gmm_solver_d2_is_within_a_third_of_a_percent() {
    for eps in [0.1, 10.0] {
        let v = cbw2(eps);
        assert!(v < 0.3, "eps {eps}: cBW2-UVP {v}%");
    }
}
