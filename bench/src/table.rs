//! The comparison table: one row per cell.

use eot_reports::{Table, Value};

use crate::CellResult;

/// The long table of `compare`.
pub fn results_table(results: &[CellResult]) -> anyhow::Result<Table> {
    let mut t = Table::new([
        "solver",
        "dataset",
        "D",
        "eps",
        "seed",
        "n",
        "cBW2-UVP %",
        "BW2-UVP %",
        "fit s",
        "peak MiB",
        "iterations",
        "converged",
        "dual (held-out)",
    ]);
    let opt = |v: Option<f64>, digits| v.map_or(Value::Missing, |x| Value::float(x, digits));
    for r in results {
        let s = &r.spec;
        t.push(vec![
            Value::text(&s.solver),
            Value::text(&s.dataset),
            Value::Int(s.dim as i64),
            Value::float(s.eps, 3),
            Value::Int(s.seed as i64),
            Value::Int(s.sizes.train as i64),
            opt(r.cbw2_uvp, 3),
            opt(r.bw2_uvp, 3),
            Value::float(r.fit_seconds, 3),
            opt(r.peak_mib, 1),
            Value::Int(r.iterations as i64),
            Value::text(if r.converged { "yes" } else { "no" }),
            Value::float(r.dual_value, 4),
        ])?;
    }
    Ok(t)
}
