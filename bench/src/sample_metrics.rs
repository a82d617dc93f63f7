//! Sample metrics by name, shared by `eot metric` and the metric columns of `compare`.

use anyhow::{Context, Result, bail};
use eot_datasets::{Moments, Points, substream};
use eot_metrics::{
    bw2_uvp, conditional_diversity, divergence_settings, energy_distance, fid_proxy, lpips_proxy,
    sinkhorn_divergence, sliced_w2_squared, transport_cost, w2_squared,
};

/// Names accepted by `eot metric --name`: metrics between two samples A and B.
pub const TWO_SAMPLE: &[&str] =
    &["w2", "sliced-w2", "sinkhorn-div", "energy", "fid-proxy", "bw2-uvp"];

/// Random directions of sliced W2 (`eot metric` and `compare`).
pub const SLICED_DIRECTIONS: usize = 200;

/// Stream of the sliced-W2 directions under a run seed (see `eot_datasets::substream`).
const DIRECTIONS_STREAM: u64 = 0x511ce;

/// One metric between samples `a` and `b`:
/// - `w2`: exact W2^2, cost `|x-y|^2` (POT's `ot.emd2` with `ot.dist`); equal sizes only.
/// - `sliced-w2`: sliced W2^2, cost `|x-y|^2`, [`SLICED_DIRECTIONS`] directions seeded by `seed`.
/// - `sinkhorn-div`: Sinkhorn divergence at `eps` (needed), cost `|x-y|^2/2`.
/// - `energy`: energy distance (V-statistic). `fid-proxy`: Fréchet distance of moments.
/// - `bw2-uvp`: `100 * BW2(moments of a, moments of b) / Var(b)`, in percent (`b` the reference).
pub fn two_sample(name: &str, a: &Points, b: &Points, seed: u64, eps: Option<f64>) -> Result<f64> {
    if eps.is_some() && name != "sinkhorn-div" {
        bail!("--eps applies to sinkhorn-div only, not to '{name}'");
    }
    let value = match name {
        "w2" => w2_squared(a, b)?,
        "sliced-w2" => {
            sliced_w2_squared(a, b, SLICED_DIRECTIONS, &mut substream(seed, DIRECTIONS_STREAM))?
        }
        "sinkhorn-div" => {
            let Some(eps) = eps else { bail!("sinkhorn-div needs --eps (cost |x-y|^2/2)") };
            sinkhorn_divergence(a, b, eps, &divergence_settings())?
        }
        "energy" => energy_distance(a, b)?,
        "fid-proxy" => fid_proxy(a, b)?,
        "bw2-uvp" => {
            if a.dim() != b.dim() {
                bail!("bw2-uvp: dimension mismatch, A has {} and B has {}", a.dim(), b.dim());
            }
            let m = |p: &Points, which: &str| {
                Moments::empirical(p).with_context(|| format!("bw2-uvp: moments of {which}"))
            };
            bw2_uvp(&m(a, "A")?, &m(b, "B")?)?
        }
        other => bail!("unknown metric '{other}' (known: {})", TWO_SAMPLE.join(", ")),
    };
    Ok(value)
}

/// Which sample metrics `compare` adds as columns, and on how many points.
#[derive(Clone, Debug)]
pub struct MetricSet {
    /// Column names, in order, from [`COMPARE_METRICS`].
    pub names: Vec<String>,
    /// Held-out points per side (pushed-forward source vs fresh target).
    pub points: usize,
    /// Exact W2 only up to this many points (its solver is O(n^3)); above, the column shows `—`.
    pub w2_max_points: usize,
    /// Queries and draws per query for the conditional diversity.
    pub diversity_queries: usize,
    /// Draws per query for the diversity column.
    pub diversity_draws: usize,
    /// eps of the Sinkhorn divergence column (cost `|x-y|^2/2`).
    pub divergence_eps: f64,
}

/// Metric columns `compare` knows: between the pushed-forward held-out source and a held-out
/// target sample (`w2`, `sliced-w2`, `energy`, `fid-proxy`, `sinkhorn-div`); of the pairs (x, y)
/// (`cost` = E[|x-y|^2/2], `lpips-proxy`); of k draws per query (`diversity`).
pub const COMPARE_METRICS: &[&str] =
    &["w2", "sliced-w2", "energy", "fid-proxy", "sinkhorn-div", "cost", "lpips-proxy", "diversity"];

impl MetricSet {
    /// No metric columns.
    pub fn none() -> Self {
        MetricSet {
            names: Vec::new(),
            points: 0,
            w2_max_points: 0,
            diversity_queries: 0,
            diversity_draws: 0,
            divergence_eps: 1.0,
        }
    }

    /// Refuses unknown names and sizes that define nothing.
    pub fn validate(&self, eval_points: usize) -> Result<()> {
        for n in &self.names {
            if !COMPARE_METRICS.contains(&n.as_str()) {
                bail!("unknown metric column '{n}' (known: {})", COMPARE_METRICS.join(", "));
            }
        }
        if self.names.is_empty() {
            return Ok(());
        }
        if self.points < 2 || self.points > eval_points {
            bail!("--metric-n must be in 2..={eval_points} (--eval), got {}", self.points);
        }
        if self.names.iter().any(|n| n == "diversity")
            && (self.diversity_draws < 2 || self.diversity_queries == 0)
        {
            bail!("diversity needs >= 1 query and >= 2 draws per query");
        }
        if !(self.divergence_eps > 0.0 && self.divergence_eps.is_finite()) {
            bail!("--div-eps must be finite and > 0, got {}", self.divergence_eps);
        }
        Ok(())
    }
}

/// The columns of `set` for one fitted plan: `x` held-out source points, `y_hat` one draw of
/// `pi(.|x_i)` per point, `y` a held-out target sample of the same size, `draws` the diversity
/// draws (`k` per query, grouped). `None` where a figure is not computed (W2 above its limit).
pub fn columns(
    set: &MetricSet,
    x: &Points,
    y_hat: &Points,
    y: &Points,
    draws: Option<&Points>,
    seed: u64,
) -> Result<Vec<(String, Option<f64>)>> {
    let mut out = Vec::with_capacity(set.names.len());
    for name in &set.names {
        let value = match name.as_str() {
            "w2" if y_hat.len() > set.w2_max_points => None,
            "sinkhorn-div" => Some(two_sample(name, y_hat, y, seed, Some(set.divergence_eps))?),
            "w2" | "sliced-w2" | "energy" | "fid-proxy" => {
                Some(two_sample(name, y_hat, y, seed, None)?)
            }
            "cost" => Some(transport_cost(x, y_hat)?),
            "lpips-proxy" => Some(lpips_proxy(x, y_hat)?),
            "diversity" => match draws {
                Some(d) => Some(conditional_diversity(d, set.diversity_draws)?),
                None => None,
            },
            other => bail!("unknown metric column '{other}'"),
        };
        out.push((name.clone(), value));
    }
    Ok(out)
}
