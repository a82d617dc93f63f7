//! EgNOT against ground truth on the D = 2, eps = 1 Gaussian-mixture pair, with the same small
//! networks and scoring as VarEOT's test.

use crate::common::cbw2;
use eot_datasets::{GmmPair, GmmPairSettings, Sampler, substream};
use eot_solvers::Algorithm as _;
use eot_solvers::egnot::{EgnotSettings, EgnotSolver};
use eot_solvers::{Eps, Exactness, FitData, FittedPlan, Options};

/// Small networks and short chains, so the test runs in seconds: 20 chain steps of 0.01 each
/// (the default's capped 0.002 needs the default's 100 steps to move as far).
fn small() -> Options {
    Options::new()
        .with("hidden", "64,64")
        .with("steps", 600)
        .with("batch", 128)
        .with("learning_rate", 2e-3)
        .with("train_langevin_steps", 20)
        .with("train_langevin_step", 0.01)
}

#[test]
fn egnot_beats_the_benchmark_on_d2_eps1() {
    let pair = GmmPair::new(&GmmPairSettings::benchmark(2, 1.0)).unwrap();
    let x = pair.sample_source(2000, &mut substream(0, 1));
    let y = pair.sample_target(2000, &mut substream(0, 2));
    let data = FitData { source: &x, target: &y, sampler: Some(&pair) };
    let solver = EgnotSolver::new(EgnotSettings::from_options(small()).unwrap()).unwrap();
    let plan = solver.fit_plan(&data, Eps::new(1.0).unwrap(), 0).unwrap();
    let score = cbw2(&plan, &pair, 50, 1000);
    eprintln!("EgNOT (small) D=2 eps=1: cBW2-UVP {score:.3}%; {:?}", plan.report().notes);
    assert!(score < 1.0, "EgNOT: cBW2-UVP {score}%");
    let log_z = plan.log_partition(&x.head(3)).unwrap();
    assert!(matches!(log_z.exactness, Exactness::Estimate { .. }));
}
