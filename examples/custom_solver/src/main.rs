//! `compare` with one more solver: `gaussian-plan`, defined in `solver.rs`, registered here.
//!
//! ```sh
//! cargo run --release -p custom-solver -- --solvers gaussian-plan,gmm --datasets gaussian,gmm
//! ```
//!
//! Every flag of `compare` works, and the new solver appears in every table, summary, chart
//! and baseline under its name.

mod solver;

fn main() {
    let mut registry = eot_solvers::Registry::builtin();
    registry.register_algorithm::<solver::GaussianPlan>();
    eot_bench::compare::main(registry);
}
