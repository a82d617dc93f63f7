//! Summary tables from the long table: one row per cell (dataset, D, eps), one column per
//! solver, each entry the mean ± standard deviation over seeds; the best mean of each row in bold.

use std::fmt::Write as _;

use polars::prelude::DataFrame;

use crate::ReportError;
use crate::frame::{number_column, text_column};

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Lower is better.
    Lower,
    /// Higher is better.
    Higher,
}

/// A statistic over the seeds of one (cell, solver).
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    /// Mean over runs.
    pub mean: f64,
    /// Sample standard deviation (n - 1); `None` with one seed.
    pub std: Option<f64>,
    /// The 95 % Student-t interval of the mean, `mean ± t(0.975, n-1) std / sqrt(n)`; `None`
    /// with one seed.
    pub interval: Option<(f64, f64)>,
    /// Seeds with a value (a diverged seed has none).
    pub count: usize,
    /// Seeds run, with or without a value.
    pub runs: usize,
    /// Seeds whose fit reported that it did not converge (the long table's `converged` column
    /// says `no`); such an entry is marked and never ranked best.
    pub unconverged: usize,
}

/// The summary of one metric: row keys, solver names and one statistic per (row, solver).
#[derive(Clone, Debug)]
pub struct Summary {
    /// The summarised column.
    pub metric: String,
    /// The solvers, one column each.
    pub solvers: Vec<String>,
    /// (dataset, D, eps) in order of first appearance in the long table.
    pub rows: Vec<(String, i64, f64)>,
    /// `stats[row][solver]`; `None` where the solver did not run the cell or never had a value.
    pub stats: Vec<Vec<Option<Stat>>>,
}

/// One (cell, solver)'s seeds: the value (if any) and whether the fit converged.
type Runs = Vec<(Option<f64>, bool)>;

/// The mark after an entry with a seed whose fit did not converge, and its footnote.
pub const UNCONVERGED_MARK: &str = "†";

/// Groups the long table (columns `solver`, `dataset`, `D`, `eps` and `metric`, and `converged`
/// when present) by cell and solver.
pub fn summarise(df: &DataFrame, metric: &str) -> Result<Summary, ReportError> {
    let (solver, dataset) = (text_column(df, "solver")?, text_column(df, "dataset")?);
    let dim = number_column(df, "D")?;
    let (eps, value) = (number_column(df, "eps")?, number_column(df, metric)?);
    let converged = match df.column("converged") {
        Ok(_) => text_column(df, "converged")?.iter().map(|c| c != "no").collect(),
        Err(_) => vec![true; df.height()],
    };

    let mut solvers: Vec<String> = Vec::new();
    let mut rows: Vec<(String, i64, f64)> = Vec::new();
    let mut values: Vec<Vec<(usize, Runs)>> = Vec::new();
    for i in 0..df.height() {
        let key = (dataset[i].clone(), dim[i].unwrap_or(0.0) as i64, eps[i].unwrap_or(f64::NAN));
        let r = position(&mut rows, key, |a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2);
        if r == values.len() {
            values.push(Vec::new());
        }
        let s = position(&mut solvers, solver[i].clone(), |a, b| a == b);
        match values[r].iter_mut().find(|(k, _)| *k == s) {
            Some((_, v)) => v.push((value[i], converged[i])),
            None => values[r].push((s, vec![(value[i], converged[i])])),
        }
    }
    let stats = values
        .iter()
        .map(|row| {
            (0..solvers.len())
                .map(|s| row.iter().find(|(k, _)| *k == s).and_then(|(_, v)| stat(v)))
                .collect()
        })
        .collect();
    Ok(Summary { metric: metric.to_string(), solvers, rows, stats })
}

impl Summary {
    /// A markdown table: `dataset | D | eps | solver...`, entries `mean ± std` with `digits`
    /// decimals (the std only with two or more seeds; `(k/n seeds)` when some seeds have no
    /// value), `—` where there is none, the best mean of each row in bold.
    pub fn to_markdown(&self, better: Better, digits: usize) -> String {
        self.to_markdown_ranking(better, digits, &[])
    }

    /// [`Summary::to_markdown`], with the columns of `unranked` (reference rows such as a noise
    /// floor) shown but never marked best.
    pub fn to_markdown_ranking(&self, better: Better, digits: usize, unranked: &[&str]) -> String {
        let ranked: Vec<bool> =
            self.solvers.iter().map(|s| !unranked.contains(&s.as_str())).collect();
        let mut out = String::new();
        let _ = writeln!(out, "| dataset | D | eps | {} |", self.solvers.join(" | "));
        let _ = writeln!(out, "|---|---|---|{}", "---|".repeat(self.solvers.len()));
        for ((dataset, d, eps), stats) in self.rows.iter().zip(&self.stats) {
            let best = best_index(stats, better, &ranked);
            let cells: Vec<String> = stats
                .iter()
                .enumerate()
                .map(|(j, s)| match s {
                    None => "—".to_string(),
                    Some(s) => {
                        let text = entry(s, digits);
                        if Some(j) == best { format!("**{text}**") } else { text }
                    }
                })
                .collect();
            let _ = writeln!(out, "| {dataset} | {d} | {eps} | {} |", cells.join(" | "));
        }
        if self.stats.iter().flatten().flatten().any(|s| s.unconverged > 0) {
            let _ = writeln!(
                out,
                "\n{UNCONVERGED_MARK} a seed's fit reported that it did not converge (the long \
                 table's `converged` column): read the number as a failure, not a score."
            );
        }
        out
    }
}

fn entry(s: &Stat, digits: usize) -> String {
    let mut text = format!("{:.digits$}", s.mean);
    if let Some(sd) = s.std {
        let _ = write!(text, " ± {sd:.digits$}");
    }
    if s.count < s.runs {
        let _ = write!(text, " ({}/{} seeds)", s.count, s.runs);
    }
    if s.unconverged > 0 {
        text.push_str(UNCONVERGED_MARK);
    }
    text
}

/// The solver with the best mean in a row; ties keep the first.
fn best_index(stats: &[Option<Stat>], better: Better, ranked: &[bool]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (j, s) in stats.iter().enumerate() {
        let Some(s) = s.as_ref().filter(|s| ranked[j] && s.unconverged == 0) else { continue };
        let wins = match best {
            None => true,
            Some((_, b)) => match better {
                Better::Lower => s.mean < b,
                Better::Higher => s.mean > b,
            },
        };
        if wins {
            best = Some((j, s.mean));
        }
    }
    best.map(|(j, _)| j)
}

fn stat(values: &Runs) -> Option<Stat> {
    let present: Vec<f64> = values.iter().filter_map(|(v, _)| *v).collect();
    let unconverged = values.iter().filter(|(_, ok)| !ok).count();
    if present.is_empty() {
        return None;
    }
    let n = present.len() as f64;
    let mean = present.iter().sum::<f64>() / n;
    let std = (present.len() > 1)
        .then(|| (present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    let interval = std.map(|sd| {
        let half = t_quantile_975(present.len() - 1) * sd / n.sqrt();
        (mean - half, mean + half)
    });
    Some(Stat { mean, std, interval, count: present.len(), runs: values.len(), unconverged })
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (4.303 for 2).
pub fn t_quantile_975(df: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Index of `key` in `keys`, appended when new.
fn position<T>(keys: &mut Vec<T>, key: T, same: impl Fn(&T, &T) -> bool) -> usize {
    match keys.iter().position(|k| same(k, &key)) {
        Some(i) => i,
        None => {
            keys.push(key);
            keys.len() - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::to_frame;
    use crate::{Table, Value};

    #[test]
    fn mean_std_over_seeds_and_best_in_bold() {
        let mut t = Table::new(["solver", "dataset", "D", "eps", "seed", "score"]);
        let rows = [
            ("a", 2, 0, Some(1.0)),
            ("a", 2, 1, Some(3.0)),
            ("b", 2, 0, Some(0.5)),
            ("b", 2, 1, None),
            ("a", 16, 0, Some(4.0)),
        ];
        for (s, d, seed, v) in rows {
            let v = v.map_or(Value::Missing, |x| Value::float(x, 3));
            let row = vec![
                Value::text(s),
                Value::text("gmm"),
                Value::Int(d),
                Value::float(1.0, 3),
                Value::Int(seed),
                v,
            ];
            t.push(row).unwrap();
        }
        let s = summarise(&to_frame(&t).unwrap(), "score").unwrap();
        assert_eq!(s.solvers, ["a", "b"]);
        assert_eq!(s.rows.len(), 2);
        let a = s.stats[0][0].as_ref().unwrap();
        assert_eq!((a.mean, a.std), (2.0, Some(2f64.sqrt())));
        // Two seeds: t(0.975, 1) = 12.706, so the interval is 2 +- 12.706 * sqrt(2) / sqrt(2).
        let (lo, hi) = a.interval.unwrap();
        assert!((hi - 2.0 - 12.7062).abs() < 1e-3 && (2.0 - lo - 12.7062).abs() < 1e-3);
        assert!((t_quantile_975(2) - 4.3027).abs() < 1e-3);
        let md = s.to_markdown(Better::Lower, 2);
        assert!(md.contains("| gmm | 2 | 1 | 2.00 ± 1.41 | **0.50 (1/2 seeds)** |"), "{md}");
        assert!(md.contains("| gmm | 16 | 1 | **4.00** | — |"), "{md}");
        assert!(matches!(summarise(&to_frame(&t).unwrap(), "nope"), Err(ReportError::Frame(_))));
    }

    #[test]
    fn an_unconverged_fit_is_marked_and_never_best() {
        let mut t = Table::new(["solver", "dataset", "D", "eps", "seed", "score", "converged"]);
        for (s, v, ok) in [("a", 1.0, "yes"), ("b", 0.5, "no")] {
            let row = vec![
                Value::text(s),
                Value::text("gmm"),
                Value::Int(2),
                Value::float(1.0, 3),
                Value::Int(0),
                Value::float(v, 3),
                Value::text(ok),
            ];
            t.push(row).unwrap();
        }
        let md = summarise(&to_frame(&t).unwrap(), "score").unwrap().to_markdown(Better::Lower, 2);
        assert!(md.contains("| gmm | 2 | 1 | **1.00** | 0.50† |"), "{md}");
        assert!(md.contains("† a seed's fit reported that it did not converge"), "{md}");
    }
}
