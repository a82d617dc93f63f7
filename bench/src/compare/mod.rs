//! `compare`, as a library: [`main`] takes the registry, so a crate that registers its own
//! solver gets the whole command in a few lines (see `examples/custom_solver`).
//!
//! `compare` runs every (solver x dataset x D x eps x seed) cell, prints a markdown table and
//! writes the long table (CSV, Parquet), its summary tables (markdown) and the provenance. The
//! default run (Sinkhorn and LightSB on the Gaussian and Gaussian-mixture pairs, D in {2, 16, 64},
//! eps in {0.1, 1, 10}) finishes in a few minutes on 2 cores; `--refresh-readme` also rewrites
//! the README's results block.
//! `--shard k/N` runs a slice of the grid, `--merge` joins the slices (or runs of different
//! solvers over one grid); `--check-baseline` and `--update-baseline` hold a run against a
//! committed baseline.

mod args;
mod grid;
mod merge;
mod profile;

pub use args::{Args, DEFAULT_OUT};
pub use grid::cells;
use grid::{check_grid, check_outputs, set_threads};
pub use profile::{PROFILES, Profile, profile};

use std::path::Path;

use anyhow::{Result, bail};
use eot_solvers::Registry;

use crate::baseline::{Baseline, regression_table};
use crate::calibration::{CALIBRATIONS, is_calibration};
use crate::external::{self, ExternalSolver};
use crate::outputs::{OutputPaths, readme_block, refresh_readme, write_charts, write_run};
use crate::progress::Progress;
use crate::reference::reference_seconds;
use crate::solver_opts::solver_options;
use crate::table::indexed_table;
use crate::tasks::TaskFigures;
use crate::{CellResult, CellSpec, Fitter, Scoring, Task, is_divergence, run_cell_with};
use eot_reports::frame::{to_frame, write_parquet};

/// The body of a `compare` binary: parses the command line and runs it with `registry`'s
/// solvers (`--solvers` names them); an error is printed and exits with status 1.
pub fn main(registry: Registry) {
    crate::runtime::run_main(|| {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Args::command().get_matches();
        let mut args = Args::from_arg_matches(&matches)?;
        profile(&args.profile)?.apply(&mut args, &matches);
        run(args, &registry)
    });
}

/// Runs `compare` with parsed arguments and `registry`'s solvers.
pub fn run(args: Args, registry: &Registry) -> Result<()> {
    set_threads(args.threads)?;
    crate::runtime::flush_subnormals_on_every_thread();
    if args.heartbeat == 0 {
        bail!("--heartbeat must be >= 1 second");
    }
    // Every output location is checked before the first cell: a missing font, an unwritable
    // folder or a README without its results block would otherwise surface after the run.
    check_outputs(&args)?;
    if !args.merge.is_empty() {
        return merge::merge(&args);
    }
    // The tree as it is when the run starts: edits made during a long run are not in it.
    let commit = crate::provenance::commit();
    let scoring = args.scoring()?;
    let taken: Vec<&str> =
        registry.list().iter().map(|(n, _)| *n).chain(CALIBRATIONS.iter().copied()).collect();
    let externals = external::configure(&args.externals, &args.opts, &taken)?;
    let cells = cells(&args, &args.sizes()?)?;
    check_grid(registry, &externals, &args, &cells)?;
    let baseline = match &args.check_baseline {
        Some(path) => {
            let b = Baseline::load(path)?;
            b.check_grid(&args.grid(), path)?;
            Some(b)
        }
        None => None,
    };
    // Timed in every run (about 0.2 s): the provenance states it beside the run's wall clock.
    let reference_before = reference_seconds()?;
    let started = std::time::Instant::now();

    let mine: Vec<(usize, &CellSpec)> =
        cells.iter().enumerate().filter(|(i, _)| args.shard.is_none_or(|s| s.owns(*i))).collect();
    eprintln!("compare: {} of {} cells", mine.len(), cells.len());
    let progress = Progress::new(mine.len(), std::time::Duration::from_secs(args.heartbeat));
    let mut figures = TaskFigures::new(args.figure_size());
    let mut results = Vec::new();
    for (k, &(i, spec)) in mine.iter().enumerate() {
        let cell = spec.label();
        progress.start_cell(&cell);
        let r = run_one(registry, &externals, &args, spec, &scoring, &mut figures)?;
        progress.finish_cell(&format!("[{}/{}] {cell} ... {}", k + 1, mine.len(), outcome(&r)));
        results.push((i, r));
    }
    progress.finish();
    let cell_results: Vec<CellResult> = results.iter().map(|(_, r)| r.clone()).collect();
    let table = indexed_table(&results)?;
    let mut df = to_frame(&table)?;
    let timing = Timing { cells_seconds: started.elapsed().as_secs_f64(), reference_before };
    let provenance = provenance(&args, &cell_results, &commit, &timing)?;

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
    if let Some(dir) = args.figures_dir() {
        let stem = args.out.file_stem().map_or("compare".into(), |s| s.to_string_lossy());
        for path in figures.write(&dir, &stem)? {
            eprintln!("wrote {}", path.display());
        }
    }

    if baseline.is_some() || args.update_baseline.is_some() {
        let reference = (reference_before + reference_seconds()?) / 2.0;
        if let Some(path) = &args.update_baseline {
            let command = std::env::args().collect::<Vec<_>>().join(" ");
            let mut b = Baseline::from_run(command, commit, args.grid(), reference, &cell_results);
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

/// What fits the cells of `solver`: a calibration plan, an external program, or a solver of
/// the registry.
fn fitter<'a>(
    registry: &'a Registry,
    externals: &'a [ExternalSolver],
    args: &Args,
    solver: &'a str,
) -> Result<Fitter<'a>> {
    if is_calibration(solver) {
        return Ok(Fitter::Calibration(solver));
    }
    if let Some(e) = externals.iter().find(|e| e.name == solver) {
        return Ok(Fitter::External(e));
    }
    Ok(Fitter::Solver { registry, options: solver_options(&args.opts, solver, &args.device)? })
}

/// Fits and scores one cell; a diverged fit (or a failed external program) becomes a row with
/// no scores that says why. A real image task's cell also leaves its row of decoded draws in
/// `figures` (the first seed's, one row per solver and eps).
fn run_one(
    registry: &Registry,
    externals: &[ExternalSolver],
    args: &Args,
    spec: &CellSpec,
    scoring: &Scoring,
    figures: &mut TaskFigures,
) -> Result<CellResult> {
    let fitter = fitter(registry, externals, args, &spec.solver)?;
    match run_cell_with(&fitter, spec, scoring) {
        Ok(cell) => {
            if let Some(row) = cell.figure_row.filter(|_| Some(&spec.seed) == args.seeds.first()) {
                figures.add(&spec.dataset, row);
            }
            Ok(cell.result)
        }
        Err(e) if is_divergence(&e) => {
            let settings = match &fitter {
                Fitter::Solver { registry, options } => {
                    registry.build(&spec.solver, options.clone())?.settings()
                }
                Fitter::External(e) => e.settings(),
                Fitter::Calibration(name) => crate::calibration::settings(name),
            };
            Ok(CellResult::failed(spec, settings, &e))
        }
        Err(e) => Err(e),
    }
}

/// One line on how a cell went.
fn outcome(r: &CellResult) -> String {
    match (r.converged, r.cbw2_uvp, r.notes.first()) {
        (false, None, Some(note)) if note.starts_with("diverged") || note.starts_with("failed") => {
            note.clone()
        }
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
    let figures = args.figures_dir();
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

/// Seeds, settings and versions behind the figures (printed, and written beside the CSV), and
/// how each real task's space was made.
/// How long the cells took, and the machine's speed at the start of the run.
struct Timing {
    /// Wall-clock seconds from the first cell's start to the last cell's end.
    cells_seconds: f64,
    /// Seconds of the reference kernel ([`reference_seconds`]) before the first cell.
    reference_before: f64,
}

fn provenance(args: &Args, results: &[CellResult], commit: &str, t: &Timing) -> Result<String> {
    let threads = if args.threads == 0 { rayon::current_num_threads() } else { args.threads };
    let mut lines = vec![format!(
        "Provenance: eot-bench {} (commit {commit}), seeds {:?}, n={} (fixed-n {}), queries={}, samples={}, eval={}, threads={threads}, device={}\n\
         Sample metrics: {:?} on {} held-out points per side (a real task: at most that, all its held-out points where a class has fewer) (exact W2 up to {} points; sliced W2 with {} directions; \
         sinkhorn-div at eps={}; diversity over {} queries x {} draws)",
        env!("CARGO_PKG_VERSION"),
        args.seeds,
        args.n.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(","),
        args.fixed_n,
        args.queries,
        args.samples,
        args.eval,
        args.device,
        args.metrics,
        args.metric_n,
        args.w2_max_n,
        crate::sample_metrics::SLICED_DIRECTIONS,
        args.div_eps,
        args.diversity_queries.min(args.metric_n),
        args.diversity_draws
    )];
    lines.push(format!(
        "Timing: the cells took {:.1} s of wall clock; the reference kernel (bench/src/reference.rs: \
         a float32 matrix product and a float64 log-sum-exp sweep) took {:.4} s before the first \
         cell. The machine's speed moves between runs: divide a time by the kernel's to compare runs",
        t.cells_seconds, t.reference_before
    ));
    let profile = profile(&args.profile)?;
    lines.push(format!(
        "Profile: {} ({}); settings given on top of the solvers' defaults: {}",
        profile.name,
        profile.about,
        if args.opts.is_empty() { "none".to_string() } else { args.opts.join(" ") }
    ));
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
            "Fit notes of {} on {} D={} eps={} seed={} n={} ({}): {}",
            c.solver,
            c.dataset,
            c.dim,
            c.eps,
            c.seed,
            c.sizes.train,
            c.sizes.regime(),
            r.notes.join("; ")
        ));
    }
    let mut tasks: Vec<&str> = results.iter().map(|r| r.spec.dataset.as_str()).collect();
    tasks.sort_unstable();
    tasks.dedup();
    for task in tasks.into_iter().filter_map(|t| Task::by_name(t).ok()) {
        for note in task.prepared()?.iter().flat_map(|p| &p.notes) {
            lines.push(format!("Task {note}"));
        }
    }
    Ok(lines.join("\n"))
}
