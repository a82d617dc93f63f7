//! The fitted mixture: closed-form `log Z`, exact conditional sampling and moments.

use eot_datasets::{Moments, Points, SuiteRng, draw_index, log_sum_exp};
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};

use super::train::MixtureParams;
use crate::{Exactness, FitReport, FittedPlan, LogPartition, SolverError};

/// `pi(y|x) = sum_k w_k(x) N(y | r_k + S_k x, eps S_k)` with diagonal `S_k`.
pub struct GmmPlan {
    p: MixtureParams,
    eps: f64,
    report: FitReport,
}

impl GmmPlan {
    pub(crate) fn new(p: MixtureParams, eps: f64, report: FitReport) -> Self {
        GmmPlan { p, eps, report }
    }

    fn r(&self, k: usize) -> &[f64] {
        &self.p.r[k * self.p.d..(k + 1) * self.p.d]
    }
    fn s(&self, k: usize) -> &[f64] {
        &self.p.s[k * self.p.d..(k + 1) * self.p.d]
    }

    /// `log alpha_k + (x^T S_k x + 2 r_k^T x) / (2 eps)` for every k.
    fn log_c_terms(&self, x: &[f64]) -> Vec<f64> {
        (0..self.p.k)
            .map(|k| {
                let q: f64 = x
                    .iter()
                    .zip(self.s(k))
                    .zip(self.r(k))
                    .map(|((xi, si), ri)| si * xi * xi + 2.0 * ri * xi)
                    .sum();
                self.p.log_alpha[k] + q / (2.0 * self.eps)
            })
            .collect()
    }

    /// Normalised component weights `w_k(x)`.
    fn weights(&self, x: &[f64]) -> Vec<f64> {
        let t = self.log_c_terms(x);
        let lse = log_sum_exp(&t);
        t.iter().map(|v| (v - lse).exp()).collect()
    }

    /// Mean of component k of `pi(.|x)`: `r_k + S_k x`.
    fn component_mean(&self, k: usize, x: &[f64]) -> Vec<f64> {
        self.r(k).iter().zip(self.s(k)).zip(x).map(|((r, s), xi)| r + s * xi).collect()
    }

    fn check_dim(&self, p: &Points) -> Result<(), SolverError> {
        crate::solver::check_dim(p, self.p.d)
    }
}

impl FittedPlan for GmmPlan {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.p.d
    }
    fn report(&self) -> &FitReport {
        &self.report
    }

    /// `f(y) = eps log v(y) + |y|^2 / 2`.
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        self.check_dim(y)?;
        let eps = self.eps;
        Ok(y.rows()
            .map(|yv| {
                let terms: Vec<f64> = (0..self.p.k)
                    .map(|k| {
                        let mut q = 0.0;
                        let mut log_det = 0.0;
                        for ((yi, ri), si) in yv.iter().zip(self.r(k)).zip(self.s(k)) {
                            q += (yi - ri) * (yi - ri) / (eps * si);
                            log_det += (2.0 * std::f64::consts::PI * eps * si).ln();
                        }
                        self.p.log_alpha[k] - 0.5 * (q + log_det)
                    })
                    .collect();
                eps * log_sum_exp(&terms) + 0.5 * yv.iter().map(|v| v * v).sum::<f64>()
            })
            .collect())
    }

    /// Closed form (exact): `log Z(f, x) = log c(x) - |x|^2 / (2 eps)`.
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        self.check_dim(x)?;
        let values = x
            .rows()
            .map(|xv| {
                log_sum_exp(&self.log_c_terms(xv))
                    - xv.iter().map(|v| v * v).sum::<f64>() / (2.0 * self.eps)
            })
            .collect();
        Ok(LogPartition { values, exactness: Exactness::Exact })
    }

    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        self.check_dim(x)?;
        let d = self.p.d;
        let mut data = Vec::with_capacity(x.len() * k * d);
        for xv in x.rows() {
            let w = self.weights(xv);
            for _ in 0..k {
                let c = draw_index(&w, rng);
                for ((m, s), _) in self.component_mean(c, xv).iter().zip(self.s(c)).zip(0..d) {
                    let z: f64 = StandardNormal.sample(rng);
                    data.push(m + (self.eps * s).sqrt() * z);
                }
            }
        }
        Ok(Points::new(data, x.len() * k, d)?)
    }

    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        self.check_dim(x)?;
        let mut data = Vec::with_capacity(x.len() * self.p.d);
        for xv in x.rows() {
            let m = self.conditional_moments(xv).expect("closed form");
            data.extend(m.mean.iter());
        }
        Ok(Points::new(data, x.len(), self.p.d)?)
    }

    /// Exact mixture moments: `sum_k w_k m_k` and `sum_k w_k (eps S_k + m_k m_k^T) - mean mean^T`.
    fn conditional_moments(&self, x: &[f64]) -> Option<Moments> {
        let d = self.p.d;
        let mut mean = DVector::zeros(d);
        let mut second = DMatrix::zeros(d, d);
        for (k, w) in self.weights(x).into_iter().enumerate() {
            let m = DVector::from_vec(self.component_mean(k, x));
            second += (DMatrix::from_diagonal(&DVector::from_row_slice(self.s(k))) * self.eps
                + &m * m.transpose())
                * w;
            mean += m * w;
        }
        let cov = second - &mean * mean.transpose();
        Some(Moments { cov: (&cov + cov.transpose()) * 0.5, mean })
    }
}
