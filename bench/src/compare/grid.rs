//! The grid of a run and the checks made before its first cell: every cell buildable, every
//! output writable, the thread count within the machine.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use eot_solvers::Registry;

use super::Args;
use crate::calibration::is_calibration;
use crate::external::ExternalSolver;
use crate::solver_opts::{owned_option, solver_options};
use crate::{CellSpec, EvalSizes, Task};

/// Every (solver x dataset x D x eps x seed) cell, in grid order: a dataset runs at the
/// dimensions it has among --dims (a real task at its own).
pub fn cells(args: &Args, sizes: &[EvalSizes]) -> Result<Vec<CellSpec>> {
    let mut out = Vec::new();
    for solver in &args.solvers {
        for dataset in &args.datasets {
            let task = Task::by_name(dataset).with_context(|| format!("--datasets {dataset}"))?;
            let allowed = args.solver_dims.iter().find(|(s, _)| s == solver).map(|(_, d)| d);
            for dim in task.dims(&args.dims) {
                if allowed.is_some_and(|d| !d.contains(&dim) && !task.is_real()) {
                    continue;
                }
                for &eps in &args.eps {
                    for (&seed, &sizes) in cross(&args.seeds, sizes) {
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
    Ok(out)
}

/// Every (a, b), a in the outer loop.
fn cross<'a, A, B>(a: &'a [A], b: &'a [B]) -> impl Iterator<Item = (&'a A, &'a B)> {
    b.iter().flat_map(move |y| a.iter().map(move |x| (x, y)))
}

/// Refuses, before anything runs, a grid with no cells or with a cell that cannot be built (an
/// unknown solver or dataset, a dimension the dataset does not have, a bad eps or setting), so a
/// long run never stops half-way on a typo.
pub fn check_grid(
    registry: &Registry,
    externals: &[ExternalSolver],
    args: &Args,
    cells: &[CellSpec],
) -> Result<()> {
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
        if is_calibration(solver) {
            continue;
        }
        if externals.iter().any(|e| &e.name == solver) {
            continue;
        }
        registry
            .build(solver, solver_options(&args.opts, solver, &args.device)?)
            .with_context(|| format!("--solvers {solver}"))?;
    }
    // Each task at each (D, eps): a pair that cannot be built, a failed fetch or a failed
    // network training shows up here, not after the cells before it.
    let mut seen = std::collections::BTreeSet::new();
    for c in cells {
        if seen.insert((c.dataset.clone(), c.dim, c.eps.to_bits())) {
            let task = Task::by_name(&c.dataset)?;
            let pair = task.pair(c.dim, c.eps).with_context(|| format!("cell {}", c.label()))?;
            task.prepared().with_context(|| format!("preparing {}", c.dataset))?;
            // The calibration plans read a synthetic pair; truth, its ground truth.
            for cal in args.solvers.iter().filter(|s| is_calibration(s)) {
                let usable = match &pair {
                    Some(p) => cal != "truth" || p.ground_truth().is_some(),
                    None => false,
                };
                if !usable {
                    bail!(
                        "--solvers {cal}: {} has no ground truth to calibrate against",
                        c.dataset
                    );
                }
            }
        }
    }
    Ok(())
}

/// `--threads`: 0 leaves rayon's default (every logical CPU); more than the machine has is
/// refused (each thread would only wait for a core, and 100,000 of them exhaust the process).
pub fn set_threads(threads: usize) -> Result<()> {
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
pub fn check_outputs(args: &Args) -> Result<()> {
    use eot_reports::files::check_output_dir;
    let folder = |p: &Path| p.parent().map_or(PathBuf::from("."), Path::to_path_buf);
    check_output_dir(&folder(&args.out)).context("--out")?;
    if let Some(dir) = args.figures_dir() {
        check_output_dir(&dir).context("--figures")?;
        eot_reports::figure::check_font(&dir)
            .map_err(|e| anyhow::anyhow!("{e}; or pass --figures none to skip the charts"))?;
    }
    if let Some(readme) = &args.refresh_readme {
        crate::outputs::check_readme(readme).context("--refresh-readme")?;
    }
    if let Some(path) = &args.update_baseline {
        check_output_dir(&folder(path)).context("--update-baseline")?;
    }
    Ok(())
}
