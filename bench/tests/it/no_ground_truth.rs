//! A dataset without ground truth (the 2-D Swiss roll) runs through the harness, and its
//! quality columns say "missing" rather than showing a number.

use eot_bench::{CellSpec, EvalSizes, run_cell, table::results_table};
use eot_solvers::{Options, Registry};

#[test]
fn swiss_roll_cell_has_missing_quality_columns_and_a_finite_dual() {
    let spec = CellSpec {
        solver: "sinkhorn".into(),
        dataset: "swiss-roll".into(),
        dim: 2,
        eps: 0.1,
        seed: 0,
        sizes: EvalSizes { train: 500, fresh: true, queries: 10, samples_per_query: 10, eval: 500 },
    };
    let r = run_cell(&Registry::builtin(), &spec, Options::new()).unwrap();
    assert!(r.cbw2_uvp.is_none() && r.bw2_uvp.is_none());
    assert!(r.converged && r.dual_value.is_some_and(f64::is_finite));
    let md = results_table(&[r]).unwrap().to_markdown();
    assert!(
        md.contains("| sinkhorn | swiss-roll | 2 | 0.100 | 0 | 500 | unlimited | — | — |"),
        "{md}"
    );
    let bad = CellSpec { dim: 3, ..spec };
    assert!(run_cell(&Registry::builtin(), &bad, Options::new()).is_err());
}
