//! Input checks shared by the sample metrics.

use eot_datasets::Points;

use crate::MetricError;

/// Refuses two point sets of different dimensions.
pub(crate) fn same_dim(metric: &'static str, a: &Points, b: &Points) -> Result<(), MetricError> {
    if a.dim() != b.dim() {
        return Err(MetricError::DimensionMismatch {
            metric,
            left_name: "the first sample",
            left: a.dim(),
            right_name: "the second sample",
            right: b.dim(),
        });
    }
    Ok(())
}

/// Refuses a point set with fewer than `needed` points.
pub(crate) fn at_least(
    metric: &'static str,
    what: &'static str,
    p: &Points,
    needed: usize,
) -> Result<(), MetricError> {
    if p.len() < needed {
        return Err(MetricError::TooFewPoints { metric, what, needed, got: p.len() });
    }
    Ok(())
}

/// Both checks for a metric between two samples of at least `needed` points each.
pub(crate) fn two_samples(
    metric: &'static str,
    a: &Points,
    b: &Points,
    needed: usize,
) -> Result<(), MetricError> {
    at_least(metric, "the first sample", a, needed)?;
    at_least(metric, "the second sample", b, needed)?;
    same_dim(metric, a, b)
}

/// Refuses pairs `(x_i, y_i)` of different counts or dimensions.
pub(crate) fn paired(metric: &'static str, x: &Points, y: &Points) -> Result<(), MetricError> {
    at_least(metric, "the inputs x", x, 1)?;
    same_dim(metric, x, y)?;
    if x.len() != y.len() {
        return Err(MetricError::Invalid(format!(
            "{metric}: needs paired samples (x_i, y_i), got {} x and {} y",
            x.len(),
            y.len()
        )));
    }
    Ok(())
}

/// `|x - y|^2`, coordinate by coordinate (no cancellation from expanding the square).
#[inline]
pub(crate) fn sq_dist(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
}

/// Refuses a non-finite result (the metrics never return NaN or infinity).
pub(crate) fn finite(metric: &'static str, value: f64) -> Result<f64, MetricError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(MetricError::Invalid(format!(
            "{metric}: the value is not finite ({value}): inputs too large for f64"
        )))
    }
}
