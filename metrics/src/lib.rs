//! Metrics of the EOT suite (DESIGN §5): Bures-Wasserstein distances between moment-matched
//! Gaussians and their unexplained-variance percentages against ground truth.

mod bures;

pub use bures::{bw2, bw2_uvp, cbw2_uvp};
pub use eot_datasets::sqrtm_psd;

/// Errors of the metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricError {
    /// Inputs whose shapes or values make the metric undefined (named in the message).
    #[error("{0}")]
    Invalid(String),
}
