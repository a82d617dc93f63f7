//! Adding a solver from outside the solvers crate: one type implementing the traits, one
//! `register` line, and every tool that takes a solver name can run it.

use eot_bench::{CellSpec, EvalSizes, run_cell, table::results_table};
use eot_datasets::{Moments, Points, SuiteRng};
use eot_solvers::{
    Eps, Exactness, FitData, FitReport, FittedPlan, LogPartition, Options, Registry, Solver,
    SolverError,
};
use rand::Rng;

/// The plan of the potential f = 0 over the empirical target: `pi(y_j|x) ∝ exp(-c(x, y_j)/eps)`.
/// A one-step (unbalanced) plan: valid for the interface, not the EOT solution.
struct ZeroPotential;

struct ZeroPlan {
    eps: f64,
    targets: Points,
    report: FitReport,
}

impl ZeroPlan {
    fn log_weights(&self, x: &[f64]) -> Vec<f64> {
        self.targets
            .rows()
            .map(|y| -0.5 * x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / self.eps)
            .collect()
    }
    fn weights(&self, x: &[f64]) -> Vec<f64> {
        let lw = self.log_weights(x);
        let max = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = lw.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = w.iter().sum();
        w.into_iter().map(|v| v / total).collect()
    }
}

impl Solver for ZeroPotential {
    fn name(&self) -> &str {
        "zero-potential"
    }
    fn settings(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    fn fit(
        &self,
        data: &FitData,
        eps: Eps,
        _seed: u64,
    ) -> Result<Box<dyn FittedPlan>, SolverError> {
        data.check()?;
        Ok(Box::new(ZeroPlan {
            eps: eps.get(),
            targets: data.target.clone(),
            report: FitReport { converged: true, ..Default::default() },
        }))
    }
}

impl FittedPlan for ZeroPlan {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.targets.dim()
    }
    fn report(&self) -> &FitReport {
        &self.report
    }
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        Ok(vec![0.0; y.len()])
    }
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        let m = self.targets.len() as f64;
        let values = x
            .rows()
            .map(|q| {
                let lw = self.log_weights(q);
                let max = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                max + lw.iter().map(|v| (v - max).exp()).sum::<f64>().ln() - m.ln()
            })
            .collect();
        Ok(LogPartition { values, exactness: Exactness::Exact })
    }
    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        let mut data = Vec::new();
        for q in x.rows() {
            let w = self.weights(q);
            for _ in 0..k {
                let mut u: f64 = rng.random();
                let j = w.iter().position(|p| {
                    u -= p;
                    u < 0.0
                });
                data.extend_from_slice(self.targets.row(j.unwrap_or(w.len() - 1)));
            }
        }
        Ok(Points::new(data, x.len() * k, self.dim())?)
    }
    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        let mut data = Vec::new();
        for q in x.rows() {
            data.extend(Moments::weighted(&self.targets, &self.weights(q))?.mean.iter());
        }
        Ok(Points::new(data, x.len(), self.dim())?)
    }
}

#[test]
fn a_solver_registered_from_outside_runs_through_the_harness() {
    let mut registry = Registry::builtin();
    registry.register("zero-potential", "f = 0 over the empirical target", |o| {
        o.finish("zero-potential", &[])?;
        Ok(Box::new(ZeroPotential))
    });
    assert!(registry.list().iter().any(|(n, _)| *n == "zero-potential"));
    let sizes =
        EvalSizes { train: 500, fresh: true, queries: 50, samples_per_query: 400, eval: 500 };
    let spec = |solver: &str| CellSpec {
        solver: solver.into(),
        dataset: "gaussian".into(),
        dim: 2,
        eps: 1.0,
        seed: 0,
        sizes,
    };
    let zero = run_cell(&registry, &spec("zero-potential"), Options::new()).unwrap();
    let sinkhorn = run_cell(&registry, &spec("sinkhorn"), Options::new()).unwrap();
    let table = results_table(&[zero.clone(), sinkhorn.clone()]).unwrap();
    assert!(table.to_markdown().contains("| zero-potential | gaussian | 2 |"));
    // The harness tells the EOT plan from a plan that ignores the target marginal.
    assert!(zero.cbw2_uvp.unwrap() > 3.0 * sinkhorn.cbw2_uvp.unwrap());
    // Unknown settings are refused by the factory, unknown names by the registry.
    assert!(registry.build("zero-potential", Options::new().with("k", 1)).is_err());
    assert!(registry.build("nope", Options::new()).is_err());
}
