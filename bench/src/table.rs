//! The comparison table: one row per cell.

use eot_reports::{Table, Value};

use crate::CellResult;
use crate::columns::*;

/// The long table of `compare`.
pub fn results_table(results: &[CellResult]) -> anyhow::Result<Table> {
    long_table(results, None)
}

/// The long table with a first column `cell`: each row's index in the full grid, so that shards
/// run on different machines merge back into the order of one run.
pub fn indexed_table(results: &[(usize, CellResult)]) -> anyhow::Result<Table> {
    let (index, rows): (Vec<usize>, Vec<CellResult>) = results.iter().cloned().unzip();
    long_table(&rows, Some(&index))
}

fn long_table(results: &[CellResult], index: Option<&[usize]>) -> anyhow::Result<Table> {
    // Sample-metric columns: every name any row has, in order of first appearance (a real image
    // task adds columns the synthetic pairs do not have).
    let mut metric_names: Vec<String> = Vec::new();
    for (name, _) in results.iter().flat_map(|r| &r.metrics) {
        if !metric_names.contains(name) {
            metric_names.push(name.clone());
        }
    }
    let base = [
        SOLVER,
        DATASET,
        DIM,
        EPS,
        SEED,
        N,
        TRAINING,
        CBW2_UVP,
        BW2_UVP,
        FIT_SECONDS,
        SAMPLE_SECONDS,
        FRESH_DRAWS,
        PEAK_MIB,
        ITERATIONS,
        CONVERGED,
        DUAL,
    ];
    let mut t = Table::new(
        index
            .map(|_| CELL.to_string())
            .into_iter()
            .chain(base.iter().map(|c| c.to_string()))
            .chain(metric_names.iter().map(|n| metric_column(n).to_string())),
    );
    let opt = |v: Option<f64>, digits| v.map_or(Value::Missing, |x| Value::float(x, digits));
    for (i, r) in results.iter().enumerate() {
        let mut metric_values = Vec::with_capacity(metric_names.len());
        for name in &metric_names {
            let v = r.metrics.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v);
            metric_values.push(opt(v, 4));
        }
        let s = &r.spec;
        let mut row: Vec<Value> = index.map(|ix| Value::Int(ix[i] as i64)).into_iter().collect();
        row.extend([
            Value::text(&s.solver),
            Value::text(&s.dataset),
            Value::Int(s.dim as i64),
            Value::float(s.eps, 3),
            Value::Int(s.seed as i64),
            Value::Int(s.sizes.train as i64),
            Value::text(s.sizes.regime()),
            opt(r.cbw2_uvp, 3),
            opt(r.bw2_uvp, 3),
            Value::float(r.fit_seconds, 3),
            Value::float(r.sample_seconds, 3),
            Value::Int(r.fresh_draws as i64),
            opt(r.peak_mib, 1),
            Value::Int(r.iterations as i64),
            Value::text(if r.converged { "yes" } else { "no" }),
            opt(r.dual_value, 4),
        ]);
        row.extend(metric_values);
        t.push(row)?;
    }
    Ok(t)
}
