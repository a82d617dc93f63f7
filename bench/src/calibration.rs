//! Two reference plans that bound every table: `truth` (exact draws of `pi*(.|x)`: what a
//! perfect solver scores at this number of draws, the noise floor) and `independent` (draws of
//! `p1` whatever `x` is: the plan that ignores its input). They read the ground truth, so they
//! live in the harness, not among the solvers; tables show them and never rank them.

use eot_datasets::{BenchmarkPair, Moments, Points, SuiteRng};
use eot_solvers::{FitReport, FittedPlan, LogPartition, SolverError};

/// The calibration plans by the name `--solvers` takes.
pub const CALIBRATIONS: &[&str] = &["truth", "independent"];

/// Whether `name` is a calibration plan.
pub fn is_calibration(name: &str) -> bool {
    CALIBRATIONS.contains(&name)
}

/// What a calibration row records as its settings.
pub fn settings(name: &str) -> Vec<(String, String)> {
    let what = match name {
        "truth" => "exact draws of pi*(.|x) (the noise floor at this number of draws)",
        _ => "draws of p1 whatever x is (a plan that ignores its input)",
    };
    vec![("calibration".to_string(), what.to_string())]
}

/// The calibration plan `name` on `pair` at `eps`; an error where the pair has no ground truth.
pub fn plan<'a>(
    name: &str,
    pair: &'a dyn BenchmarkPair,
    eps: f64,
) -> Result<Box<dyn FittedPlan + 'a>, SolverError> {
    if name == "truth" && pair.ground_truth().is_none() {
        return Err(SolverError::Input(format!(
            "truth needs a pair with a ground truth; {} has none",
            pair.name()
        )));
    }
    let report = FitReport { iterations: 0, converged: true, ..Default::default() };
    Ok(Box::new(Calibration { truth: name == "truth", pair, eps, report }))
}

struct Calibration<'a> {
    truth: bool,
    pair: &'a dyn BenchmarkPair,
    eps: f64,
    report: FitReport,
}

fn unsupported(what: &str) -> SolverError {
    SolverError::Unsupported(format!("a calibration plan has no {what}"))
}

impl FittedPlan for Calibration<'_> {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.pair.dim()
    }
    fn report(&self) -> &FitReport {
        &self.report
    }
    fn potential(&self, _y: &Points) -> Result<Vec<f64>, SolverError> {
        Err(unsupported("potential"))
    }
    fn log_partition(&self, _x: &Points) -> Result<LogPartition, SolverError> {
        Err(unsupported("log-partition"))
    }
    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        let d = self.dim();
        let mut data = Vec::with_capacity(x.len() * k * d);
        for row in x.rows() {
            let draws = match (self.truth, self.pair.ground_truth()) {
                (true, Some(t)) => t.conditional_sample(row, k, rng),
                _ => self.pair.sample_target(k, rng),
            };
            data.extend_from_slice(draws.as_slice());
        }
        Ok(Points::new(data, x.len() * k, d)?)
    }
    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        let mean = |row: &[f64]| -> Vec<f64> {
            match (self.truth, self.pair.ground_truth()) {
                (true, Some(t)) => t.conditional_moments(row).mean.iter().copied().collect(),
                (_, Some(t)) => t.target_moments().mean.iter().copied().collect(),
                _ => vec![0.0; row.len()],
            }
        };
        let data: Vec<f64> = x.rows().flat_map(mean).collect();
        Ok(Points::new(data, x.len(), self.dim())?)
    }
    /// Never closed form: the floor is what `k` draws score, not what exact moments do.
    fn conditional_moments(&self, _x: &[f64]) -> Option<Moments> {
        None
    }
    fn dual_value(&self, _x: &Points, _y: &Points) -> Result<eot_solvers::DualValue, SolverError> {
        Err(unsupported("dual value"))
    }
}
