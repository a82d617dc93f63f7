//! The fitted mixture: closed-form `log Z`, exact conditional sampling and moments.

use eot_datasets::{Moments, Points, SuiteRng, draw_index, log_sum_exp};
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};

use super::model::MixtureParams;
use crate::{Exactness, FitReport, FittedPlan, LogPartition, SolverError};

/// One component, with what the closed forms need precomputed in float64.
struct Component {
    log_alpha: f64,
    r: DVector<f64>,
    s: DMatrix<f64>,
    /// `S = L L^T` (L lower triangular with a positive diagonal).
    l: DMatrix<f64>,
    s_inv: DMatrix<f64>,
    log_det_s: f64,
}

/// `pi(y|x) = sum_k w_k(x) N(y | r_k + S_k x, eps S_k)`.
pub struct GmmPlan {
    components: Vec<Component>,
    d: usize,
    eps: f64,
    report: FitReport,
}

impl GmmPlan {
    pub(crate) fn new(p: MixtureParams, eps: f64, report: FitReport) -> Self {
        let d = p.d;
        let components = (0..p.k)
            .map(|k| {
                let l = DMatrix::from_row_slice(d, d, &p.l[k * d * d..(k + 1) * d * d]);
                let s = &l * l.transpose();
                let l_inv = l
                    .clone()
                    .solve_lower_triangular(&DMatrix::identity(d, d))
                    .expect("positive diagonal");
                Component {
                    log_alpha: p.log_alpha[k],
                    r: DVector::from_row_slice(&p.r[k * d..(k + 1) * d]),
                    s_inv: l_inv.transpose() * &l_inv,
                    log_det_s: l.diagonal().iter().map(|v| 2.0 * v.abs().ln()).sum(),
                    s,
                    l,
                }
            })
            .collect();
        GmmPlan { components, d, eps, report }
    }

    /// A plan from given parameters `(log alpha_k, r_k, S_k)` (weights need not be normalised);
    /// refuses mismatched shapes and `S_k` that are not symmetric positive definite.
    pub fn from_mixture(
        components: &[(f64, DVector<f64>, DMatrix<f64>)],
        eps: f64,
    ) -> Result<Self, SolverError> {
        let d = components.first().map_or(0, |c| c.1.len());
        if d == 0 {
            return Err(SolverError::Input(
                "a mixture needs at least one component in D >= 1".into(),
            ));
        }
        let log_alpha: Vec<f64> = components.iter().map(|c| c.0).collect();
        let lse = log_sum_exp(&log_alpha);
        let mut p = MixtureParams {
            log_alpha: log_alpha.iter().map(|a| a - lse).collect(),
            r: Vec::with_capacity(components.len() * d),
            l: Vec::with_capacity(components.len() * d * d),
            k: components.len(),
            d,
        };
        for (k, (_, r, s)) in components.iter().enumerate() {
            if r.len() != d || s.shape() != (d, d) {
                return Err(SolverError::Input(format!(
                    "component {k}: shapes differ from D = {d}"
                )));
            }
            let chol = s.clone().cholesky().ok_or_else(|| {
                SolverError::Input(format!("component {k}: S is not positive definite"))
            })?;
            p.r.extend(r.iter());
            p.l.extend(chol.l().transpose().iter());
        }
        let report = FitReport {
            iterations: 0,
            converged: true,
            final_error: None,
            notes: vec!["built from given parameters".into()],
        };
        Ok(GmmPlan::new(p, eps, report))
    }

    /// The fitted mixture as `(log alpha_k, r_k, S_k)`, weights normalised: the inverse of
    /// [`GmmPlan::from_mixture`].
    pub fn mixture(&self) -> Vec<(f64, DVector<f64>, DMatrix<f64>)> {
        self.components.iter().map(|c| (c.log_alpha, c.r.clone(), c.s.clone())).collect()
    }

    /// `log alpha_k + (x^T S_k x + 2 r_k^T x) / (2 eps)` for every k.
    fn log_c_terms(&self, x: &DVector<f64>) -> Vec<f64> {
        self.components
            .iter()
            .map(|c| c.log_alpha + (x.dot(&(&c.s * x)) + 2.0 * c.r.dot(x)) / (2.0 * self.eps))
            .collect()
    }

    /// Normalised component weights `w_k(x)`.
    fn weights(&self, x: &DVector<f64>) -> Vec<f64> {
        let t = self.log_c_terms(x);
        let lse = log_sum_exp(&t);
        t.iter().map(|v| (v - lse).exp()).collect()
    }

    fn check_dim(&self, p: &Points) -> Result<(), SolverError> {
        crate::solver::check_dim(p, self.d)
    }
}

impl FittedPlan for GmmPlan {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.d
    }
    fn report(&self) -> &FitReport {
        &self.report
    }

    /// `f(y) = eps log v(y) + |y|^2 / 2`, `v(y) = sum_k alpha_k N(y | r_k, eps S_k)`.
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        self.check_dim(y)?;
        let (eps, d) = (self.eps, self.d as f64);
        let log_norm = d * (2.0 * std::f64::consts::PI * eps).ln();
        Ok(y.rows()
            .map(|yv| {
                let yv = DVector::from_column_slice(yv);
                let terms: Vec<f64> = self
                    .components
                    .iter()
                    .map(|c| {
                        let e = &yv - &c.r;
                        c.log_alpha - 0.5 * (e.dot(&(&c.s_inv * &e)) / eps + log_norm + c.log_det_s)
                    })
                    .collect();
                eps * log_sum_exp(&terms) + 0.5 * yv.norm_squared()
            })
            .collect())
    }

    /// Closed form (exact): `log Z(f, x) = log c(x) - |x|^2 / (2 eps)`.
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        self.check_dim(x)?;
        let values = x
            .rows()
            .map(|xv| {
                let xv = DVector::from_column_slice(xv);
                log_sum_exp(&self.log_c_terms(&xv)) - xv.norm_squared() / (2.0 * self.eps)
            })
            .collect();
        Ok(LogPartition { values, exactness: Exactness::Exact })
    }

    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        self.check_dim(x)?;
        let d = self.d;
        let mut data = crate::solver::sample_buffer(x.len(), k, d)?;
        for xv in x.rows() {
            let xv = DVector::from_column_slice(xv);
            let w = self.weights(&xv);
            for _ in 0..k {
                let c = &self.components[draw_index(&w, rng)];
                let z = DVector::from_fn(d, |_, _| StandardNormal.sample(rng));
                let y = &c.r + &c.s * &xv + &c.l * z * self.eps.sqrt();
                data.extend(y.iter());
            }
        }
        Ok(Points::new(data, x.len() * k, d)?)
    }

    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        self.check_dim(x)?;
        let mut data = Vec::with_capacity(x.len() * self.d);
        for xv in x.rows() {
            let m = self.conditional_moments(xv).expect("closed form");
            data.extend(m.mean.iter());
        }
        Ok(Points::new(data, x.len(), self.d)?)
    }

    /// Exact mixture moments: `sum_k w_k m_k` and `sum_k w_k (eps S_k + m_k m_k^T) - mean mean^T`,
    /// with `m_k = r_k + S_k x`.
    fn conditional_moments(&self, x: &[f64]) -> Option<Moments> {
        if x.len() != self.d {
            return None;
        }
        let xv = DVector::from_column_slice(x);
        let mut mean = DVector::zeros(self.d);
        let mut second = DMatrix::zeros(self.d, self.d);
        for (c, w) in self.components.iter().zip(self.weights(&xv)) {
            let m = &c.r + &c.s * &xv;
            second += (&c.s * self.eps + &m * m.transpose()) * w;
            mean += m * w;
        }
        let cov = second - &mean * mean.transpose();
        Some(Moments { cov: (&cov + cov.transpose()) * 0.5, mean })
    }
}
