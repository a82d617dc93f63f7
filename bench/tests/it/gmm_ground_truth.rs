//! The Gaussian-mixture (LightSB) solver against the exact plans of the benchmark pairs, through
//! the harness `compare` uses.

use eot_bench::{CellSpec, EvalSizes, run_cell};
use eot_solvers::{Options, Registry};

fn cbw2(dim: usize, eps: f64, options: &[&str]) -> f64 {
    let spec = CellSpec {
        solver: "gmm".into(),
        dataset: "gmm".into(),
        dim,
        eps,
        seed: 0,
        sizes: EvalSizes {
            train: 2000,
            fresh: true,
            queries: 100,
            samples_per_query: 1000,
            eval: 2000,
        },
    };
    run_cell(&Registry::builtin(), &spec, Options::parse(options).unwrap())
        .unwrap()
        .cbw2_uvp
        .unwrap()
}

/// Default settings (diagonal S, 50 components). The published LightSB figures at D = 2 are
/// 0.03-0.07 %; the bound for D <= 16 is 0.3 %.
#[test]
fn gmm_solver_d2_is_within_a_third_of_a_percent() {
    for eps in [0.1, 10.0] {
        let v = cbw2(2, eps, &[]);
        assert!(v < 0.3, "eps {eps}: cBW2-UVP {v}%");
    }
}

/// The hardest small cell: at eps = 0.1 the gating between components is sharp, and in D = 16
/// the true components have full covariances. Full S with 10 components: measured 0.062 %
/// (0.32 % with the authors' start of `r`, which this test would catch).
#[test]
fn full_s_solves_d16_at_small_eps_within_a_third_of_a_percent() {
    let v = cbw2(16, 0.1, &["covariance=full", "components=10"]);
    assert!(v < 0.3, "cBW2-UVP {v}%");
}
