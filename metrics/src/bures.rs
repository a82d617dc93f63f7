use eot_datasets::{Moments, sqrtm_psd};

use crate::MetricError;

/// Squared Bures-Wasserstein distance between `N(m1, S1)` and `N(m2, S2)`:
/// `|m1-m2|^2 + tr S1 + tr S2 - 2 tr (S1^{1/2} S2 S1^{1/2})^{1/2}`, clamped at 0 against rounding.
pub fn bw2(a: &Moments, b: &Moments) -> Result<f64, MetricError> {
    let d = a.mean.len();
    if b.mean.len() != d || a.cov.nrows() != d || b.cov.nrows() != d {
        return Err(MetricError::Invalid(format!(
            "BW2 between dimensions {d} and {}",
            b.mean.len()
        )));
    }
    let root_a = sqrtm_psd(&a.cov);
    let cross = sqrtm_psd(&(&root_a * &b.cov * &root_a)).trace();
    let value = (&a.mean - &b.mean).norm_squared() + a.cov.trace() + b.cov.trace() - 2.0 * cross;
    if !value.is_finite() {
        return Err(MetricError::Invalid("BW2 is not finite: non-finite moments".into()));
    }
    Ok(value.max(0.0))
}

/// BW2-UVP in percent: `100 * BW2(estimate, target) / Var(target)`, `Var` the trace of the
/// covariance. Refuses a target whose variance is zero or at the level of rounding
/// (below `1e-24 |mean|^2`: every point the same up to the last digits), where the ratio
/// would be a meaningless huge number.
pub fn bw2_uvp(estimate: &Moments, target: &Moments) -> Result<f64, MetricError> {
    let var = target.variance();
    let rounding = 1e-24 * target.mean.norm_squared();
    if var.is_nan() || var <= rounding || var <= 0.0 {
        return Err(MetricError::Invalid(format!(
            "the reference sample's variance is {var:e}, zero up to rounding (all its points \
             are the same): BW2-UVP divides by it; compare the samples with w2 or energy"
        )));
    }
    Ok(100.0 * bw2(estimate, target)? / var)
}

/// cBW2-UVP in percent: `100 * mean_x BW2(pi_hat(.|x), pi*(.|x)) / Var(p1)` over pairs of
/// (estimated, exact) conditional moments, one pair per test point `x`.
pub fn cbw2_uvp(pairs: &[(Moments, Moments)], target_variance: f64) -> Result<f64, MetricError> {
    if pairs.is_empty() {
        return Err(MetricError::Invalid("cBW2-UVP needs at least one test point".into()));
    }
    if target_variance.is_nan() || target_variance <= 0.0 {
        return Err(MetricError::Invalid(format!(
            "target variance must be > 0, got {target_variance}"
        )));
    }
    let mut total = 0.0;
    for (estimate, exact) in pairs {
        total += bw2(estimate, exact)?;
    }
    Ok(100.0 * total / pairs.len() as f64 / target_variance)
}
