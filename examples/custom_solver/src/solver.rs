//! `gaussian-plan`: the exact EOT plan between the Gaussians moment-matched to the source and
//! target samples (docs/design.md §4.1). Exact on Gaussian data, a baseline elsewhere: it is
//! what every other solver should beat on the Gaussian-mixture pairs.

use eot_datasets::{Gaussian, GaussianPair, GroundTruth, Moments, Points, Sampler, SuiteRng};
use eot_solvers::{
    Algorithm, Eps, Exactness, FitData, FitReport, FittedPlan, LogPartition, Rule, Settings,
    SolverError, Visitor,
};
use nalgebra::{DMatrix, DVector};

/// The settings: one, to show how a setting is declared (key, range and help in one place).
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianPlan {
    /// Added to the diagonal of both fitted covariances, relative to their mean variance.
    pub ridge: f64,
}

impl Default for GaussianPlan {
    fn default() -> Self {
        GaussianPlan { ridge: 1e-9 }
    }
}

impl Settings for GaussianPlan {
    fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        v.field(
            "ridge",
            &mut self.ridge,
            Rule::NonNegative,
            "added to both covariances' diagonal, relative to their mean variance",
        )
    }
}

impl Algorithm for GaussianPlan {
    const NAME: &'static str = "gaussian-plan";
    const SUMMARY: &'static str = "the EOT plan between moment-matched Gaussians (an example)";

    fn fit(
        &self,
        data: &FitData,
        eps: Eps,
        _seed: u64,
    ) -> Result<Box<dyn FittedPlan>, SolverError> {
        data.check()?;
        let fitted = |p: &Points| -> Result<Gaussian, SolverError> {
            let m = Moments::empirical(p)?;
            let ridge = self.ridge * m.variance() / p.dim() as f64;
            Ok(Gaussian::new(m.mean, m.cov + DMatrix::identity(p.dim(), p.dim()) * ridge)?)
        };
        let pair = GaussianPair::new(fitted(data.source)?, fitted(data.target)?, eps.get())?;
        let report = FitReport { iterations: 1, converged: true, ..Default::default() };
        Ok(Box::new(Plan::new(pair, report)?))
    }
}

/// `pi(y|x) = N(c + M x, S)` with `M = S / eps`, so its potential is the quadratic
/// `f(y) = eps (y^T S^{-1} c - y^T (S^{-1} - I/eps) y / 2)` and `log Z` a Gaussian integral.
struct Plan {
    pair: GaussianPair,
    offset: DVector<f64>,
    precision: DMatrix<f64>,
    log_det: f64,
    report: FitReport,
}

impl Plan {
    fn new(pair: GaussianPair, report: FitReport) -> Result<Self, SolverError> {
        let s = pair.conditional_cov().clone();
        let chol =
            s.clone().cholesky().ok_or_else(|| SolverError::Input("singular plan".into()))?;
        let log_det = chol.l().diagonal().iter().map(|v| 2.0 * v.ln()).sum();
        let offset = pair.conditional_mean(&vec![0.0; pair.dim()]);
        Ok(Plan { pair, offset, precision: chol.inverse(), log_det, report })
    }
}

impl FittedPlan for Plan {
    fn eps(&self) -> f64 {
        self.pair.eps()
    }
    fn dim(&self) -> usize {
        self.pair.dim()
    }
    fn report(&self) -> &FitReport {
        &self.report
    }
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        let eps = self.eps();
        let shrink = &self.precision - DMatrix::identity(self.dim(), self.dim()) / eps;
        let linear = &self.precision * &self.offset;
        Ok(y.rows()
            .map(|r| {
                let y = DVector::from_column_slice(r);
                eps * (y.dot(&linear) - 0.5 * y.dot(&(&shrink * &y)))
            })
            .collect())
    }
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        let d = self.dim() as f64;
        let constant = 0.5 * (d * (2.0 * std::f64::consts::PI).ln() + self.log_det);
        let values = x
            .rows()
            .map(|r| {
                let m = self.pair.conditional_mean(r);
                let x2 = r.iter().map(|v| v * v).sum::<f64>();
                constant + 0.5 * m.dot(&(&self.precision * &m)) - x2 / (2.0 * self.eps())
            })
            .collect();
        Ok(LogPartition { values, exactness: Exactness::Exact })
    }
    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        let mut data = Vec::with_capacity(x.len() * k * self.dim());
        for r in x.rows() {
            data.extend_from_slice(self.pair.conditional_sample(r, k, rng).as_slice());
        }
        Ok(Points::new(data, x.len() * k, self.dim())?)
    }
    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        let data: Vec<f64> = x
            .rows()
            .flat_map(|r| self.pair.conditional_mean(r).iter().copied().collect::<Vec<_>>())
            .collect();
        Ok(Points::new(data, x.len(), self.dim())?)
    }
    fn conditional_moments(&self, x: &[f64]) -> Option<Moments> {
        Some(self.pair.conditional_moments(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `L(f) = -eps E_x log Z(f, x) + E_y f(y)` in closed form for `x ~ N(a, A)`, `y ~ N(b, B)`:
    /// every term above is a quadratic, whose expectation needs only the two moments.
    fn expected_dual(plan: &Plan, a: &Gaussian, b: &Gaussian) -> f64 {
        let (eps, d) = (plan.eps(), plan.dim());
        let p = &plan.precision;
        let q = p - DMatrix::identity(d, d) / eps;
        let quad =
            |q: &DMatrix<f64>, g: &Gaussian| g.mean().dot(&(q * g.mean())) + (q * g.cov()).trace();
        let e_f = eps * (b.mean().dot(&(p * &plan.offset)) - 0.5 * quad(&q, b));
        // m = c + M x with M = S / eps, so M^T P M = S / eps^2.
        let s = plan.pair.conditional_cov();
        let mean_m = &plan.offset + s * a.mean() / eps;
        let e_m = mean_m.dot(&(p * &mean_m)) + (s * a.cov()).trace() / (eps * eps);
        let e_x2 = a.mean().norm_squared() + a.cov().trace();
        let constant = 0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + plan.log_det);
        let e_log_z = constant + 0.5 * e_m - e_x2 / (2.0 * eps);
        -eps * e_log_z + e_f
    }

    /// The plan's potential and `log Z` give the closed-form optimum of the weak dual on the
    /// Gaussian pair itself (a wrong factor in either would not).
    #[test]
    fn potential_and_log_z_attain_the_closed_form_optimum() {
        for (dim, eps) in [(1, 0.5), (3, 0.7), (5, 4.0)] {
            let truth = GaussianPair::standard(dim, eps).unwrap();
            let plan = Plan::new(truth.clone(), FitReport::default()).unwrap();
            let got = expected_dual(&plan, truth.source(), truth.target());
            let want = truth.weak_dual_value();
            assert!((got - want).abs() < 1e-9 * want.abs().max(1.0), "D={dim}: {got} vs {want}");
        }
    }
}
