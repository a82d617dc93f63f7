use eot_datasets::DataError;
use eot_solvers::SolverError;

/// Errors of the metrics: each names the metric and the offending input.
#[derive(Debug, thiserror::Error)]
pub enum MetricError {
    /// Inputs whose shapes or values make the metric undefined (named in the message).
    #[error("{0}")]
    Invalid(String),
    /// Two point sets (or a point set and projections) of different dimensions.
    #[error(
        "{metric}: dimension mismatch, {left_name} has dimension {left} but {right_name} has {right}"
    )]
    DimensionMismatch {
        /// The metric.
        metric: &'static str,
        /// What the first input is.
        left_name: &'static str,
        /// Its dimension.
        left: usize,
        /// What the second input is.
        right_name: &'static str,
        /// Its dimension.
        right: usize,
    },
    /// Fewer points than the metric needs.
    #[error("{metric}: {what} has {got} point(s), at least {needed} are needed")]
    TooFewPoints {
        /// The metric.
        metric: &'static str,
        /// Which input.
        what: &'static str,
        /// Points needed.
        needed: usize,
        /// Points given.
        got: usize,
    },
    /// An input past the metric's stated size limit, refused before any large allocation.
    #[error("{metric}: {n} points is past the limit of {limit}; {advice}")]
    TooLarge {
        /// The metric.
        metric: &'static str,
        /// Points given.
        n: usize,
        /// The most it takes.
        limit: usize,
        /// What to use instead.
        advice: &'static str,
    },
    /// A failure of the Sinkhorn solver behind the Sinkhorn divergence.
    /// (The cause is part of the message, not a separate `source`, so that it prints once.)
    #[error("{metric}: {cause}")]
    Solver {
        /// The metric.
        metric: &'static str,
        /// The solver's error.
        cause: SolverError,
    },
    /// A failure of the data layer (moments of too few points, ...).
    #[error("{metric}: {cause}")]
    Data {
        /// The metric.
        metric: &'static str,
        /// The data layer's error.
        cause: DataError,
    },
}
