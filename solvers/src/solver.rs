use eot_datasets::{Moments, Points, Sampler, SuiteRng};

use crate::{Eps, SolverError};

/// What a solver is fitted on: samples of the source and target, and optionally the samplers
/// themselves for solvers that draw fresh mini-batches.
#[derive(Clone, Copy)]
pub struct FitData<'a> {
    /// Source sample.
    pub source: &'a Points,
    /// Target sample.
    pub target: &'a Points,
    /// Fresh samples of the pair, for solvers that draw mini-batches. Only samples: a solver
    /// cannot reach the pair's ground truth through it.
    ///
    /// ```compile_fail
    /// # use eot_solvers::FitData;
    /// fn peek(data: &FitData) {
    ///     let _truth = data.sampler.unwrap().ground_truth(); // no such method on a Sampler
    /// }
    /// ```
    pub sampler: Option<&'a dyn Sampler>,
}

impl<'a> FitData<'a> {
    /// Fitting on fixed samples only.
    pub fn samples(source: &'a Points, target: &'a Points) -> Self {
        FitData { source, target, sampler: None }
    }

    /// Refuses empty sets and a source/target dimension mismatch.
    pub fn check(&self) -> Result<usize, SolverError> {
        let (s, t) = (self.source, self.target);
        if s.len() < 2 || t.len() < 2 {
            return Err(SolverError::Input(format!(
                "need >= 2 source and target points, got {} and {}",
                s.len(),
                t.len()
            )));
        }
        if s.dim() != t.dim() {
            return Err(SolverError::Input(format!(
                "source dimension {} != target dimension {}",
                s.dim(),
                t.dim()
            )));
        }
        Ok(s.dim())
    }
}

/// Whether a number is exact (up to floating point) or an estimate, and how it was estimated.
#[derive(Clone, Debug, PartialEq)]
pub enum Exactness {
    /// Exact up to floating point.
    Exact,
    /// An estimate, and how it was made.
    Estimate {
        /// The method, in words.
        method: String,
    },
}

/// `log Z(f, x)` for a batch of `x`.
#[derive(Clone, Debug)]
pub struct LogPartition {
    /// One value per point.
    pub values: Vec<f64>,
    /// Exact or estimated.
    pub exactness: Exactness,
}

/// The weak dual value `L(f) = -eps E_x log Z(f,x) + E_y f(y)` on given samples.
#[derive(Clone, Debug)]
pub struct DualValue {
    /// The dual value.
    pub value: f64,
    /// Exact or estimated.
    pub exactness: Exactness,
}

/// How a fit went: iterations (or steps), convergence and the error it reached.
#[derive(Clone, Debug, Default)]
pub struct FitReport {
    /// Iterations or training steps.
    pub iterations: usize,
    /// Whether the fit met its own stopping rule (and checks).
    pub converged: bool,
    /// The solver's own stopping quantity at the end (its definition is in the solver's docs).
    pub final_error: Option<f64>,
    /// Free-form remarks for reports (e.g. the eps schedule used).
    pub notes: Vec<String>,
}

/// A configured EOT algorithm.
///
/// ```
/// use eot_datasets::Points;
/// use eot_solvers::{Eps, FitData, Options, Registry};
///
/// let x = Points::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]).unwrap();
/// let y = Points::from_rows(&[vec![0.5], vec![1.5], vec![2.5], vec![4.0]]).unwrap();
/// let solver = Registry::builtin().build("sinkhorn", Options::new()).unwrap();
/// assert_eq!(solver.name(), "sinkhorn");
/// let plan = solver.fit(&FitData::samples(&x, &y), Eps::new(0.5).unwrap(), 0).unwrap();
/// assert!(plan.report().converged);
/// ```
pub trait Solver: Send + Sync {
    /// Name used in tables and on the command line.
    fn name(&self) -> &str;
    /// Every setting that affects the result, as `(key, value)`, for reports.
    fn settings(&self) -> Vec<(String, String)>;
    /// Fits the plan between `data.source` and `data.target` at regulariser `eps`.
    fn fit(&self, data: &FitData, eps: Eps, seed: u64) -> Result<Box<dyn FittedPlan>, SolverError>;
}

/// A fitted entropic plan, seen through the weak dual (docs/design.md §2).
///
/// ```
/// use eot_datasets::{Points, seeded_rng};
/// use eot_solvers::{Eps, Exactness, FitData, Options, Registry};
///
/// let x = Points::from_rows(&[vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]]).unwrap();
/// let y = Points::from_rows(&[vec![2.0, 2.0], vec![3.0, 2.0], vec![2.0, 3.0]]).unwrap();
/// let solver = Registry::builtin().build("sinkhorn", Options::new()).unwrap();
/// let plan = solver.fit(&FitData::samples(&x, &y), Eps::new(1.0).unwrap(), 0).unwrap();
/// // 4 draws of pi(.|x) for each of the 3 queries, query-major.
/// let draws = plan.sample(&x, 4, &mut seeded_rng(0)).unwrap();
/// assert_eq!((draws.len(), draws.dim()), (12, 2));
/// // Discrete Sinkhorn knows log Z exactly (its reference measure is the empirical target).
/// assert_eq!(plan.log_partition(&x).unwrap().exactness, Exactness::Exact);
/// let dual = plan.dual_value(&x, &y).unwrap();
/// assert!(dual.value.is_finite());
/// ```
pub trait FittedPlan: Send + Sync {
    /// The regulariser it was fitted at.
    fn eps(&self) -> f64;
    /// Dimension of source and target.
    fn dim(&self) -> usize;
    /// How the fit went.
    fn report(&self) -> &FitReport;
    /// The potential `f(y)` at each point.
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError>;
    /// `log Z(f, x)` at each point, exact or estimated (the result says which).
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError>;
    /// `k` draws of `pi(.|x)` per query, query-major: rows `i*k .. (i+1)*k` belong to query `i`.
    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError>;
    /// The barycentric map `E[y|x]` at each query.
    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError>;

    /// Exact mean and covariance of `pi(.|x)` when the solver knows them in closed form;
    /// `None` means "estimate them from samples".
    fn conditional_moments(&self, _x: &[f64]) -> Option<Moments> {
        None
    }

    /// `L(f) = -eps mean_x log Z(f,x) + mean_y f(y)` on the given (held-out) samples; exact when
    /// `log Z` is.
    fn dual_value(&self, x: &Points, y: &Points) -> Result<DualValue, SolverError> {
        let log_z = self.log_partition(x)?;
        let f = self.potential(y)?;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let value = -self.eps() * mean(&log_z.values) + mean(&f);
        if !value.is_finite() {
            return Err(SolverError::Diverged(format!("dual value is {value}")));
        }
        Ok(DualValue { value, exactness: log_z.exactness })
    }
}

/// Refuses, for a solver that models it by a density on `R^D`, a sample that cannot be one (a
/// constant column, points in a subspace, fewer points than dimensions): such a solver would
/// otherwise return a wrong answer without a word. `role` is `source` or `target`.
pub(crate) fn require_density(
    points: &Points,
    role: &str,
    solver: &str,
) -> Result<(), SolverError> {
    match eot_datasets::degeneracy(points) {
        None => Ok(()),
        Some(why) => Err(SolverError::Input(format!(
            "{solver} models the {role} by a density on R^D, which this {role} sample is not: {why}"
        ))),
    }
}

/// Refuses points whose dimension is not the plan's.
pub(crate) fn check_dim(points: &Points, dim: usize) -> Result<(), SolverError> {
    if points.dim() != dim {
        return Err(SolverError::Input(format!(
            "points of dimension {} for a plan of dimension {dim}",
            points.dim()
        )));
    }
    Ok(())
}

/// Room for `k` draws of dimension `d` for each of `queries` queries, refused with a clear error
/// (not an allocation panic) when the count overflows or does not fit in memory.
pub(crate) fn sample_buffer(queries: usize, k: usize, d: usize) -> Result<Vec<f64>, SolverError> {
    let too_many = || {
        SolverError::Input(format!("{k} draws for each of {queries} queries do not fit in memory"))
    };
    let total = queries.checked_mul(k).and_then(|t| t.checked_mul(d)).ok_or_else(too_many)?;
    let mut data = Vec::new();
    data.try_reserve_exact(total).map_err(|_| too_many())?;
    Ok(data)
}
