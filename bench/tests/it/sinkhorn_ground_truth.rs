//! Sinkhorn against the closed-form plans (docs/design.md §4), through the same harness `compare` uses.

use eot_bench::{CellSpec, EvalSizes, run_cell};
use eot_solvers::{Options, Registry};

fn cell(dataset: &str, dim: usize, eps: f64, train: usize) -> CellSpec {
    CellSpec {
        solver: "sinkhorn".into(),
        dataset: dataset.into(),
        dim,
        eps,
        seed: 0,
        sizes: EvalSizes { train, fresh: true, queries: 100, samples_per_query: 1000, eval: 2000 },
    }
}

#[test]
fn gaussian_pair_d2_eps_half_cbw2_uvp_below_half_a_percent() {
    let r =
        run_cell(&Registry::builtin(), &cell("gaussian", 2, 0.5, 4000), Options::new()).unwrap();
    assert!(r.converged);
    let v = r.cbw2_uvp.unwrap();
    assert!(v < 0.5, "cBW2-UVP {v}%");
}

#[test]
fn gmm_pair_d2_eps_one_cbw2_uvp_below_half_a_percent() {
    let r = run_cell(&Registry::builtin(), &cell("gmm", 2, 1.0, 4000), Options::new()).unwrap();
    assert!(r.converged);
    let v = r.cbw2_uvp.unwrap();
    assert!(v < 0.5, "cBW2-UVP {v}%");
}

/// The same check must catch a wrong plan: Sinkhorn solved at the wrong eps (a factor-of-2
/// convention slip, e.g. POT's reg passed as our eps) is scored against the eps=0.5 truth.
#[test]
fn a_plan_at_the_wrong_eps_fails_the_same_check() {
    let spec = cell("gaussian", 2, 0.5, 4000);
    let registry = Registry::builtin();
    let right = run_cell(&registry, &spec, Options::new()).unwrap().cbw2_uvp.unwrap();
    let mut wrong_registry = Registry::new();
    wrong_registry.register("sinkhorn", "sinkhorn at 2*eps", |o| {
        let inner = eot_solvers::sinkhorn::Sinkhorn::factory(o)?;
        Ok(Box::new(DoubledEps(inner)))
    });
    let wrong = run_cell(&wrong_registry, &spec, Options::new()).unwrap().cbw2_uvp.unwrap();
    assert!(wrong > 0.5 && wrong > 3.0 * right, "wrong-eps plan scored {wrong}% vs {right}%");
}

struct DoubledEps(Box<dyn eot_solvers::Solver>);

impl eot_solvers::Solver for DoubledEps {
    fn name(&self) -> &str {
        "sinkhorn-2eps"
    }
    fn settings(&self) -> Vec<(String, String)> {
        self.0.settings()
    }
    fn fit(
        &self,
        data: &eot_solvers::FitData,
        eps: eot_solvers::Eps,
        seed: u64,
    ) -> Result<Box<dyn eot_solvers::FittedPlan>, eot_solvers::SolverError> {
        self.0.fit(data, eot_solvers::Eps::new(2.0 * eps.get())?, seed)
    }
}
