//! The names of the long table's columns, declared once for the table, its summaries, the
//! charts, the baselines and the tests that read them.

/// The cell's index in the whole grid (shard files and merged runs).
pub const CELL: &str = "cell";
/// Solver name.
pub const SOLVER: &str = "solver";
/// Dataset (task) name.
pub const DATASET: &str = "dataset";
/// Dimension.
pub const DIM: &str = "D";
/// Regulariser.
pub const EPS: &str = "eps";
/// Run seed.
pub const SEED: &str = "seed";
/// Training points per side.
pub const N: &str = "n";
/// `unlimited` (`--n unlimited`: fresh mini-batches for the solvers that take them, the `n`
/// points for Sinkhorn) or `fixed` (every solver on the same `n` points).
pub const TRAINING: &str = "training";
/// cBW2-UVP in percent, against the exact conditional plan.
pub const CBW2_UVP: &str = "cBW2-UVP %";
/// BW2-UVP in percent of the pushed-forward held-out source.
pub const BW2_UVP: &str = "BW2-UVP %";
/// Seconds of the fit.
pub const FIT_SECONDS: &str = "fit s";
/// Seconds spent drawing conditional samples to score the plan.
pub const SAMPLE_SECONDS: &str = "sample s";
/// Points drawn fresh from the pair's sampler during the fit (source and target together).
pub const FRESH_DRAWS: &str = "fresh draws";
/// Peak resident memory of the fit.
pub const PEAK_MIB: &str = "peak MiB";
/// Iterations or training steps of the fit.
pub const ITERATIONS: &str = "iterations";
/// `yes` or `no`, as the fit reports.
pub const CONVERGED: &str = "converged";
/// The weak dual value on held-out points.
pub const DUAL: &str = "dual (held-out)";

/// The column of each sample metric (`compare --metrics` names), with its convention.
pub const METRICS: &[(&str, &str)] = &[
    ("w2", W2),
    ("sliced-w2", "SW2^2"),
    ("energy", ENERGY),
    ("fid-proxy", FID_PROXY),
    ("sinkhorn-div", "Sinkhorn div"),
    ("cost", "E c(x,y)"),
    ("lpips-proxy", "LPIPS-proxy"),
    ("diversity", "diversity"),
];
/// Exact W2^2 (cost `|x-y|^2`).
pub const W2: &str = "W2^2";
/// Energy distance.
pub const ENERGY: &str = "energy";
/// Fréchet distance of the moments (or of classifier features, for images).
pub const FID_PROXY: &str = "FID-proxy";

/// The column of the sample metric `name` (a name without one is its own column).
pub fn metric_column(name: &str) -> &str {
    METRICS.iter().find(|(n, _)| *n == name).map_or(name, |(_, c)| c)
}
