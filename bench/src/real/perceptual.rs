//! FID- and LPIPS-style scores of images in the feature space of the suite's own
//! [`Classifier`].
//!
//! These are proxies: they follow the recipes of FID (Inception-v3 pool features) and LPIPS
//! (AlexNet/VGG feature maps with learned channel weights), but on a small MLP trained here, so
//! their values are comparable only with each other (same classifier, same data), never with
//! published FID or LPIPS figures.

use anyhow::{Context, Result, bail};
use eot_datasets::Points;

use super::classifier::Classifier;

/// Added to an activation vector's norm before dividing, so that an all-zero activation (a dead
/// layer) normalises to zero instead of NaN.
const NORM_EPS: f64 = 1e-10;

/// FID's formula (squared Fréchet distance of Gaussians fitted to the two sets) on the
/// classifier's embeddings of the image sets `a` and `b` ([`Classifier::embedding`]); see
/// [`eot_metrics::fid_proxy`]. 0 for identical sets, larger as the sets' feature statistics
/// differ. Needs >= 2 images per set.
pub fn fid_proxy_images(net: &Classifier, a: &Points, b: &Points) -> Result<f64> {
    let ea = net.embedding(a).context("FID-proxy: first image set")?;
    let eb = net.embedding(b).context("FID-proxy: second image set")?;
    Ok(eot_metrics::fid_proxy(&ea, &eb)?)
}

/// LPIPS's recipe on the classifier's hidden layers, for paired image sets (`x[i]` against
/// `y[i]`): per layer, each image's activation vector divided by its L2 norm, the squared L2
/// distance between the pair's normalised vectors (in [0, 4]); averaged over layers, then over
/// pairs. 0 for identical images. Unlike LPIPS, the layers are unweighted (no learned
/// per-channel weights) and there is no spatial averaging (the layers are dense).
pub fn lpips_proxy_images(net: &Classifier, x: &Points, y: &Points) -> Result<f64> {
    if x.len() != y.len() {
        bail!("LPIPS-proxy compares paired images: {} against {}", x.len(), y.len());
    }
    let fx = net.features(x).context("LPIPS-proxy: first image set")?;
    let fy = net.features(y).context("LPIPS-proxy: second image set")?;
    let per_layer: Vec<f64> =
        fx.iter().zip(&fy).map(|(a, b)| mean_normalised_distance(a, b)).collect();
    Ok(per_layer.iter().sum::<f64>() / per_layer.len() as f64)
}

/// Mean over rows of `|a_i/|a_i| - b_i/|b_i||^2`.
fn mean_normalised_distance(a: &Points, b: &Points) -> f64 {
    let total: f64 = a.rows().zip(b.rows()).map(|(u, v)| normalised_distance(u, v)).sum();
    total / a.len() as f64
}

fn normalised_distance(u: &[f64], v: &[f64]) -> f64 {
    let norm = |w: &[f64]| w.iter().map(|t| t * t).sum::<f64>().sqrt() + NORM_EPS;
    let (nu, nv) = (norm(u), norm(v));
    u.iter().zip(v).map(|(p, q)| (p / nu - q / nv).powi(2)).sum()
}
