//! The evaluation harness behind `compare` and `eot`: runs one (solver x dataset x D x eps x
//! seed) cell against ground truth, and the helpers both binaries share.

pub mod baseline;
pub mod calibration;
pub mod cell;
pub mod columns;
pub mod compare;
pub mod external;
pub mod memory;
pub mod outputs;
pub mod pair_files;
pub mod pair_score;
pub mod progress;
pub mod provenance;
pub mod published;
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
    CellOutcome, CellResult, CellSpec, EvalSizes, Fitter, Scoring, is_divergence, run_cell,
    run_cell_with, run_cell_with_metrics, run_scored_cell,
};
pub use task::Task;
