//! `eot`: the suite's solvers on one's own point files.
//!
//! `eot transport --solver sinkhorn --eps 1.0 --source S --target T --queries Q --samples K --seed 0 --out OUT.csv`
//! writes `query,sample,y0,...,y{D-1}`: K draws of pi(.|q) per row q of Q.
//!
//! `eot metric --name NAME --a A --b B [--seed S] [--eps E]` prints one metric between the
//! samples in files A and B, the value alone on the last line of its output.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use eot_datasets::io::{load_matching, load_queries};
use eot_datasets::seeded_rng;
use eot_reports::files::{OutputFile, same_file};
use eot_solvers::{Eps, FitData, Options, Registry};

#[derive(Parser, Debug)]
#[command(about = "Entropic OT solvers on your own point files (CSV with header, .npy, Parquet)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug)]
struct FitArgs {
    /// Solver name (see `eot solvers`).
    #[arg(long)]
    solver: String,
    /// Regulariser eps for the cost |x-y|^2/2.
    #[arg(long, allow_negative_numbers = true)]
    eps: f64,
    /// Source points file.
    #[arg(long)]
    source: PathBuf,
    /// Target points file.
    #[arg(long)]
    target: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Solver setting key=value (repeatable).
    #[arg(long = "opt")]
    opts: Vec<String>,
    /// Device: cpu, cuda, cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fit on source and target, then draw samples of pi(.|q) for every query q.
    Transport {
        #[command(flatten)]
        fit: FitArgs,
        /// Query points file.
        #[arg(long)]
        queries: PathBuf,
        /// Draws per query.
        #[arg(long)]
        samples: usize,
        /// Output CSV.
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit on source and target and print the fit statistics and dual value as JSON.
    Solve {
        #[command(flatten)]
        fit: FitArgs,
    },
    /// One metric between the samples in two point files; prints the value alone on the last
    /// line. w2: exact W2^2 with cost |x-y|^2 (as POT's ot.emd2 with ot.dist; equal sizes, at
    /// most 10,000 points); sliced-w2: sliced W2^2, cost |x-y|^2, 200 directions from --seed
    /// (POT's sliced_wasserstein_distance is its square root); sinkhorn-div: Sinkhorn divergence,
    /// cost |x-y|^2/2, needs --eps; energy: energy distance (V-statistic); fid-proxy: Fréchet
    /// distance of the sample moments; bw2-uvp: 100 BW2(moments of A, moments of B) / Var(B).
    Metric {
        /// w2, sliced-w2, sinkhorn-div, energy, fid-proxy or bw2-uvp.
        #[arg(long)]
        name: String,
        /// First sample (point file).
        #[arg(long)]
        a: PathBuf,
        /// Second sample (point file; the reference for bw2-uvp).
        #[arg(long)]
        b: PathBuf,
        /// Seed of the sliced-W2 directions.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// eps of sinkhorn-div (cost |x-y|^2/2; POT's reg with cost |x-y|^2 is 2*eps).
        #[arg(long, allow_negative_numbers = true)]
        eps: Option<f64>,
    },
    /// The benchmark pairs as files anyone can read (export), and any program's draws scored
    /// against them (score).
    Benchmark {
        #[command(subcommand)]
        command: BenchmarkCommand,
    },
    /// List the registered solvers; with --settings, every setting key of one solver (or of
    /// all) with its default, range and help.
    Solvers {
        /// Print the settings of this solver (all solvers when no name is given).
        #[arg(long, value_name = "NAME")]
        settings: Option<Option<String>>,
    },
}

#[derive(Subcommand, Debug)]
enum BenchmarkCommand {
    /// Writes one folder per (dataset, D, eps): training samples, the fixed test points, the
    /// exact conditional moments there, the target's moments, the construction, and a
    /// manifest with the conventions and every file's SHA-256.
    Export {
        /// gmm (the Gaussian-mixture benchmark pairs), gmm-fresh (untuned pairs of that family) or
        /// gaussian.
        #[arg(long, default_value = "gmm")]
        dataset: String,
        /// Dimensions D.
        #[arg(long, value_delimiter = ',', default_value = "2,16,64,128")]
        dims: Vec<usize>,
        /// Regularisers eps (cost |x-y|^2/2).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "0.1,1,10",
            allow_negative_numbers = true
        )]
        eps: Vec<f64>,
        /// Seed of the training samples (as compare's --seeds).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Training points per side (as compare's --n).
        #[arg(long, default_value_t = 2000)]
        n: usize,
        /// Test points (the benchmark protocol: 1000).
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        /// Folder to write the pairs' folders in.
        #[arg(long)]
        out: PathBuf,
    },
    /// Scores K draws of pi(.|x) per test point of an exported pair: cBW2-UVP, BW2-UVP of the
    /// pushed-forward test points, conditional diversity, and the noise floor (exact draws of
    /// the same K).
    Score {
        /// The pair's folder (written by `eot benchmark export`).
        #[arg(long)]
        pair: PathBuf,
        /// The draws: CSV `query,sample,y0,...` (as `eot transport` writes) or .npy (Q, K, D).
        #[arg(long)]
        samples: PathBuf,
        /// Seed of the noise floor's exact draws.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Print one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    eot_bench::runtime::main::<Cli>(run);
}

fn run(cli: Cli) -> Result<()> {
    let registry = Registry::builtin();
    match cli.command {
        Command::Solvers { settings: None } => {
            for (name, summary) in registry.list() {
                println!("{name:12} {summary}");
            }
            Ok(())
        }
        Command::Solvers { settings: Some(only) } => {
            let names: Vec<&str> = match &only {
                Some(name) => vec![name.as_str()],
                None => registry.list().into_iter().map(|(n, _)| n).collect(),
            };
            for name in names {
                print!("{}", settings_table(&registry, name)?);
            }
            Ok(())
        }
        Command::Benchmark { command } => benchmark(command),
        Command::Solve { fit } => {
            let (source, target) = load_matching(&fit.source, &fit.target)?;
            let start = Instant::now();
            let plan = fit_plan(&registry, &fit, &source, &target)?;
            let seconds = start.elapsed().as_secs_f64();
            let dual = plan.dual_value(&source, &target)?;
            let r = plan.report();
            let json = serde_json::json!({
                "solver": fit.solver, "eps": fit.eps, "n": source.len(), "m": target.len(), "dim": source.dim(),
                "seconds": seconds, "iterations": r.iterations, "converged": r.converged,
                "final_error": r.final_error, "dual_value": dual.value, "notes": r.notes,
            });
            println!("{json}");
            Ok(())
        }
        Command::Metric { name, a, b, seed, eps } => {
            if !eot_bench::sample_metrics::TWO_SAMPLE.contains(&name.as_str()) {
                bail!(
                    "unknown metric '{name}' (known: {})",
                    eot_bench::sample_metrics::TWO_SAMPLE.join(", ")
                );
            }
            let (pa, pb) = load_matching(&a, &b)?;
            let start = Instant::now();
            let value = eot_bench::sample_metrics::two_sample(&name, &pa, &pb, seed, eps)?;
            eprintln!(
                "{name}: {} vs {} points in D={}, {:.6} s",
                pa.len(),
                pb.len(),
                pa.dim(),
                start.elapsed().as_secs_f64()
            );
            println!("{value}");
            Ok(())
        }
        Command::Transport { fit, queries, samples, out } => {
            if samples == 0 {
                bail!("--samples must be >= 1");
            }
            let inputs =
                [("--source", &fit.source), ("--target", &fit.target), ("--queries", &queries)];
            if let Some((flag, _)) = inputs.iter().find(|(_, input)| same_file(&out, input)) {
                bail!(
                    "--out {} is the {flag} file: writing the samples there would overwrite the \
                     input; choose another output path",
                    out.display()
                );
            }
            // Created now, so an output that cannot be written is found before the fit.
            let mut output = OutputFile::create(&out).context("--out")?;
            let (source, target) = load_matching(&fit.source, &fit.target)?;
            let queries_pts = load_queries(&queries, source.dim())?;
            let total = queries_pts
                .len()
                .checked_mul(samples)
                .filter(|t| t.checked_mul(source.dim()).is_some());
            if total.is_none() {
                bail!(
                    "--samples {samples} x {} queries is too many draws to hold",
                    queries_pts.len()
                );
            }
            let plan = fit_plan(&registry, &fit, &source, &target)?;
            let draws = plan.sample(&queries_pts, samples, &mut seeded_rng(fit.seed))?;
            write_samples(output.writer(), &draws, samples)
                .with_context(|| format!("writing {}", out.display()))?;
            output.commit().context("--out")
        }
    }
}

/// `eot benchmark export` and `eot benchmark score`.
fn benchmark(command: BenchmarkCommand) -> Result<()> {
    use eot_bench::pair_files::{ExportSizes, export_pair, load_pair};
    use eot_bench::pair_score::{load_draws, score};
    match command {
        BenchmarkCommand::Export { dataset, dims, eps, seed, n, queries, out } => {
            if !["gmm", "gmm-fresh", "gaussian"].contains(&dataset.as_str()) {
                bail!("--dataset {dataset}: the exported pairs are gmm, gmm-fresh and gaussian");
            }
            for (flag, v) in [("--n", n), ("--queries", queries)] {
                if v < 2 {
                    bail!("{flag} must be >= 2, got {v}");
                }
            }
            for &e in &eps {
                Eps::new(e).with_context(|| format!("--eps {e}"))?;
            }
            eot_reports::files::check_output_dir(&out).context("--out")?;
            let commit = eot_bench::provenance::commit();
            for &d in &dims {
                for &e in &eps {
                    let sizes = ExportSizes { n, queries };
                    let dir = export_pair(&dataset, d, e, seed, sizes, &out, &commit)
                        .with_context(|| format!("exporting {dataset} D={d} eps={e}"))?;
                    eprintln!("wrote {}", dir.display());
                }
            }
            Ok(())
        }
        BenchmarkCommand::Score { pair, samples, seed, json } => {
            let files = load_pair(&pair)?;
            let m = &files.manifest;
            let draws = load_draws(&samples, m.test_points, m.dim)?;
            let s = score(&files, &draws, seed)?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!(
                    "pair: {} D={} eps={} ({} test points x {} draws)",
                    m.dataset, m.dim, m.eps, s.test_points, s.draws
                );
                println!(
                    "cBW2-UVP %: {:.4} (at {} draws: exact draws score {:.4}, draws ignoring x {:.4})",
                    s.cbw2_uvp, s.draws, s.floor_cbw2_uvp, s.independent_cbw2_uvp
                );
                println!("BW2-UVP % of the pushed-forward test points: {:.4}", s.bw2_uvp);
                println!("conditional diversity: {:.4}", s.diversity);
            }
            Ok(())
        }
    }
}

/// `name`'s settings as an aligned table: key, default, range or accepted words, help.
fn settings_table(registry: &Registry, name: &str) -> Result<String> {
    let help = registry.settings_help(name)?;
    let summary = registry.list().into_iter().find(|(n, _)| *n == name).map_or("", |(_, s)| s);
    let mut out = format!("{name}: {summary}\n");
    if help.is_empty() {
        out.push_str("  (no settings declared)\n");
    }
    let width =
        |f: &dyn Fn(&eot_solvers::SettingHelp) -> usize| help.iter().map(f).max().unwrap_or(0);
    let (wk, wd, wr) =
        (width(&|h| h.key.len()), width(&|h| h.default.len()), width(&|h| h.range.len()));
    for h in &help {
        out.push_str(&format!("  {:wk$}  {:wd$}  {:wr$}  {}\n", h.key, h.default, h.range, h.help));
    }
    Ok(out + "\n")
}

fn fit_plan(
    registry: &Registry,
    fit: &FitArgs,
    source: &eot_datasets::Points,
    target: &eot_datasets::Points,
) -> Result<Box<dyn eot_solvers::FittedPlan>> {
    let mut options = Options::parse(&fit.opts)?;
    if fit.device != "cpu" {
        options = options.with("device", &fit.device);
    }
    let solver = registry.build(&fit.solver, options)?;
    let plan = solver
        .fit(&FitData::samples(source, target), Eps::new(fit.eps)?, fit.seed)
        .with_context(|| format!("fitting {}", fit.solver))?;
    let report = plan.report();
    // What select=auto chose and every candidate's held-out dual: the user's only view of it.
    for note in report.notes.iter().filter(|n| n.starts_with("select=auto")) {
        eprintln!("{note}");
    }
    if !report.converged {
        let why: Vec<&str> = report
            .notes
            .iter()
            .filter(|n| n.starts_with("not converged"))
            .map(String::as_str)
            .collect();
        let why = match (why.is_empty(), report.final_error) {
            (false, _) => why.join("; "),
            (true, Some(e)) => format!("final error {e:e}"),
            (true, None) => "see the fit notes".into(),
        };
        eprintln!("warning: {} did not converge: {why}", fit.solver);
    }
    Ok(plan)
}

/// The draws as CSV: `query,sample,y0,...`, `k` rows per query.
fn write_samples(w: &mut impl Write, draws: &eot_datasets::Points, k: usize) -> Result<()> {
    let header: Vec<String> = ["query".into(), "sample".into()]
        .into_iter()
        .chain((0..draws.dim()).map(|k| format!("y{k}")))
        .collect();
    writeln!(w, "{}", header.join(","))?;
    for (i, row) in draws.rows().enumerate() {
        let values: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        writeln!(w, "{},{},{}", i / k, i % k, values.join(","))?;
    }
    Ok(())
}
