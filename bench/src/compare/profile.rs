//! Named sets of defaults for `compare` (`--profile NAME`): the grid, the sizes and the
//! solvers' settings a run uses for every flag not given on the command line.

use anyhow::{Result, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;

use super::Args;
use crate::solver_opts::owned_option;

/// A named set of defaults. A field left `None` keeps the flag's own default.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// `--profile NAME`.
    pub name: &'static str,
    /// One line on what it is for.
    pub about: &'static str,
    /// `--solvers`.
    pub solvers: Option<&'static [&'static str]>,
    /// `--datasets`.
    pub datasets: Option<&'static [&'static str]>,
    /// `--dims`.
    pub dims: Option<&'static [usize]>,
    /// `--eps`.
    pub eps: Option<&'static [f64]>,
    /// `--seeds`.
    pub seeds: Option<&'static [u64]>,
    /// `--queries`.
    pub queries: Option<usize>,
    /// `--metrics`.
    pub metrics: Option<&'static [&'static str]>,
    /// `--out`.
    pub out: Option<&'static str>,
    /// `SOLVER.key=value` settings, each applied unless `--opt` sets that key for that solver
    /// (or for every solver).
    pub opts: &'static [&'static str],
    /// Solvers run at only some of the grid's dimensions (unless `--dims` is given).
    pub solver_dims: &'static [(&'static str, &'static [usize])],
}

/// The neural solvers at sizes that let the default grid finish in about ten minutes on two
/// cores: 64x2 networks and draws 5 sampler steps apart, EgNOT with 500 steps of 50-step training
/// chains at step 0.02 (the step for smooth targets at large eps: at 300 steps of 20 chain steps,
/// step 0.01, it did not converge at eps = 10), and only in D <= 16 (at these sizes their D = 64
/// fits are not worth reading). VarEOT keeps its own 1000 steps: at 300 it scored 56 % at
/// gaussian D = 2, eps = 0.1.
const CPU_SIZED: &[&str] = &[
    "vareot.hidden=64,64",
    "vareot.thin=5",
    "egnot.hidden=64,64",
    "egnot.steps=500",
    "egnot.train_langevin_steps=50",
    "egnot.train_langevin_step=0.02",
    "egnot.thin=5",
];

/// The profiles `--profile` accepts; the first is the default.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "default",
        about: "all four solvers on the Gaussian and Gaussian-mixture pairs, D in {2, 16, 64} \
                (the neural solvers in D <= 16, at CPU-sized settings), eps in {0.1, 1, 10}, one \
                seed",
        solvers: Some(&["sinkhorn", "gmm", "vareot", "egnot"]),
        datasets: None,
        dims: None,
        eps: None,
        seeds: None,
        queries: None,
        metrics: None,
        out: None,
        opts: CPU_SIZED,
        solver_dims: &[("vareot", &[2, 16]), ("egnot", &[2, 16])],
    },
    Profile {
        name: "benchmark",
        about: "the published protocol: Gaussian-mixture pairs, D in {2, 16, 64, 128} x eps in \
                {0.1, 1, 10}, 1000 fixed test points x 1000 draws, seeds 0-2, every solver at \
                its benchmark settings (LightSB: 10 full-covariance components)",
        solvers: Some(&["sinkhorn", "gmm", "vareot", "egnot"]),
        datasets: Some(&["gmm"]),
        dims: Some(&[2, 16, 64, 128]),
        eps: None,
        seeds: Some(&[0, 1, 2]),
        queries: Some(1000),
        metrics: Some(&["none"]),
        out: Some("reports/results/benchmark.csv"),
        opts: &["gmm.covariance=full", "gmm.components=10"],
        solver_dims: &[],
    },
    Profile {
        name: "none",
        about: "the flags' own defaults: Sinkhorn and LightSB, every solver at its own defaults",
        solvers: None,
        datasets: None,
        dims: None,
        eps: None,
        seeds: None,
        queries: None,
        metrics: None,
        out: None,
        opts: &[],
        solver_dims: &[],
    },
];

/// The profile called `name`; an unknown name lists the known ones.
pub fn profile(name: &str) -> Result<&'static Profile> {
    match PROFILES.iter().find(|p| p.name == name) {
        Some(p) => Ok(p),
        None => {
            let known: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
            bail!("unknown --profile '{name}' (known: {})", known.join(", "))
        }
    }
}

impl Profile {
    /// Sets every flag of `args` that `matches` says was not given to this profile's value, and
    /// adds its settings that `--opt` does not override.
    pub fn apply(&self, args: &mut Args, matches: &ArgMatches) {
        let defaulted = |id: &str| matches.value_source(id) != Some(ValueSource::CommandLine);
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        if let (Some(v), true) = (self.solvers, defaulted("solvers")) {
            args.solvers = strings(v);
        }
        if let (Some(v), true) = (self.datasets, defaulted("datasets")) {
            args.datasets = strings(v);
        }
        if let (Some(v), true) = (self.dims, defaulted("dims")) {
            args.dims = v.to_vec();
        }
        if let (Some(v), true) = (self.eps, defaulted("eps")) {
            args.eps = v.to_vec();
        }
        if let (Some(v), true) = (self.seeds, defaulted("seeds")) {
            args.seeds = v.to_vec();
        }
        if let (Some(v), true) = (self.queries, defaulted("queries")) {
            args.queries = v;
        }
        if let (Some(v), true) = (self.metrics, defaulted("metrics")) {
            args.metrics = strings(v);
        }
        if let (Some(v), true) = (self.out, defaulted("out")) {
            args.out = v.into();
        }
        let given: Vec<(Option<String>, String)> = args.opts.iter().map(|o| key_of(o)).collect();
        let mine: Vec<String> = self
            .opts
            .iter()
            .filter(|o| {
                let (owner, key) = key_of(o);
                // Only for solvers in the run, and not where the user set the key.
                owner.as_ref().is_none_or(|s| args.solvers.contains(s))
                    && !given.iter().any(|(g, k)| *k == key && (g.is_none() || *g == owner))
            })
            .map(|o| o.to_string())
            .collect();
        args.opts.splice(0..0, mine);
        if defaulted("dims") {
            args.solver_dims =
                self.solver_dims.iter().map(|(s, d)| (s.to_string(), d.to_vec())).collect();
        }
    }
}

/// `(owner, key)` of an `--opt`: `(Some("vareot"), "steps")` for `vareot.steps=300`.
fn key_of(o: &str) -> (Option<String>, String) {
    match owned_option(o) {
        Some((owner, rest)) => {
            (Some(owner.to_string()), rest.split('=').next().unwrap_or("").to_string())
        }
        None => (None, o.split('=').next().unwrap_or("").to_string()),
    }
}
