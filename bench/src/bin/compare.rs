//! `compare`: runs every (solver x dataset x D x eps x seed) cell of a grid against ground truth
//! and writes the tables, summaries, charts and provenance (see `eot_bench::compare`).

fn main() {
    eot_bench::compare::main(eot_solvers::Registry::builtin());
}
