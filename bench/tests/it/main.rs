//! The bench crate's integration tests, built as one test binary: each file a module.
//! One binary instead of one per file keeps the CI link step (and its disk use) small.

mod compare_metrics;
mod compare_runs;
mod diverged_cell;
mod eot_cli;
mod eot_metric;
mod external;
mod gmm_gaussian_pair;
mod gmm_ground_truth;
mod hostile;
mod hostile_compare;
mod hostile_eot;
mod no_ground_truth;
mod pair_files;
mod real_autoencoder;
mod real_cache;
mod real_classifier;
mod real_images;
mod real_perceptual;
mod real_tasks;
mod registry;
mod sinkhorn_ground_truth;
