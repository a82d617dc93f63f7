//! `compare`: runs every (solver x dataset x D x eps x seed) cell, prints a markdown table and
//! writes the long table (CSV, Parquet), its summary tables (markdown) and the provenance. The
//! default run (Sinkhorn and LightSB on the Gaussian and Gaussian-mixture pairs, D in {2, 16, 64},
//! eps in {0.1, 1, 10}) finishes in a few minutes on 2 cores; `--refresh-readme` also rewrites
//! the README's results block.
//! `--shard k/N` runs a slice of the grid, `--merge DIR` joins the slices; `--check-baseline`
//! and `--update-baseline` hold a run against a committed baseline.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;
use eot_bench::baseline::{Baseline, Grid, regression_table};
use eot_bench::outputs::{OutputPaths, readme_block, refresh_readme, write_charts, write_run};
use eot_bench::progress::Progress;
use eot_bench::reference::reference_seconds;
use eot_bench::sample_metrics::{COMPARE_METRICS, MetricSet};
use eot_bench::shard::{Shard, shard_files};
use eot_bench::solver_opts::{owned_option, solver_options};
use eot_bench::table::indexed_table;
use eot_bench::tasks::{FigureSize, TaskFigures, run_real_cell, task_by_name};
use eot_bench::{CellResult, CellSpec, EvalSizes, is_divergence, run_cell_with_metrics};
use eot_reports::frame::{concat_sorted, read_parquet, to_frame, write_parquet};
use eot_solvers::Registry;

/// Where the long table goes by default.
const DEFAULT_OUT: &str = "reports/results/compare.csv";

#[derive(Parser, Debug)]
#[command(about = "Compare EOT solvers against ground truth, cell by cell")]
struct Args {
    /// Solvers, comma-separated (see `eot solvers`).
    #[arg(long, value_delimiter = ',', default_value = "sinkhorn,gmm")]
    solvers: Vec<String>,
    /// Datasets: gaussian, gmm, swiss-roll (2-D only), and the real tasks mnist-2to3,
    /// fashion-sneaker-boot (in a 16-D autoencoder latent) and pbmc-mono-dc (50 PCs), which
    /// ignore --dims, fetch their data on first use (bench/scripts/fetch_real_data.sh) and train
    /// their networks once (cached in data/real/cache).
    #[arg(long, value_delimiter = ',', default_value = "gaussian,gmm")]
    datasets: Vec<String>,
    /// Dimensions D.
    #[arg(long, value_delimiter = ',', default_value = "2,16,64")]
    dims: Vec<usize>,
    /// Regularisers eps (cost |x-y|^2/2; POT's reg with cost |x-y|^2 is 2*eps).
    #[arg(long, value_delimiter = ',', default_value = "0.1,1,10", allow_negative_numbers = true)]
    eps: Vec<f64>,
    /// Run seeds (training samples and solver randomness).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    seeds: Vec<u64>,
    /// Training points drawn from each of source and target.
    #[arg(long, default_value_t = 2000)]
    n: usize,
    /// Fixed test points for cBW2-UVP.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Draws per test point for solvers without closed-form conditional moments.
    #[arg(long, default_value_t = 1000)]
    samples: usize,
    /// Held-out points for BW2-UVP and the dual value.
    #[arg(long, default_value_t = 2000)]
    eval: usize,
    /// Worker threads (rayon); 0 = all cores; at most the machine's logical CPUs.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Device: cpu, cuda, cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Solver setting key=value (repeatable), passed to every solver; SOLVER.key=value passes
    /// it to that solver only (e.g. gmm.covariance=full).
    #[arg(long = "opt")]
    opts: Vec<String>,
    /// Sample-metric columns, comma-separated, or `none`: w2 (exact W2^2, cost |x-y|^2),
    /// sliced-w2, energy, fid-proxy, sinkhorn-div (at --div-eps), cost (E|x-y|^2/2), lpips-proxy,
    /// diversity. Computed between the pushed-forward held-out source and a held-out target
    /// sample of --metric-n points each (fixed across solvers and seeds).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "w2,sliced-w2,energy,fid-proxy,cost,lpips-proxy,diversity"
    )]
    metrics: Vec<String>,
    /// Points per side for the sample metrics (at most --eval).
    #[arg(long, default_value_t = 1000)]
    metric_n: usize,
    /// Exact W2 only up to this many points (its solver is O(n^3): ~0.1 s at 1000 points);
    /// above it the w2 column shows `—`. At most eot_metrics::W2_MAX_POINTS.
    #[arg(long, default_value_t = 2000)]
    w2_max_n: usize,
    /// eps of the sinkhorn-div column (cost |x-y|^2/2).
    #[arg(long, default_value_t = 1.0)]
    div_eps: f64,
    /// Queries x (the first held-out source points) for the diversity column.
    #[arg(long, default_value_t = 50)]
    diversity_queries: usize,
    /// Draws of pi(.|x) per query for the diversity column.
    #[arg(long, default_value_t = 10)]
    diversity_draws: usize,
    /// Inputs per image task in its figure grid (the first held-out source images).
    #[arg(long, default_value_t = 6)]
    figure_inputs: usize,
    /// Draws of pi(.|x) per input in the image tasks' figure grids.
    #[arg(long, default_value_t = 3)]
    figure_draws: usize,
    /// Where the long table goes (CSV; the Parquet, summary and provenance files go beside it).
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Also rewrite the results block (between `<!-- compare:summary:start -->` and
    /// `<!-- compare:summary:end -->`) of this README (README.md when no path is given) with
    /// this run's tables; the maintainers' workflow. Without it the README is left alone.
    #[arg(long, num_args = 0..=1, default_missing_value = "README.md", value_name = "PATH")]
    refresh_readme: Option<PathBuf>,
    /// Where the charts go (cBW2-UVP against eps and against fit time, SVG and PNG); by default
    /// reports/figures for the default --out, else the folder of --out; `none`: no charts.
    #[arg(long)]
    figures: Option<String>,
    /// Run only slice k of N of the grid (cells k-1, k-1+N, ...) and write it as
    /// OUT_STEM.shard-k-of-N.parquet beside --out; `--merge` joins the slices.
    #[arg(long)]
    shard: Option<Shard>,
    /// Join the shard files in this folder into the tables of one run (runs no cell).
    #[arg(long, conflicts_with = "shard")]
    merge: Option<PathBuf>,
    /// Fail, with a table of what regressed, when a cell is worse than in this baseline file
    /// (beyond the tolerance the baseline states; by default quality 25 % + 0.05 points worse,
    /// or fit time / reference kernel 2.5x).
    #[arg(long, conflicts_with_all = ["shard", "merge"])]
    check_baseline: Option<PathBuf>,
    /// Write this run's figures as the new baseline file.
    #[arg(long, conflicts_with_all = ["shard", "merge", "check_baseline"])]
    update_baseline: Option<PathBuf>,
    /// With --update-baseline: the relative quality slack stored in the baseline (0.25 = a
    /// figure may be 25 % worse, plus 0.05 points); the check uses the baseline's own value.
    #[arg(long, requires = "update_baseline")]
    quality_tolerance: Option<f64>,
    /// Seconds between the progress lines printed when stderr is not a terminal (where the
    /// progress bar is hidden).
    #[arg(long, default_value_t = 30)]
    heartbeat: u64,
}

fn main() {
    eot_bench::runtime::main::<Args>(run);
}

fn run(args: Args) -> Result<()> {
    set_threads(args.threads)?;
    if args.heartbeat == 0 {
        bail!("--heartbeat must be >= 1 second");
    }
    // Every output location is checked before the first cell: a missing font, an unwritable
    // folder or a README without its results block would otherwise surface after the run.
    check_outputs(&args)?;
    if let Some(dir) = &args.merge {
        return merge(&args, dir);
    }
    for (flag, v) in [
        ("--n", args.n),
        ("--queries", args.queries),
        ("--samples", args.samples),
        ("--eval", args.eval),
    ] {
        if v < 2 {
            bail!("{flag} must be >= 2, got {v}");
        }
    }
    // The tree as it is when the run starts: edits made during a long run are not in it.
    let commit = eot_bench::provenance::commit();
    let registry = Registry::builtin();
    let sizes = EvalSizes {
        train: args.n,
        queries: args.queries,
        samples_per_query: args.samples,
        eval: args.eval,
    };
    let metric_set = metric_set(&args)?;
    let cells = cells(&args, sizes);
    check_grid(&registry, &args, &cells)?;
    let baseline = match &args.check_baseline {
        Some(path) => {
            let b = Baseline::load(path)?;
            b.check_grid(&grid(&args), path)?;
            Some(b)
        }
        None => None,
    };
    let timed = baseline.is_some() || args.update_baseline.is_some();
    let reference_before = if timed { Some(reference_seconds()?) } else { None };

    let mine: Vec<(usize, &CellSpec)> =
        cells.iter().enumerate().filter(|(i, _)| args.shard.is_none_or(|s| s.owns(*i))).collect();
    eprintln!("compare: {} of {} cells", mine.len(), cells.len());
    let progress = Progress::new(mine.len(), std::time::Duration::from_secs(args.heartbeat));
    let mut figures =
        TaskFigures::new(FigureSize { inputs: args.figure_inputs, draws: args.figure_draws });
    let mut results = Vec::new();
    for (k, &(i, spec)) in mine.iter().enumerate() {
        let cell = spec.label();
        progress.start_cell(&cell);
        let r = run_one(&registry, &args, spec, &metric_set, &mut figures)?;
        progress.finish_cell(&format!("[{}/{}] {cell} ... {}", k + 1, mine.len(), outcome(&r)));
        results.push((i, r));
    }
    progress.finish();
    let cell_results: Vec<CellResult> = results.iter().map(|(_, r)| r.clone()).collect();
    let table = indexed_table(&results)?;
    let mut df = to_frame(&table)?;
    let provenance = provenance(&args, &cell_results, &commit)?;

    if let Some(shard) = args.shard {
        let path = shard.path(&args.out);
        write_parquet(&mut df, &path)?;
        let meta = path.with_extension("provenance.txt");
        eot_reports::files::write_atomically(
            &meta,
            format!("Shard {shard} of the grid\n{provenance}").as_bytes(),
        )?;
        eprintln!("wrote {} and {}", path.display(), meta.display());
        return Ok(());
    }
    println!("{}", table.to_markdown());
    finish(&args, &mut df, &provenance)?;
    if let Some(dir) = figures_dir(&args) {
        let stem = args.out.file_stem().map_or("compare".into(), |s| s.to_string_lossy());
        for path in figures.write(&dir, &stem)? {
            eprintln!("wrote {}", path.display());
        }
    }

    if let Some(before) = reference_before {
        let reference = (before + reference_seconds()?) / 2.0;
        if let Some(path) = &args.update_baseline {
            let command = std::env::args().collect::<Vec<_>>().join(" ");
            let mut b = Baseline::from_run(command, commit, grid(&args), reference, &cell_results);
            if let Some(t) = args.quality_tolerance {
                if !(t.is_finite() && t >= 0.0) {
                    bail!("--quality-tolerance must be a number >= 0, got {t}");
                }
                b.tolerance.quality_relative = t;
            }
            b.save(path)?;
            eprintln!("wrote the baseline {} (reference kernel {reference:.4} s)", path.display());
        }
        if let (Some(b), Some(path)) = (&baseline, &args.check_baseline) {
            check(b, path, &cell_results, reference)?;
        }
    }
    Ok(())
}

/// Fits and scores one cell; a diverged fit becomes a row with no scores. A real image task's
/// cell also leaves its row of decoded draws in `figures`.
fn run_one(
    registry: &Registry,
    args: &Args,
    spec: &CellSpec,
    metric_set: &MetricSet,
    figures: &mut TaskFigures,
) -> Result<CellResult> {
    let options = solver_options(&args.opts, &spec.solver, &args.device)?;
    let outcome = if task_by_name(&spec.dataset).is_some() {
        run_real_cell(registry, spec, options.clone(), metric_set, figures.size()).map(|cell| {
            // One row per (solver, eps): the first seed's.
            if let Some(row) = cell.figure_row.filter(|_| Some(&spec.seed) == args.seeds.first()) {
                figures.add(&spec.dataset, row);
            }
            cell.result
        })
    } else {
        run_cell_with_metrics(registry, spec, options.clone(), metric_set)
    };
    match outcome {
        Ok(r) => Ok(r),
        Err(e) if is_divergence(&e) => {
            let settings = registry.build(&spec.solver, options)?.settings();
            Ok(CellResult::diverged(spec, settings, format!("{e:#}")))
        }
        Err(e) => Err(e),
    }
}

/// One line on how a cell went.
fn outcome(r: &CellResult) -> String {
    match (r.converged, r.cbw2_uvp, r.notes.first()) {
        (false, None, Some(note)) if note.starts_with("diverged") => note.clone(),
        (_, None, _) if !r.metrics.is_empty() => {
            let shown: Vec<String> = r
                .metrics
                .iter()
                .map(|(n, v)| format!("{n} {}", v.map_or("—".into(), |v| format!("{v:.4}"))))
                .collect();
            format!("{:.2}s, {}", r.fit_seconds, shown.join(", "))
        }
        _ => format!(
            "{:.2}s, cBW2-UVP {}",
            r.fit_seconds,
            r.cbw2_uvp.map_or("—".into(), |v| format!("{v:.3}%"))
        ),
    }
}

/// Writes the tables of a whole run (or of merged shards) and refreshes the README when the run
/// wrote to the default place.
fn finish(args: &Args, df: &mut polars::prelude::DataFrame, provenance: &str) -> Result<()> {
    let paths = OutputPaths::beside(&args.out);
    let summary = write_run(df, &paths, provenance)?;
    println!("{summary}");
    println!("{provenance}");
    eprintln!(
        "wrote {}, {}, {} and {}",
        paths.csv.display(),
        paths.parquet.display(),
        paths.summary.display(),
        paths.provenance.display()
    );
    let figures = figures_dir(args);
    let stem = args.out.file_stem().map_or("compare".into(), |s| s.to_string_lossy());
    let charts = match &figures {
        Some(dir) => write_charts(df, dir, &stem)?,
        None => Vec::new(),
    };
    for c in &charts {
        eprintln!("wrote {} (and its .svg)", c.display());
    }
    if let Some(readme) = &args.refresh_readme {
        let block = readme_block(&paths.csv, provenance, &summary, &charts);
        refresh_readme(readme, &block)?;
        eprintln!("refreshed the results block of {}", readme.display());
    }
    Ok(())
}

/// `--threads`: 0 leaves rayon's default (every logical CPU); more than the machine has is
/// refused (each thread would only wait for a core, and 100,000 of them exhaust the process).
fn set_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        return Ok(());
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads > cpus {
        bail!(
            "--threads {threads} is more than this machine's {cpus} logical CPUs; use at most \
             {cpus} (0 = all)"
        );
    }
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().context("--threads")
}

/// Checks every place the run will write before it starts: the folder of --out (the tables,
/// shards and provenance), the charts' folder and their font, the README to refresh (it must
/// exist and hold the results block), the baseline file's folder.
fn check_outputs(args: &Args) -> Result<()> {
    use eot_reports::files::check_output_dir;
    let folder = |p: &Path| p.parent().map_or(PathBuf::from("."), Path::to_path_buf);
    check_output_dir(&folder(&args.out)).context("--out")?;
    if let Some(dir) = figures_dir(args) {
        check_output_dir(&dir).context("--figures")?;
        eot_reports::figure::check_font(&dir)
            .map_err(|e| anyhow::anyhow!("{e}; or pass --figures none to skip the charts"))?;
    }
    if let Some(readme) = &args.refresh_readme {
        eot_bench::outputs::check_readme(readme).context("--refresh-readme")?;
    }
    if let Some(path) = &args.update_baseline {
        check_output_dir(&folder(path)).context("--update-baseline")?;
    }
    Ok(())
}

/// Where the charts go: `--figures`, else reports/figures for the default --out, else the
/// folder of --out; `None` for `--figures none`.
fn figures_dir(args: &Args) -> Option<PathBuf> {
    match args.figures.as_deref() {
        Some("none") => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None if args.out == Path::new(DEFAULT_OUT) => Some(PathBuf::from("reports/figures")),
        None => Some(args.out.parent().map_or(PathBuf::from("."), Path::to_path_buf)),
    }
}

/// `--merge DIR`: the shard files of DIR joined in grid order, written as one run's tables.
fn merge(args: &Args, dir: &Path) -> Result<()> {
    let files = shard_files(dir)?;
    let frames: Vec<_> = files.iter().map(|f| read_parquet(f)).collect::<Result<_, _>>()?;
    let mut df = concat_sorted(&frames, "cell")?;
    let mut provenance = vec![format!(
        "Merged from {} shards in {}: {}",
        files.len(),
        dir.display(),
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    )];
    for f in &files {
        let meta = f.with_extension("provenance.txt");
        if let Ok(text) = std::fs::read_to_string(&meta) {
            provenance.push(text);
        }
    }
    finish(args, &mut df, &provenance.join("\n"))
}

/// What a baseline must share with this run.
fn grid(args: &Args) -> Grid {
    Grid {
        solvers: args.solvers.clone(),
        datasets: args.datasets.clone(),
        dims: args.dims.clone(),
        eps: args.eps.clone(),
        seeds: args.seeds.clone(),
        n: args.n,
        queries: args.queries,
        samples: args.samples,
        eval: args.eval,
    }
}

/// Fails with the table of regressed figures, naming each cell.
fn check(b: &Baseline, path: &Path, results: &[CellResult], reference: f64) -> Result<()> {
    let regressions = b.regressions(results, reference, &b.tolerance)?;
    eprintln!(
        "baseline {}: {} cells checked, reference kernel {reference:.4} s (baseline {:.4} s)",
        path.display(),
        b.cells.len(),
        b.reference_seconds
    );
    if regressions.is_empty() {
        eprintln!("no regression against {}", path.display());
        return Ok(());
    }
    println!("{}", regression_table(&regressions));
    bail!(
        "{} figure(s) regressed against {} (table above); if intended, record a new baseline \
         with --update-baseline",
        regressions.len(),
        path.display()
    )
}

/// Refuses, before anything runs, a grid with no cells or with a cell that cannot be built (an
/// unknown solver or dataset, a dimension the dataset does not have, a bad eps or setting), so a
/// long run never stops half-way on a typo.
fn check_grid(registry: &Registry, args: &Args, cells: &[CellSpec]) -> Result<()> {
    for &eps in &args.eps {
        eot_solvers::Eps::new(eps).with_context(|| format!("--eps {eps}"))?;
    }
    if cells.is_empty() {
        bail!(
            "the grid is empty: --datasets {:?} with --dims {:?} leaves no cell",
            args.datasets,
            args.dims
        );
    }
    for o in &args.opts {
        if let Some((owner, _)) = owned_option(o)
            && !args.solvers.iter().any(|s| s == owner)
        {
            bail!("--opt {o}: '{owner}' is not among --solvers {:?}", args.solvers);
        }
    }
    for solver in &args.solvers {
        registry
            .build(solver, solver_options(&args.opts, solver, &args.device)?)
            .with_context(|| format!("--solvers {solver}"))?;
    }
    for (flag, v) in
        [("--figure-inputs", args.figure_inputs), ("--figure-draws", args.figure_draws)]
    {
        if v == 0 {
            bail!("{flag} must be >= 1");
        }
    }
    // Real tasks: a bad eps, a failed fetch or a failed network training shows up here, not
    // after the synthetic cells.
    let mut real_tasks = std::collections::BTreeSet::new();
    for c in cells.iter().filter(|c| task_by_name(&c.dataset).is_some()) {
        if real_tasks.insert(c.dataset.clone()) {
            let task = task_by_name(&c.dataset).expect("filtered to real tasks");
            eot_bench::tasks::prepare(task).with_context(|| format!("preparing {}", c.dataset))?;
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in cells.iter().filter(|c| task_by_name(&c.dataset).is_none()) {
        if seen.insert((c.dataset.clone(), c.dim, c.eps.to_bits())) {
            eot_datasets::pair_by_name(&c.dataset, c.dim, c.eps)
                .with_context(|| format!("cell {}", c.label()))?;
        }
    }
    Ok(())
}

/// The `--metrics` columns and their sizes, checked before anything runs.
fn metric_set(args: &Args) -> Result<MetricSet> {
    let names: Vec<String> = args
        .metrics
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty() && n != "none")
        .collect();
    if args.w2_max_n > eot_metrics::W2_MAX_POINTS {
        bail!("--w2-max-n is at most {} (exact W2's limit)", eot_metrics::W2_MAX_POINTS);
    }
    let set = MetricSet {
        names,
        points: args.metric_n,
        w2_max_points: args.w2_max_n,
        diversity_queries: args.diversity_queries.min(args.metric_n),
        diversity_draws: args.diversity_draws,
        divergence_eps: args.div_eps,
    };
    set.validate(args.eval)
        .with_context(|| format!("--metrics (known: {})", COMPARE_METRICS.join(", ")))?;
    Ok(set)
}

fn cells(args: &Args, sizes: EvalSizes) -> Vec<CellSpec> {
    let mut out = Vec::new();
    for solver in &args.solvers {
        for dataset in &args.datasets {
            // A real task has one dimension of its own.
            let dims = match task_by_name(dataset) {
                Some(task) => vec![task.dim],
                None => args.dims.clone(),
            };
            for dim in dims {
                if dataset == "swiss-roll" && dim != 2 {
                    continue;
                }
                for &eps in &args.eps {
                    for &seed in &args.seeds {
                        out.push(CellSpec {
                            solver: solver.clone(),
                            dataset: dataset.clone(),
                            dim,
                            eps,
                            seed,
                            sizes,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Seeds, settings and versions behind the figures (printed, and written beside the CSV), and
/// how each real task's space was made.
fn provenance(args: &Args, results: &[eot_bench::CellResult], commit: &str) -> Result<String> {
    let threads = if args.threads == 0 { rayon::current_num_threads() } else { args.threads };
    let mut lines = vec![format!(
        "Provenance: eot-bench {} (commit {commit}), seeds {:?}, n={}, queries={}, samples={}, eval={}, threads={threads}, device={}\n\
         Sample metrics: {:?} on {} held-out points per side (a real task: at most that, all its held-out points where a class has fewer) (exact W2 up to {} points; sliced W2 with {} directions; \
         sinkhorn-div at eps={}; diversity over {} queries x {} draws)",
        env!("CARGO_PKG_VERSION"),
        args.seeds,
        args.n,
        args.queries,
        args.samples,
        args.eval,
        args.device,
        args.metrics,
        args.metric_n,
        args.w2_max_n,
        eot_bench::sample_metrics::SLICED_DIRECTIONS,
        args.div_eps,
        args.diversity_queries.min(args.metric_n),
        args.diversity_draws
    )];
    let mut seen = std::collections::BTreeSet::new();
    for r in results {
        if seen.insert(r.spec.solver.clone()) {
            let s: Vec<String> = r.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            lines.push(format!("Settings of {}: {}", r.spec.solver, s.join(", ")));
        }
    }
    for r in results.iter().filter(|r| !r.notes.is_empty()) {
        let c = &r.spec;
        lines.push(format!(
            "Fit notes of {} on {} D={} eps={} seed={}: {}",
            c.solver,
            c.dataset,
            c.dim,
            c.eps,
            c.seed,
            r.notes.join("; ")
        ));
    }
    let mut tasks: Vec<&str> = results.iter().map(|r| r.spec.dataset.as_str()).collect();
    tasks.sort_unstable();
    tasks.dedup();
    for task in tasks.into_iter().filter_map(task_by_name) {
        for note in &eot_bench::tasks::prepare(task)?.notes {
            lines.push(format!("Task {note}"));
        }
    }
    Ok(lines.join("\n"))
}
