//! Regression tracking: a committed baseline of every cell's quality and speed, and the check of
//! a new run against it.
//!
//! Quality is cBW2-UVP and BW2-UVP (lower is better). Speed is the fit time divided by the
//! reference kernel's time in the same run ([`crate::reference`]), so a faster or busier machine
//! moves both and the ratio stays. A cell regresses when
//! - a quality figure exceeds `baseline * (1 + quality_relative) + quality_absolute`, or is gone
//!   (the fit diverged), or
//! - its speed ratio exceeds `baseline ratio * speed_factor` (only cells whose baseline fit took
//!   at least `min_timed_seconds`: shorter fits are mostly start-up noise).
//!
//! Improvements never fail the check; `compare --update-baseline` records them on purpose.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::CellResult;
use crate::columns::{BW2_UVP, CBW2_UVP};

/// How far a run may drift from the baseline before the check fails.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Relative quality slack (0.25: 25 % worse).
    pub quality_relative: f64,
    /// Absolute quality slack, in the metric's units (percentage points of UVP).
    pub quality_absolute: f64,
    /// Largest allowed growth of a cell's speed ratio (2: twice as slow).
    pub speed_factor: f64,
    /// Cells whose baseline fit was shorter than this are not speed-checked.
    pub min_timed_seconds: f64,
}

/// The default tolerance, stored in each baseline (the check uses the baseline's own). Same seed
/// and same device give the same numbers, so quality slack only has to cover another CPU's
/// rounding (a different SIMD width in the matrix products), which moves the closed-form and
/// Sinkhorn figures little; short neural fits move like another seed, and their baseline states a
/// wider slack (`compare --update-baseline ... --quality-tolerance`). The speed factor covers the
/// spread of the time ratio: with both cores busy with other work the reference kernel took 3x
/// longer and no cell's ratio crossed 2.5x.
pub const TOLERANCE: Tolerance = Tolerance {
    quality_relative: 0.25,
    quality_absolute: 0.05,
    speed_factor: 2.5,
    min_timed_seconds: 0.2,
};

fn unlimited() -> Vec<String> {
    vec!["unlimited".into()]
}

/// What a run must share with the baseline to be compared cell by cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// The solvers of the run.
    pub solvers: Vec<String>,
    /// Its datasets.
    pub datasets: Vec<String>,
    /// Its dimensions D.
    pub dims: Vec<usize>,
    /// Its regularisers.
    pub eps: Vec<f64>,
    /// Its run seeds.
    pub seeds: Vec<u64>,
    /// Fixed training points per side (`--fixed-n`).
    pub n: usize,
    /// The `--n` values (`unlimited` for baselines written before the flag took a list).
    #[serde(default = "unlimited")]
    pub sizes: Vec<String>,
    /// Test points of cBW2-UVP.
    pub queries: usize,
    /// Draws per test point.
    pub samples: usize,
    /// Held-out points.
    pub eval: usize,
}

/// One cell's recorded figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineCell {
    /// Solver name.
    pub solver: String,
    /// Dataset name.
    pub dataset: String,
    /// Dimension D.
    pub dim: usize,
    /// Regulariser.
    pub eps: f64,
    /// Run seed.
    pub seed: u64,
    /// cBW2-UVP in percent (`None` without ground truth or after a divergence).
    pub cbw2_uvp: Option<f64>,
    /// BW2-UVP in percent of the pushed-forward source.
    pub bw2_uvp: Option<f64>,
    /// Seconds of the fit.
    pub fit_seconds: f64,
    /// `fit_seconds / reference_seconds`.
    pub speed_ratio: f64,
}

/// The committed baseline file (JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The command that reproduces it.
    pub command: String,
    /// The commit the baseline was recorded at.
    pub commit: String,
    /// The grid it covers (a checked run must have the same).
    pub grid: Grid,
    /// How much worse a checked run may be.
    pub tolerance: Tolerance,
    /// The reference kernel's time in the run that made the baseline.
    pub reference_seconds: f64,
    /// One entry per cell, in grid order.
    pub cells: Vec<BaselineCell>,
}

/// One figure that regressed.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    /// The cell, as `solver dataset D= eps= seed=`.
    pub cell: String,
    /// The figure that regressed (a column name, or the speed ratio).
    pub figure: &'static str,
    /// Its value in the baseline.
    pub baseline: f64,
    /// `None` when the run has no value (diverged cell).
    pub now: Option<f64>,
    /// The worst value the tolerance allows.
    pub limit: f64,
}

impl Baseline {
    /// The baseline of a finished run.
    pub fn from_run(
        command: String,
        commit: String,
        grid: Grid,
        reference_seconds: f64,
        results: &[CellResult],
    ) -> Self {
        let cells = results
            .iter()
            .map(|r| BaselineCell {
                solver: r.spec.solver.clone(),
                dataset: r.spec.dataset.clone(),
                dim: r.spec.dim,
                eps: r.spec.eps,
                seed: r.spec.seed,
                cbw2_uvp: r.cbw2_uvp,
                bw2_uvp: r.bw2_uvp,
                fit_seconds: r.fit_seconds,
                speed_ratio: r.fit_seconds / reference_seconds,
            })
            .collect();
        Baseline { command, commit, grid, tolerance: TOLERANCE, reference_seconds, cells }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the baseline {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a baseline file (JSON)", path.display()))
    }

    /// Writes the baseline as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        eot_reports::files::write_atomically(path, text.as_bytes())?;
        Ok(())
    }

    /// Refuses a run whose grid differs from the baseline's, naming what differs.
    pub fn check_grid(&self, grid: &Grid, path: &Path) -> Result<()> {
        if &self.grid != grid {
            bail!(
                "this run's grid differs from the baseline {}: baseline {:?}, this run {:?}; \
                 rerun with the baseline's flags ({}) or record a new one with --update-baseline",
                path.display(),
                self.grid,
                grid,
                self.command
            );
        }
        Ok(())
    }

    /// The figures of `results` that regressed against this baseline under `tol`.
    pub fn regressions(
        &self,
        results: &[CellResult],
        reference_seconds: f64,
        tol: &Tolerance,
    ) -> Result<Vec<Regression>> {
        let mut out = Vec::new();
        for b in &self.cells {
            let name =
                format!("{} {} D={} eps={} seed={}", b.solver, b.dataset, b.dim, b.eps, b.seed);
            let r = results
                .iter()
                .find(|r| {
                    let s = &r.spec;
                    s.solver == b.solver
                        && s.dataset == b.dataset
                        && s.dim == b.dim
                        && s.eps == b.eps
                        && s.seed == b.seed
                })
                .with_context(|| format!("the run has no cell {name} (the baseline has)"))?;
            for (figure, base, now) in
                [(CBW2_UVP, b.cbw2_uvp, r.cbw2_uvp), (BW2_UVP, b.bw2_uvp, r.bw2_uvp)]
            {
                let Some(base) = base else { continue };
                let limit = base * (1.0 + tol.quality_relative) + tol.quality_absolute;
                if now.is_none_or(|v| v > limit) {
                    out.push(Regression { cell: name.clone(), figure, baseline: base, now, limit });
                }
            }
            if b.fit_seconds >= tol.min_timed_seconds {
                let ratio = r.fit_seconds / reference_seconds;
                let limit = b.speed_ratio * tol.speed_factor;
                // A diverged cell records no fit time (0): its quality figures already failed.
                if ratio > limit {
                    out.push(Regression {
                        cell: name.clone(),
                        figure: "fit time / reference",
                        baseline: b.speed_ratio,
                        now: Some(ratio),
                        limit,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// The regressions as a markdown table.
pub fn regression_table(regressions: &[Regression]) -> String {
    let mut out =
        String::from("| cell | figure | baseline | now | limit |\n|---|---|---|---|---|\n");
    for r in regressions {
        let now = r.now.map_or("— (no value)".to_string(), |v| format!("{v:.4}"));
        let _ = writeln!(
            out,
            "| {} | {} | {:.4} | {now} | {:.4} |",
            r.cell, r.figure, r.baseline, r.limit
        );
    }
    out
}
