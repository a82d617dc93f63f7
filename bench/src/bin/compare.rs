//! `compare`: runs every (solver x dataset x D x eps x seed) cell, prints a markdown table and
//! writes it as CSV. The default run (Sinkhorn on the Gaussian and Gaussian-mixture pairs,
//! D in {2, 16, 64}, eps in {0.1, 1, 10}) finishes in a few minutes on 2 cores.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use eot_bench::sample_metrics::{COMPARE_METRICS, MetricSet};
use eot_bench::solver_opts::{owned_option, solver_options};
use eot_bench::{
    CellResult, CellSpec, EvalSizes, is_divergence, run_cell_with_metrics, table::results_table,
};
use eot_solvers::Registry;

#[derive(Parser, Debug)]
#[command(about = "Compare EOT solvers against ground truth, cell by cell")]
struct Args {
    /// Solvers, comma-separated (see `eot solvers`).
    #[arg(long, value_delimiter = ',', default_value = "sinkhorn,gmm")]
    solvers: Vec<String>,
    /// Datasets: gaussian, gmm, swiss-roll (2-D only).
    #[arg(long, value_delimiter = ',', default_value = "gaussian,gmm")]
    datasets: Vec<String>,
    /// Dimensions D.
    #[arg(long, value_delimiter = ',', default_value = "2,16,64")]
    dims: Vec<usize>,
    /// Regularisers eps (cost |x-y|^2/2; POT's reg with cost |x-y|^2 is 2*eps).
    #[arg(long, value_delimiter = ',', default_value = "0.1,1,10")]
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
    /// Worker threads (rayon); 0 = all cores.
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
    /// Where the CSV goes.
    #[arg(long, default_value = "reports/results/compare.csv")]
    out: PathBuf,
}

fn main() {
    eot_bench::runtime::main::<Args>(run);
}

fn run(args: Args) -> Result<()> {
    if args.threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global()
            .context("--threads")?;
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
    eprintln!("compare: {} cells", cells.len());
    let mut results = Vec::new();
    for (i, spec) in cells.iter().enumerate() {
        let options = solver_options(&args.opts, &spec.solver, &args.device)?;
        eprint!(
            "[{}/{}] {} {} D={} eps={} seed={} ... ",
            i + 1,
            cells.len(),
            spec.solver,
            spec.dataset,
            spec.dim,
            spec.eps,
            spec.seed
        );
        let r = match run_cell_with_metrics(&registry, spec, options.clone(), &metric_set) {
            Ok(r) => r,
            Err(e) if is_divergence(&e) => {
                eprintln!("diverged: {e:#}");
                let settings = registry.build(&spec.solver, options)?.settings();
                results.push(CellResult::diverged(spec, settings, format!("{e:#}")));
                continue;
            }
            Err(e) => return Err(e),
        };
        eprintln!(
            "{:.2}s, cBW2-UVP {}",
            r.fit_seconds,
            r.cbw2_uvp.map_or("—".into(), |v| format!("{v:.3}%"))
        );
        results.push(r);
    }
    let table = results_table(&results)?;
    println!("{}", table.to_markdown());
    table.write_csv(&args.out)?;
    let provenance = provenance(&args, &results, &commit);
    println!("{provenance}");
    let meta = args.out.with_extension("provenance.txt");
    std::fs::write(&meta, &provenance).with_context(|| format!("writing {}", meta.display()))?;
    eprintln!("wrote {} and {}", args.out.display(), meta.display());
    Ok(())
}

/// Refuses, before anything runs, a grid with no cells or with a cell that cannot be built (an
/// unknown solver or dataset, a dimension the dataset does not have, a bad eps or setting), so a
/// long run never stops half-way on a typo.
fn check_grid(registry: &Registry, args: &Args, cells: &[CellSpec]) -> Result<()> {
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
    let mut seen = std::collections::BTreeSet::new();
    for c in cells {
        if seen.insert((c.dataset.clone(), c.dim, c.eps.to_bits())) {
            eot_datasets::pair_by_name(&c.dataset, c.dim, c.eps)
                .with_context(|| format!("cell {} D={} eps={}", c.dataset, c.dim, c.eps))?;
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
            for &dim in &args.dims {
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

/// Seeds, settings and versions behind the figures (printed, and written beside the CSV).
fn provenance(args: &Args, results: &[eot_bench::CellResult], commit: &str) -> String {
    let threads = if args.threads == 0 { rayon::current_num_threads() } else { args.threads };
    let mut lines = vec![format!(
        "Provenance: eot-bench {} (commit {commit}), seeds {:?}, n={}, queries={}, samples={}, eval={}, threads={threads}, device={}\n\
         Sample metrics: {:?} on {} held-out points per side (exact W2 up to {} points; sliced W2 with {} directions; \
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
    lines.join("\n")
}
