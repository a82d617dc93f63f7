//! The sample-metric columns of `compare`: present when asked, absent by default in `run_cell`,
//! exact W2 left out above its stated size, and the values they should have for a good plan.

use eot_bench::sample_metrics::MetricSet;
use eot_bench::{CellSpec, EvalSizes, run_cell, run_cell_with_metrics, table::results_table};
use eot_solvers::{Options, Registry};

fn spec() -> CellSpec {
    CellSpec {
        solver: "sinkhorn".into(),
        dataset: "gaussian".into(),
        dim: 2,
        eps: 1.0,
        seed: 0,
        sizes: EvalSizes { train: 600, fresh: true, queries: 10, samples_per_query: 10, eval: 600 },
    }
}

fn set(names: &[&str], points: usize, w2_max_points: usize) -> MetricSet {
    MetricSet {
        names: names.iter().map(|s| s.to_string()).collect(),
        points,
        w2_max_points,
        diversity_queries: 20,
        diversity_draws: 8,
        divergence_eps: 1.0,
    }
}

#[test]
fn metric_columns_follow_the_request() {
    let registry = Registry::builtin();
    let plain = run_cell(&registry, &spec(), Options::new()).unwrap();
    assert!(plain.metrics.is_empty());
    let base_columns = results_table(&[plain]).unwrap().columns().len();

    let all = [
        "w2",
        "sliced-w2",
        "energy",
        "fid-proxy",
        "sinkhorn-div",
        "cost",
        "lpips-proxy",
        "diversity",
    ];
    let r =
        run_cell_with_metrics(&registry, &spec(), Options::new(), &set(&all, 400, 2000)).unwrap();
    let get = |name: &str| r.metrics.iter().find(|(n, _)| n == name).unwrap().1.unwrap();
    // The plan pushes the source onto (a resampling of) the target: two-sample distances are
    // sampling noise, far below the source-to-target W2^2 (the means differ by a N(0, I) draw).
    assert!(get("w2") < 0.5 && get("energy") < 0.05, "{:?}", r.metrics);
    assert!(get("sinkhorn-div") > -1e-9 && get("sinkhorn-div") < 0.25, "{:?}", r.metrics);
    // Sinkhorn at eps = 1 is stochastic: draws of pi(.|x) differ.
    assert!(get("diversity") > 0.1);
    assert!(get("cost") > 0.0 && get("lpips-proxy") > 0.0);
    let table = results_table(&[r]).unwrap();
    assert_eq!(table.columns().len(), base_columns + all.len());
    assert!(table.columns().iter().any(|c| c == "W2^2"));

    let capped =
        run_cell_with_metrics(&registry, &spec(), Options::new(), &set(&["w2"], 400, 300)).unwrap();
    assert_eq!(capped.metrics, vec![("w2".to_string(), None)]);
    assert!(set(&["nope"], 400, 300).validate(600).is_err());
    assert!(set(&["w2"], 700, 300).validate(600).is_err());
}
