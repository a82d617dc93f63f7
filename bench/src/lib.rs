//! The evaluation harness behind `compare` and `eot`: runs one (solver x dataset x D x eps x
//! seed) cell against ground truth, and the helpers both binaries share.

pub mod baseline;
pub mod cell;
pub mod columns;
pub mod compare;
pub mod memory;
pub mod outputs;
pub mod progress;
pub mod provenance;
pub mod real;
pub mod reference;
pub mod runtime;
pub mod sample_metrics;
pub mod shard;
pub mod solver_opts;
pub mod table;
pub mod task;
pub mod tasks;

pub use cell::{
    CellOutcome, CellResult, CellSpec, EvalSizes, Scoring, is_divergence, run_cell,
    run_cell_with_metrics, run_scored_cell,
};
pub use task::Task;
