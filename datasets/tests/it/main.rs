//! The datasets crate's integration tests, built as one test binary: each file a module.
//! One binary instead of one per file keeps the CI link step (and its disk use) small.

mod ground_truth;
mod io_errors;
mod real_data;
mod real_errors;
mod temp;
