//! FID-proxy: the Fréchet distance between moment-matched Gaussians of features.

use eot_datasets::{Moments, Points};

use crate::checks::two_samples;
use crate::{MetricError, bw2};

/// FID-proxy: the Fréchet distance `BW2(N(m_a, S_a), N(m_b, S_b))` between the Gaussians with the
/// sample means and unbiased (`n - 1`) covariances of two feature sets, one feature vector per
/// row: `|m_a - m_b|^2 + tr S_a + tr S_b - 2 tr (S_a^{1/2} S_b S_a^{1/2})^{1/2}` — FID's formula.
///
/// For latent or low-dimensional data the features are the coordinates themselves (so this is
/// not comparable with FID values of Inception features). Units: squared feature units.
/// Memory O(n + D^2); needs >= 2 points per side.
pub fn fid_proxy(a: &Points, b: &Points) -> Result<f64, MetricError> {
    const M: &str = "FID-proxy";
    two_samples(M, a, b, 2)?;
    let moments =
        |p: &Points| Moments::empirical(p).map_err(|cause| MetricError::Data { metric: M, cause });
    bw2(&moments(a)?, &moments(b)?)
}
