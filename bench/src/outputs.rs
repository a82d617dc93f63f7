//! What `compare` writes: the long table (Parquet and CSV), its summary tables (markdown), the
//! provenance, and the README's generated results block. Every path derives from `--out`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use eot_reports::ReportError;
use eot_reports::chart::{ChartPoint, ChartStyle, ChartSummary, metric_vs_eps, quality_vs_time};
use eot_reports::files::write_atomically;
use eot_reports::frame::{number_column, text_column, write_csv, write_parquet};
use eot_reports::summary::{Better, summarise};
use polars::prelude::{BooleanChunked, DataFrame, NewChunkedArray};

use crate::columns::*;
use crate::tasks::TARGET_CLASS;

/// The summary tables: (column of the long table, heading, decimals).
const SUMMARISED: [(&str, &str, usize); 3] = [
    (CBW2_UVP, "cBW2-UVP % (lower is better)", 3),
    (BW2_UVP, "BW2-UVP % of the pushed-forward source (lower is better)", 3),
    (FIT_SECONDS, "fit seconds (lower is better)", 2),
];

/// The sample-metric summaries of runs with a real task (no ground truth there): (column,
/// heading, decimals, which way is better). LPIPS-proxy is left to the long table: a
/// translation that does not move scores best there, so no "best" marker fits it.
const REAL_SUMMARISED: [(&str, &str, usize, Better); 4] = [
    (
        FID_PROXY,
        "FID-proxy, translated vs held-out target (image tasks: classifier features of decoded images; lower is better)",
        3,
        Better::Lower,
    ),
    (TARGET_CLASS, "target-class % of the translated images (higher is better)", 1, Better::Higher),
    (ENERGY, "energy distance, translated vs held-out target (lower is better)", 4, Better::Lower),
    (W2, "W2^2, translated vs held-out target (lower is better)", 3, Better::Lower),
];

/// The README block `compare` rewrites, between these two lines.
pub const README_START: &str = "<!-- compare:summary:start -->";
/// The line that ends the README block.
pub const README_END: &str = "<!-- compare:summary:end -->";

/// The files of one run, beside `--out` (`compare.csv`): `compare.parquet`,
/// `compare_summary.md`, `compare.provenance.txt`.
#[derive(Clone, Debug)]
pub struct OutputPaths {
    /// The long table as CSV (`--out`).
    pub csv: PathBuf,
    /// The long table as Parquet.
    pub parquet: PathBuf,
    /// The summary tables (markdown).
    pub summary: PathBuf,
    /// Seeds, settings and versions of the run.
    pub provenance: PathBuf,
    /// The table against the published figures, `<stem>_vs_published.md` (runs with
    /// Gaussian-mixture cells of the published grid).
    pub benchmark: PathBuf,
}

impl OutputPaths {
    /// The paths beside `csv`.
    pub fn beside(csv: &Path) -> Self {
        let stem = csv.file_stem().map_or("compare".into(), |s| s.to_string_lossy().into_owned());
        OutputPaths {
            csv: csv.to_path_buf(),
            parquet: csv.with_extension("parquet"),
            summary: csv.with_file_name(format!("{stem}_summary.md")),
            provenance: csv.with_extension("provenance.txt"),
            benchmark: csv.with_file_name(format!("{stem}_vs_published.md")),
        }
    }
}

/// The rows of each `--n` value of a run, in order of first appearance: (`"unlimited"` or the
/// number of points, its rows). One part for a run at one size.
pub fn split_by_size(df: &DataFrame) -> Result<Vec<(String, DataFrame)>> {
    let keys: Vec<String> = match df.column(TRAINING) {
        Ok(_) => {
            let (regime, n) = (text_column(df, TRAINING)?, number_column(df, N)?);
            let key = |i: usize| match regime[i].as_str() {
                "fixed" => format!("{}", n[i].unwrap_or(0.0)),
                other => other.to_string(),
            };
            (0..df.height()).map(key).collect()
        }
        Err(_) => vec!["unlimited".into(); df.height()],
    };
    let mut order: Vec<String> = Vec::new();
    for k in &keys {
        if !order.contains(k) {
            order.push(k.clone());
        }
    }
    order
        .into_iter()
        .map(|k| {
            let mask: Vec<bool> = keys.iter().map(|x| *x == k).collect();
            let part = df.filter(&BooleanChunked::from_slice("size".into(), &mask))?;
            Ok((k, part))
        })
        .collect()
}

/// The part of a run its tables against the published figures and its charts against eps
/// use: the `unlimited` rows (the protocol) when there are any, else the first size's.
fn protocol_part(df: &DataFrame) -> Result<DataFrame> {
    let parts = split_by_size(df)?;
    let i = parts.iter().position(|(k, _)| k == "unlimited").unwrap_or(0);
    Ok(parts.into_iter().nth(i).map_or_else(|| df.clone(), |(_, part)| part))
}

/// The summary of a run over several `--n` values: cBW2-UVP against n (one row per cell and
/// solver), then each size's summary tables.
fn size_sweep_markdown(parts: &[(String, DataFrame)]) -> Result<String> {
    let mut out = String::from(
        "**cBW2-UVP % against the training data per side (`--n`; `unlimited`: fresh draws for \
         the continuous solvers, the fixed sample for Sinkhorn), mean ± std over seeds**\n\n",
    );
    let names: Vec<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
    let _ = writeln!(out, "| dataset | D | eps | solver | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|---|---|---|{}", "---|".repeat(names.len()));
    let summaries: Vec<_> =
        parts.iter().map(|(_, part)| summarise(part, CBW2_UVP)).collect::<Result<_, _>>()?;
    let mut rows: Vec<((String, i64, f64), String)> = Vec::new();
    for s in &summaries {
        for (r, key) in s.rows.iter().enumerate() {
            for (j, solver) in s.solvers.iter().enumerate() {
                let entry = (key.clone(), solver.clone());
                if s.stats[r][j].is_some() && !rows.contains(&entry) {
                    rows.push(entry);
                }
            }
        }
    }
    for ((dataset, d, eps), solver) in &rows {
        let cells: Vec<String> = summaries
            .iter()
            .map(|s| {
                let r = s.rows.iter().position(|k| k.0 == *dataset && k.1 == *d && k.2 == *eps);
                let j = s.solvers.iter().position(|x| x == solver);
                match r.zip(j).and_then(|(r, j)| s.stats[r][j].as_ref()) {
                    Some(st) => match st.std {
                        Some(sd) => format!("{:.3} ± {sd:.3}", st.mean),
                        None => format!("{:.3}", st.mean),
                    },
                    None => "—".into(),
                }
            })
            .collect();
        let _ = writeln!(out, "| {dataset} | {d} | {eps} | {solver} | {} |", cells.join(" | "));
    }
    for (key, part) in parts {
        let _ = writeln!(out, "\n### --n {key}\n");
        out.push_str(&summary_tables(part)?);
    }
    Ok(out)
}

/// The summary tables of the long table as markdown, one per summarised column present (a
/// column with no value at all, e.g. cBW2-UVP on data without ground truth, is left out).
pub fn summary_markdown(df: &DataFrame) -> Result<String> {
    let parts = split_by_size(df)?;
    if parts.len() > 1 {
        return size_sweep_markdown(&parts);
    }
    summary_tables(df)
}

fn summary_tables(df: &DataFrame) -> Result<String> {
    let real = text_column(df, DATASET)?.iter().any(|d| crate::task::is_real(d));
    let extra = if real { &REAL_SUMMARISED[..] } else { &[] };
    let columns =
        SUMMARISED.iter().map(|&(c, h, d)| (c, h, d, Better::Lower)).chain(extra.iter().cloned());
    let mut out = String::new();
    for (column, heading, digits, better) in columns {
        let present = df.column(column).is_ok_and(|c| c.null_count() < c.len());
        if !present {
            continue;
        }
        let summary = summarise(df, column)?;
        let seeds = summary.stats.iter().flatten().flatten().map(|s| s.runs).max().unwrap_or(0);
        let spread =
            if seeds > 1 { format!(", mean ± std over {seeds} seeds") } else { String::new() };
        let _ = writeln!(out, "**{heading}{spread}; best of each row in bold**\n");
        out.push_str(&summary.to_markdown_ranking(
            better,
            digits,
            crate::calibration::CALIBRATIONS,
        ));
        out.push('\n');
    }
    Ok(out)
}

/// The benchmark table of the Gaussian-mixture cells that have a published figure: per cell and
/// solver, cBW2-UVP as mean ± std over the seeds and its 95 % interval, the mean fit and
/// sampling seconds, and the published figures beside them, with where the interval lies
/// against the benchmark paper's best solver. `None` when the run has no such cell.
pub fn benchmark_markdown(df: &DataFrame) -> Result<Option<String>> {
    use eot_reports::summary::{UNCONVERGED_MARK, summarise};
    let (cbw2, fit, sample) =
        (summarise(df, CBW2_UVP)?, summarise(df, FIT_SECONDS)?, summarise(df, SAMPLE_SECONDS)?);
    let mut out = String::from(
        "| D | eps | solver | cBW2-UVP % (mean ± std) | 95 % interval | seeds | fit s | sample s | \
         best published | vs best published | LightSB published |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut rows = 0;
    for (r, (dataset, d, eps)) in cbw2.rows.iter().enumerate() {
        let Some((best, lightsb)) =
            crate::published::published(*d as usize, *eps).filter(|_| dataset == "gmm")
        else {
            continue;
        };
        for (s, solver) in cbw2.solvers.iter().enumerate() {
            let Some(stat) = &cbw2.stats[r][s] else { continue };
            let mean_of = |summary: &eot_reports::summary::Summary| {
                summary.stats[r][s].as_ref().map_or("—".into(), |t| format!("{:.1}", t.mean))
            };
            let (interval, verdict) = match stat.interval {
                Some((lo, hi)) => (
                    format!("[{lo:.3}, {hi:.3}]"),
                    if hi < best {
                        "below"
                    } else if lo > best {
                        "above"
                    } else {
                        "overlaps"
                    },
                ),
                None => {
                    ("—".into(), if stat.mean < best { "below (1 seed)" } else { "above (1 seed)" })
                }
            };
            let mut spread = stat.std.map_or(String::new(), |sd| format!(" ± {sd:.3}"));
            if stat.unconverged > 0 {
                let _ = write!(spread, "{UNCONVERGED_MARK} ({} not converged)", stat.unconverged);
            }
            let _ = writeln!(
                out,
                "| {d} | {eps} | {solver} | {:.3}{spread} | {interval} | {}/{} | {} | {} | {best} | {verdict} | {lightsb} |",
                stat.mean,
                stat.count,
                stat.runs,
                mean_of(&fit),
                mean_of(&sample),
            );
            rows += 1;
        }
    }
    Ok((rows > 0).then_some(out))
}

/// Writes the long table (CSV and Parquet), the summary markdown and the provenance; returns
/// the summary markdown.
pub fn write_run(df: &mut DataFrame, paths: &OutputPaths, provenance: &str) -> Result<String> {
    write_csv(df, &paths.csv)?;
    write_parquet(df, &paths.parquet)?;
    let summary = summary_markdown(df)?;
    write_atomically(&paths.summary, summary.as_bytes())?;
    write_atomically(&paths.provenance, provenance.as_bytes())?;
    if let Some(table) = benchmark_markdown(&protocol_part(df)?)? {
        write_atomically(&paths.benchmark, table.as_bytes())?;
    }
    Ok(summary)
}

/// The charts of a run in `dir`, named after the CSV's stem: `<stem>_cbw2_vs_eps` (cBW2-UVP
/// against eps) and `<stem>_cbw2_vs_time` (cBW2-UVP against fit seconds), each as SVG and PNG,
/// one panel per (dataset, D). Returns the PNG paths; none when no cell has a cBW2-UVP (data
/// without ground truth). Points a log axis cannot show are counted and said.
pub fn write_charts(df: &DataFrame, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    let mut pngs = protocol_charts(&protocol_part(df)?, dir, stem)?;
    pngs.extend(size_chart(df, dir, stem)?);
    Ok(pngs)
}

/// `<stem>_cbw2_vs_n`: cBW2-UVP against the fixed training sample size, one panel per
/// (dataset, D, eps); only for runs with two or more fixed sizes (`unlimited` has no place on
/// an axis of sizes: the summary's table shows it).
fn size_chart(df: &DataFrame, dir: &Path, stem: &str) -> Result<Option<PathBuf>> {
    let fixed: Vec<(f64, DataFrame)> = split_by_size(df)?
        .into_iter()
        .filter_map(|(k, part)| k.parse::<f64>().ok().map(|n| (n, part)))
        .collect();
    if fixed.len() < 2 {
        return Ok(None);
    }
    let mut points = Vec::new();
    for (n, part) in &fixed {
        let (solver, dataset) = (text_column(part, SOLVER)?, text_column(part, DATASET)?);
        let (dim, eps, value) =
            (number_column(part, DIM)?, number_column(part, EPS)?, number_column(part, CBW2_UVP)?);
        for i in 0..part.height() {
            points.push(ChartPoint {
                solver: solver[i].clone(),
                panel: format!(
                    "{} D={} eps={}",
                    dataset[i],
                    dim[i].unwrap_or(0.0),
                    eps[i].unwrap_or(f64::NAN)
                ),
                eps: *n,
                value: value[i],
                seconds: None,
            });
        }
    }
    if points.iter().all(|p| p.value.is_none()) {
        return Ok(None);
    }
    let style = ChartStyle {
        metric: CBW2_UVP.into(),
        x_label: "training points per side (fixed)".into(),
        ..ChartStyle::default()
    };
    let path = dir.join(format!("{stem}_cbw2_vs_n"));
    let drawn = metric_vs_eps(&path, &points, &style)?;
    Ok(drawn.files.into_iter().find(|f| f.extension().is_some_and(|e| e == "png")))
}

fn protocol_charts(df: &DataFrame, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    let metric = CBW2_UVP;
    let values = number_column(df, metric)?;
    if values.iter().all(Option::is_none) {
        return Ok(Vec::new());
    }
    let (solver, dataset) = (text_column(df, SOLVER)?, text_column(df, DATASET)?);
    let (dim, eps, seconds) =
        (number_column(df, DIM)?, number_column(df, EPS)?, number_column(df, FIT_SECONDS)?);
    let points: Vec<ChartPoint> = (0..df.height())
        .map(|i| ChartPoint {
            solver: solver[i].clone(),
            panel: format!("{} D={}", dataset[i], dim[i].unwrap_or(0.0)),
            eps: eps[i].unwrap_or(f64::NAN),
            value: values[i],
            seconds: seconds[i],
        })
        .collect();
    let style = ChartStyle { metric: metric.into(), ..ChartStyle::default() };
    let mut pngs = Vec::new();
    type Draw = fn(&Path, &[ChartPoint], &ChartStyle) -> Result<ChartSummary, ReportError>;
    let charts: [(&str, Draw); 2] =
        [("cbw2_vs_eps", metric_vs_eps), ("cbw2_vs_time", quality_vs_time)];
    for (name, draw) in charts {
        let stem = dir.join(format!("{stem}_{name}"));
        let drawn = draw(stem.as_path(), points.as_slice(), &style)?;
        if drawn.missing + drawn.non_positive > 0 {
            eprintln!(
                "{}: {} points drawn, {} without a value, {} not positive (log axes)",
                stem.display(),
                drawn.drawn,
                drawn.missing,
                drawn.non_positive
            );
        }
        pngs.extend(drawn.files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "png")));
    }
    Ok(pngs)
}

/// The README's results block: where it came from, the first provenance line, the summary
/// tables, the charts and every solver's settings.
pub fn readme_block(csv: &Path, provenance: &str, summary: &str, charts: &[PathBuf]) -> String {
    let first = provenance.lines().next().unwrap_or("");
    let settings: String = provenance
        .lines()
        .filter(|l| l.starts_with("Settings of "))
        .map(|l| format!("- {l}\n"))
        .collect();
    let images: String =
        charts.iter().map(|c| format!("![{}]({})\n", chart_alt(c), c.display())).collect();
    format!(
        "Generated by `cargo run --release --bin compare` from `{}` (do not edit by hand).\n\
         {first}\n\n{summary}{images}\n{settings}",
        csv.display()
    )
}

/// The alt text of a chart, from its file name.
fn chart_alt(path: &Path) -> &'static str {
    match path.file_stem().map(|s| s.to_string_lossy().ends_with("vs_time")) {
        Some(true) => "cBW2-UVP against fit seconds, per solver",
        _ => "cBW2-UVP against eps, per solver",
    }
}

/// Replaces the text between [`README_START`] and [`README_END`] in `readme` with `block`;
/// refuses a README without the two markers rather than guessing where the results go.
pub fn refresh_readme(readme: &Path, block: &str) -> Result<()> {
    let (text, a, b) = results_block(readme)?;
    let new = format!("{}{README_START}\n{}\n{}", &text[..a], block.trim_end(), &text[b..]);
    eot_reports::files::write_atomically(readme, new.as_bytes())?;
    Ok(())
}

/// Checks, before a run, that `readme` exists and holds the results block
/// [`refresh_readme`] rewrites.
pub fn check_readme(readme: &Path) -> Result<()> {
    results_block(readme).map(|_| ())
}

/// The README's text and the positions of its two markers.
fn results_block(readme: &Path) -> Result<(String, usize, usize)> {
    let text = std::fs::read_to_string(readme).with_context(|| {
        format!("reading {} (run from the repository root, or name the README)", readme.display())
    })?;
    let (Some(a), Some(b)) = (text.find(README_START), text.find(README_END)) else {
        bail!("{}: no '{README_START}' ... '{README_END}' block to refresh", readme.display());
    };
    if b < a {
        bail!("{}: '{README_END}' comes before '{README_START}'", readme.display());
    }
    Ok((text, a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_readme_block() {
        let p = OutputPaths::beside(Path::new("r/compare.csv"));
        assert_eq!(p.parquet, Path::new("r/compare.parquet"));
        assert_eq!(p.summary, Path::new("r/compare_summary.md"));
        assert_eq!(p.provenance, Path::new("r/compare.provenance.txt"));

        let dir = std::env::temp_dir().join(format!("eot-readme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let readme = dir.join("README.md");
        std::fs::write(&readme, format!("top\n{README_START}\nold\n{README_END}\nbottom\n"))
            .unwrap();
        refresh_readme(&readme, "new table\n").unwrap();
        let text = std::fs::read_to_string(&readme).unwrap();
        assert_eq!(text, format!("top\n{README_START}\nnew table\n{README_END}\nbottom\n"));
        std::fs::write(&readme, "no markers\n").unwrap();
        assert!(refresh_readme(&readme, "x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn readme_block_holds_provenance_tables_charts_and_settings() {
        let provenance = "Provenance: seeds [0]\nSettings of gmm: steps=3\nFit notes of gmm: x";
        let charts = [PathBuf::from("f/compare_cbw2_vs_time.png")];
        let block = readme_block(Path::new("r/compare.csv"), provenance, "| table |\n", &charts);
        let want = "Generated by `cargo run --release --bin compare` from `r/compare.csv` (do not \
                    edit by hand).\nProvenance: seeds [0]\n\n| table |\n![cBW2-UVP against fit \
                    seconds, per solver](f/compare_cbw2_vs_time.png)\n\n- Settings of gmm: steps=3\n";
        assert_eq!(block, want);
    }
}
