//! A cell whose training diverges becomes a row that says so, instead of ending the run.

use eot_bench::{CellResult, CellSpec, EvalSizes, is_divergence, run_cell, table::results_table};
use eot_solvers::{Options, Registry};

#[test]
fn a_diverged_fit_is_recognised_and_tabled_without_scores() {
    let spec = CellSpec {
        solver: "vareot".into(),
        dataset: "gmm".into(),
        dim: 2,
        eps: 0.1,
        seed: 0,
        sizes: EvalSizes { train: 300, fresh: true, queries: 5, samples_per_query: 10, eval: 300 },
    };
    let options = || {
        Options::new()
            .with("learning_rate", "1000")
            .with("clip", "none")
            .with("clamp", "700")
            .with("hidden", "32")
            .with("steps", "200")
    };
    let registry = Registry::builtin();
    let Err(err) = run_cell(&registry, &spec, options()) else {
        panic!("lr 1000 without clipping must diverge");
    };
    assert!(is_divergence(&err), "{err:#}");

    let settings = registry.build("vareot", options()).unwrap().settings();
    let row = CellResult::diverged(&spec, settings, format!("{err:#}"));
    assert!(row.notes[0].starts_with("diverged: "));
    let md = results_table(&[row]).unwrap().to_markdown();
    let last = md.lines().last().unwrap();
    assert!(last.contains("| no |") && !last.contains("NaN"), "{last}");
}
