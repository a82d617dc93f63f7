//! `--opt` handling shared by the binaries: `key=value` goes to every solver, `SOLVER.key=value`
//! to one.

use anyhow::Result;
use eot_solvers::Options;

/// `SOLVER.key=value` as `(SOLVER, "key=value")`; `None` for an option meant for every solver
/// (no `.` before the `=`).
pub fn owned_option(o: &str) -> Option<(&str, &str)> {
    let (key, _) = o.split_once('=')?;
    let (owner, _) = key.split_once('.')?;
    Some((owner, &o[owner.len() + 1..]))
}

/// The settings in `opts` for `solver` (unprefixed ones and its own `solver.key=value`), plus
/// the device when it is not the CPU.
pub fn solver_options(opts: &[String], solver: &str, device: &str) -> Result<Options> {
    let mine: Vec<&str> = opts
        .iter()
        .filter_map(|o| match owned_option(o) {
            Some((owner, rest)) => (owner == solver).then_some(rest),
            None => Some(o.as_str()),
        })
        .collect();
    let mut options = Options::parse(&mine)?;
    if device != "cpu" {
        options = options.with("device", device);
    }
    Ok(options)
}
