//! The command line of `compare`: every flag, and what the run derives from them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::baseline::Grid;
use crate::sample_metrics::{COMPARE_METRICS, MetricSet};
use crate::shard::Shard;
use crate::tasks::FigureSize;
use crate::{EvalSizes, Scoring};

/// Where the long table goes by default.
pub const DEFAULT_OUT: &str = "reports/results/compare.csv";

#[derive(Parser, Debug)]
#[command(about = "Compare EOT solvers against ground truth, cell by cell")]
/// The command line of `compare` (`compare --help` prints every flag).
pub struct Args {
    /// Named defaults for the grid, sizes and solver settings of every flag not given: default
    /// (all four solvers on the default grid, the neural ones at CPU-sized settings), benchmark
    /// (the published protocol, 3 seeds), none (the flags' own defaults). The provenance
    /// records the profile and every setting.
    #[arg(long, default_value = "default")]
    pub profile: String,
    /// Solvers, comma-separated (see `eot solvers`).
    #[arg(long, value_delimiter = ',', default_value = "sinkhorn,gmm")]
    pub solvers: Vec<String>,
    /// Datasets: gaussian, gmm (the benchmark pairs), gmm-fresh (pairs of the same family that no
    /// setting was tuned on), swiss-roll (2-D only), and the real tasks mnist-2to3,
    /// fashion-sneaker-boot (in a 16-D autoencoder latent) and pbmc-mono-dc (50 PCs), which
    /// ignore --dims, fetch their data on first use (bench/scripts/fetch_real_data.sh) and train
    /// their networks once (cached in data/real/cache).
    #[arg(long, value_delimiter = ',', default_value = "gaussian,gmm")]
    pub datasets: Vec<String>,
    /// Dimensions D.
    #[arg(long, value_delimiter = ',', default_value = "2,16,64")]
    pub dims: Vec<usize>,
    /// Regularisers eps (cost |x-y|^2/2; POT's reg with cost |x-y|^2 is 2*eps).
    #[arg(long, value_delimiter = ',', default_value = "0.1,1,10", allow_negative_numbers = true)]
    pub eps: Vec<f64>,
    /// Run seeds (training samples and solver randomness).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub seeds: Vec<u64>,
    /// Training data per side, comma-separated, each a cell of its own: a number N fixes every
    /// solver's training data to the same N points per side (the continuous solvers take epochs
    /// over them: a user's regime); `unlimited` is the protocol: the continuous solvers draw
    /// fresh mini-batches from the pair's sampler without limit, and Sinkhorn, which needs a
    /// fixed sample, fits on --fixed-n points. A real task has no sampler: `unlimited` is
    /// --fixed-n points there.
    #[arg(long, value_delimiter = ',', default_value = "unlimited")]
    pub n: Vec<TrainSize>,
    /// With `--n unlimited`: the fixed points per side every solver is also given (Sinkhorn
    /// fits on them, as do all solvers on a real task).
    #[arg(long, default_value_t = 2000)]
    pub fixed_n: usize,
    /// Fixed test points for cBW2-UVP.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    /// Draws per test point for solvers without closed-form conditional moments.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Held-out points for BW2-UVP and the dual value.
    #[arg(long, default_value_t = 2000)]
    pub eval: usize,
    /// Worker threads (rayon); 0 = all cores; at most the machine's logical CPUs.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Device: cpu, cuda, cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Another program as a solver, NAME=COMMAND (repeatable): NAME can then be given to
    /// --solvers; COMMAND runs once per cell under the contract of docs/external-solvers.md
    /// (--opt NAME.timeout=SECONDS, default 3600).
    #[arg(long = "external", value_name = "NAME=COMMAND")]
    pub externals: Vec<String>,
    /// Solver setting key=value (repeatable), passed to every solver; SOLVER.key=value passes
    /// it to that solver only (e.g. gmm.covariance=full).
    #[arg(long = "opt")]
    pub opts: Vec<String>,
    /// Sample-metric columns, comma-separated, or `none`: w2 (exact W2^2, cost |x-y|^2),
    /// sliced-w2, energy, fid-proxy, sinkhorn-div (at --div-eps), cost (E|x-y|^2/2), lpips-proxy,
    /// diversity. Computed between the pushed-forward held-out source and a held-out target
    /// sample of --metric-n points each (fixed across solvers and seeds).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "w2,sliced-w2,energy,fid-proxy,cost,lpips-proxy,diversity"
    )]
    pub metrics: Vec<String>,
    /// Points per side for the sample metrics (at most --eval).
    #[arg(long, default_value_t = 1000)]
    pub metric_n: usize,
    /// Exact W2 only up to this many points (its solver is O(n^3): ~0.1 s at 1000 points);
    /// above it the w2 column shows `—`. At most eot_metrics::W2_MAX_POINTS.
    #[arg(long, default_value_t = 2000)]
    pub w2_max_n: usize,
    /// eps of the sinkhorn-div column (cost |x-y|^2/2).
    #[arg(long, default_value_t = 1.0)]
    pub div_eps: f64,
    /// Queries x (the first held-out source points) for the diversity column.
    #[arg(long, default_value_t = 50)]
    pub diversity_queries: usize,
    /// Draws of pi(.|x) per query for the diversity column.
    #[arg(long, default_value_t = 10)]
    pub diversity_draws: usize,
    /// Inputs per image task in its figure grid (the first held-out source images).
    #[arg(long, default_value_t = 6)]
    pub figure_inputs: usize,
    /// Draws of pi(.|x) per input in the image tasks' figure grids.
    #[arg(long, default_value_t = 3)]
    pub figure_draws: usize,
    /// Where the long table goes (CSV; the Parquet, summary and provenance files go beside it);
    /// the benchmark profile's default is reports/results/benchmark.csv.
    #[arg(long, default_value = DEFAULT_OUT)]
    pub out: PathBuf,
    /// Also rewrite the results block (between `<!-- compare:summary:start -->` and
    /// `<!-- compare:summary:end -->`) of this README (README.md when no path is given) with
    /// this run's tables; the maintainers' workflow. Without it the README is left alone.
    #[arg(long, num_args = 0..=1, default_missing_value = "README.md", value_name = "PATH")]
    pub refresh_readme: Option<PathBuf>,
    /// Where the charts go (cBW2-UVP against eps and against fit time, SVG and PNG); by default
    /// reports/figures when --out is in reports/results, else the folder of --out; `none`: no
    /// charts.
    #[arg(long)]
    pub figures: Option<String>,
    /// Run only slice k of N of the grid (cells k-1, k-1+N, ...) and write it as
    /// OUT_STEM.shard-k-of-N.parquet beside --out; `--merge` joins the slices.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Join into the tables of one run (runs no cell): a folder of shard files (all of its
    /// run's shards), or several, comma-separated: folders and finished runs' .parquet tables of
    /// one grid with different solvers, e.g. `--merge a/benchmark.parquet,b/shards/`.
    #[arg(long, value_delimiter = ',', conflicts_with = "shard")]
    pub merge: Vec<PathBuf>,
    /// Fail, with a table of what regressed, when a cell is worse than in this baseline file
    /// (beyond the tolerance the baseline states; by default quality 25 % + 0.05 points worse,
    /// or fit time / reference kernel 2.5x).
    #[arg(long, conflicts_with_all = ["shard", "merge"])]
    pub check_baseline: Option<PathBuf>,
    /// Write this run's figures as the new baseline file.
    #[arg(long, conflicts_with_all = ["shard", "merge", "check_baseline"])]
    pub update_baseline: Option<PathBuf>,
    /// With --update-baseline: the relative quality slack stored in the baseline (0.25 = a
    /// figure may be 25 % worse, plus 0.05 points); the check uses the baseline's own value.
    #[arg(long, requires = "update_baseline")]
    pub quality_tolerance: Option<f64>,
    /// Solvers that a profile runs at only some dimensions (set by the profile, not a flag).
    #[arg(skip)]
    pub solver_dims: Vec<(String, Vec<usize>)>,
    /// Seconds between the progress lines printed when stderr is not a terminal (where the
    /// progress bar is hidden).
    #[arg(long, default_value_t = 30)]
    pub heartbeat: u64,
}

/// One value of `--n`: a fixed number of training points per side, or the pair's sampler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainSize {
    /// Every solver fits on the same this many points per side.
    Fixed(usize),
    /// Fresh draws without limit for the solvers that take mini-batches (the protocol).
    Unlimited,
}

impl std::str::FromStr for TrainSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "unlimited" => Ok(TrainSize::Unlimited),
            v => v.parse().map(TrainSize::Fixed).map_err(|_| {
                format!("'{v}' is neither a number of points nor `unlimited` (e.g. --n 500,2000,unlimited)")
            }),
        }
    }
}

impl std::fmt::Display for TrainSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainSize::Fixed(n) => write!(f, "{n}"),
            TrainSize::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl Args {
    /// The sample sizes of the cells at each `--n` value, refusing a size below 2.
    pub fn sizes(&self) -> Result<Vec<EvalSizes>> {
        if self.n.is_empty() {
            bail!("--n needs at least one value (a number of points, or `unlimited`)");
        }
        let fixed: Vec<usize> = self
            .n
            .iter()
            .map(|t| match t {
                TrainSize::Fixed(n) => *n,
                TrainSize::Unlimited => self.fixed_n,
            })
            .collect();
        for (flag, v) in fixed.iter().map(|n| ("--n", *n)).chain([
            ("--fixed-n", self.fixed_n),
            ("--queries", self.queries),
            ("--samples", self.samples),
            ("--eval", self.eval),
        ]) {
            if v < 2 {
                bail!("{flag} must be >= 2, got {v}");
            }
        }
        Ok(self
            .n
            .iter()
            .zip(fixed)
            .map(|(t, train)| EvalSizes {
                train,
                fresh: *t == TrainSize::Unlimited,
                queries: self.queries,
                samples_per_query: self.samples,
                eval: self.eval,
            })
            .collect())
    }

    /// How each cell is scored: the `--metrics` columns and the image tasks' figure rows.
    pub fn scoring(&self) -> Result<Scoring> {
        for (flag, v) in
            [("--figure-inputs", self.figure_inputs), ("--figure-draws", self.figure_draws)]
        {
            if v == 0 {
                bail!("{flag} must be >= 1");
            }
        }
        Ok(Scoring { metrics: self.metric_set()?, figure: Some(self.figure_size()) })
    }

    /// Inputs and draws per input of the image tasks' figure rows.
    pub fn figure_size(&self) -> FigureSize {
        FigureSize { inputs: self.figure_inputs, draws: self.figure_draws }
    }

    /// Where the charts go: `--figures`, else reports/figures when --out is in reports/results
    /// (the committed results), else the folder of --out; `None` for `--figures none`.
    pub fn figures_dir(&self) -> Option<PathBuf> {
        match self.figures.as_deref() {
            Some("none") => None,
            Some(dir) => Some(PathBuf::from(dir)),
            None if self.out.parent() == Path::new(DEFAULT_OUT).parent() => {
                Some(PathBuf::from("reports/figures"))
            }
            None => Some(self.out.parent().map_or(PathBuf::from("."), Path::to_path_buf)),
        }
    }

    /// What a baseline must share with this run.
    pub fn grid(&self) -> Grid {
        Grid {
            solvers: self.solvers.clone(),
            datasets: self.datasets.clone(),
            dims: self.dims.clone(),
            eps: self.eps.clone(),
            seeds: self.seeds.clone(),
            n: self.fixed_n,
            sizes: self.n.iter().map(|t| t.to_string()).collect(),
            queries: self.queries,
            samples: self.samples,
            eval: self.eval,
        }
    }

    /// The `--metrics` columns and their sizes, checked before anything runs.
    fn metric_set(&self) -> Result<MetricSet> {
        let names: Vec<String> = self
            .metrics
            .iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty() && n != "none")
            .collect();
        if self.w2_max_n > eot_metrics::W2_MAX_POINTS {
            bail!("--w2-max-n is at most {} (exact W2's limit)", eot_metrics::W2_MAX_POINTS);
        }
        let set = MetricSet {
            names,
            points: self.metric_n,
            w2_max_points: self.w2_max_n,
            diversity_queries: self.diversity_queries.min(self.metric_n),
            diversity_draws: self.diversity_draws,
            divergence_eps: self.div_eps,
        };
        set.validate(self.eval)
            .with_context(|| format!("--metrics (known: {})", COMPARE_METRICS.join(", ")))?;
        Ok(set)
    }
}
