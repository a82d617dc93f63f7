//! `--merge`: the tables of one run from its shard files, or of several runs over the same grid
//! with different solvers joined into one (the benchmark profile's two halves: the solvers
//! without MCMC, run at once, and the neural ones, run a cell per shard).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use polars::prelude::{Column, DataFrame};

use crate::columns::{CELL, DATASET, DIM, EPS, N, SEED, SOLVER, TRAINING};
use crate::shard::shard_files;
use eot_reports::Value;
use eot_reports::frame::{cell, concat_sorted, number_column, read_parquet};

use super::{Args, finish};

/// The columns that name a row: two sources may not both hold one.
const ROW_KEY: [&str; 7] = [SOLVER, DATASET, DIM, EPS, SEED, N, TRAINING];

/// One source of a merge: a folder of shard files (all of them) or a finished run's Parquet
/// table, with the provenance written beside each file.
struct Source {
    table: DataFrame,
    files: Vec<PathBuf>,
    provenance: Vec<String>,
}

impl Source {
    fn read(path: &Path) -> Result<Source> {
        let files = if !path.exists() {
            bail!("--merge {}: no such file or folder", path.display())
        } else if path.is_dir() {
            shard_files(path)?
        } else if path.extension().is_some_and(|e| e == "parquet") {
            vec![path.to_path_buf()]
        } else {
            bail!(
                "--merge {}: neither a folder of shard files nor a .parquet table (give a \
                 run's .parquet, or the folder its --shard files are in)",
                path.display()
            )
        };
        let frames: Vec<_> = files.iter().map(|f| read_parquet(f)).collect::<Result<_, _>>()?;
        let provenance = files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f.with_extension("provenance.txt")).ok())
            .collect();
        Ok(Source { table: concat_sorted(&frames, CELL)?, files, provenance })
    }
}

/// `--merge A[,B,...]`: joins the sources' rows, in the order given, into the tables of one run.
/// Each later source's cells are numbered on after the earlier ones' (a source's own start at 0),
/// so that `cell` stays one row's index in the joined grid; a row that two sources both hold is
/// refused.
pub(super) fn merge(args: &Args) -> Result<()> {
    let paths = &args.merge;
    let sources: Vec<Source> = paths.iter().map(|p| Source::read(p)).collect::<Result<_>>()?;
    let mut seen: HashMap<String, &Path> = HashMap::new();
    let mut tables = Vec::new();
    let mut provenance = Vec::new();
    for (source, path) in sources.iter().zip(paths) {
        for row in 0..source.table.height() {
            let key = row_key(&source.table, row)?;
            if let Some(first) = seen.insert(key.clone(), path) {
                bail!(
                    "--merge: the row {key} is in both {} and {}; each row may come from one \
                     source only (merge runs of different solvers or grids)",
                    first.display(),
                    path.display()
                );
            }
        }
        let next_cell = tables.last().map_or(Ok(0), next_cell)?;
        tables.push(shifted(&source.table, next_cell)?);
        let names: Vec<String> = source.files.iter().map(|f| f.display().to_string()).collect();
        provenance.push(format!(
            "Merged from {} ({} file(s)): {}",
            path.display(),
            names.len(),
            names.join(", ")
        ));
    }
    provenance.extend(sources.iter().flat_map(|s| s.provenance.iter().cloned()));
    let mut df = concat_sorted(&tables, CELL)?;
    finish(args, &mut df, &provenance.join("\n"))
}

/// What names row `row`: its solver, dataset, D, eps, seed and training data.
fn row_key(df: &DataFrame, row: usize) -> Result<String> {
    let mut parts = Vec::new();
    for name in ROW_KEY {
        if df.column(name).is_ok() {
            let value = match cell(df, row, name)? {
                Value::Text(s) => s,
                Value::Int(i) => i.to_string(),
                Value::Float { value, .. } => value.to_string(),
                Value::Missing => "—".into(),
            };
            parts.push(format!("{name}={value}"));
        }
    }
    Ok(parts.join(" "))
}

/// `df` with `by` added to its cell numbers.
fn shifted(df: &DataFrame, by: i64) -> Result<DataFrame> {
    let cells: Vec<Option<i64>> =
        number_column(df, CELL)?.iter().map(|c| c.map(|c| c as i64 + by)).collect();
    let mut out = df.clone();
    out.replace(CELL, Column::new(CELL.into(), cells))?;
    Ok(out)
}

/// The cell number after the last of `df`'s.
fn next_cell(df: &DataFrame) -> Result<i64> {
    let last = number_column(df, CELL)?.into_iter().flatten().fold(-1.0, f64::max);
    Ok(last as i64 + 1)
}
