//! The fitted Sinkhorn plan and its out-of-sample extension (Pooladian & Niles-Weed 2021).

use eot_datasets::{Moments, Points, SuiteRng};
use rand::Rng;
use rayon::prelude::*;

use super::kernel::{Cloud, Scratch, soft_min};
use super::solve::{SolveOutcome, common_centre};
use crate::{Exactness, FitReport, FittedPlan, LogPartition, SolverError};

/// Potentials on the training points, extended to any new point through the soft-min.
pub struct SinkhornPlan {
    eps: f64,
    shift: Vec<f64>,
    x: Cloud<f64>,
    y: Cloud<f64>,
    targets: Points,
    f: Vec<f64>,
    g: Vec<f64>,
    outcome_dual: f64,
    report: FitReport,
    scratch: Scratch<f64>,
}

impl SinkhornPlan {
    pub(crate) fn new(
        x: &Points,
        y: &Points,
        eps: f64,
        outcome: SolveOutcome,
        report: FitReport,
    ) -> Self {
        let shift = common_centre(x, y);
        let d = x.dim();
        SinkhornPlan {
            eps,
            x: Cloud::new(x.as_slice(), d, &shift),
            y: Cloud::new(y.as_slice(), d, &shift),
            shift,
            targets: y.clone(),
            f: outcome.f,
            g: outcome.g,
            outcome_dual: outcome.dual_value,
            report,
            scratch: Scratch::new(),
        }
    }

    /// Source potential on the training source points.
    pub fn source_potential(&self) -> &[f64] {
        &self.f
    }
    /// Target potential on the training target points.
    pub fn target_potential(&self) -> &[f64] {
        &self.g
    }
    /// `sum_i a_i f_i + sum_j b_j g_j` on the training points.
    pub fn training_dual_value(&self) -> f64 {
        self.outcome_dual
    }

    fn check_dim(&self, p: &Points) -> Result<(), SolverError> {
        crate::solver::check_dim(p, self.x.d)
    }

    /// `-eps LSE_j((pot_j - c(p_i, q_j))/eps + log w_j)` for new points `p` against side `q`.
    fn soft_min_new(
        &self,
        p: &Points,
        q: &Cloud<f64>,
        pot: &[f64],
    ) -> Result<Vec<f64>, SolverError> {
        self.check_dim(p)?;
        let cloud = Cloud::<f64>::new(p.as_slice(), p.dim(), &self.shift);
        let log_w = -(q.n as f64).ln();
        let h: Vec<f64> =
            pot.iter().zip(&q.half_sq).map(|(v, hs)| (v - hs) / self.eps + log_w).collect();
        let mut out = vec![0.0; p.len()];
        soft_min(&cloud, q, &h, self.eps, &mut out, &self.scratch);
        Ok(out)
    }

    /// Normalised weights of the discrete `pi(.|x)` over the target points.
    pub fn conditional_weights(&self, x: &[f64]) -> Vec<f64> {
        let d = self.x.d;
        let xc: Vec<f64> = x.iter().zip(&self.shift).map(|(v, s)| v - s).collect();
        let mut w: Vec<f64> = self
            .y
            .coords
            .chunks_exact(d)
            .zip(&self.g)
            .map(|(y, g)| {
                (g - 0.5 * y.iter().zip(&xc).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
                    / self.eps
            })
            .collect();
        let max = w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut total = 0.0;
        for v in w.iter_mut() {
            *v = (*v - max).exp();
            total += *v;
        }
        w.iter_mut().for_each(|v| *v /= total);
        w
    }
}

impl FittedPlan for SinkhornPlan {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.x.d
    }
    fn report(&self) -> &FitReport {
        &self.report
    }

    /// The target potential extended by its c-transform: `g(y) = -eps LSE_i((f_i - c(x_i, y))/eps + log a_i)`.
    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        self.soft_min_new(y, &self.x, &self.f)
    }

    /// Exact for the discrete reference measure (the empirical target):
    /// `log Z(g, x) = log sum_j b_j exp((g_j - c(x, y_j))/eps)`.
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        let values =
            self.soft_min_new(x, &self.y, &self.g)?.into_iter().map(|v| -v / self.eps).collect();
        Ok(LogPartition { values, exactness: Exactness::Exact })
    }

    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        self.check_dim(x)?;
        let d = self.x.d;
        let mut data = crate::solver::sample_buffer(x.len(), k, d)?;
        for q in x.rows() {
            let mut cdf = self.conditional_weights(q);
            let mut acc = 0.0;
            for v in cdf.iter_mut() {
                acc += *v;
                *v = acc;
            }
            for _ in 0..k {
                let u: f64 = rng.random::<f64>() * acc;
                let j = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
                data.extend_from_slice(self.targets.row(j));
            }
        }
        Ok(Points::new(data, x.len() * k, d)?)
    }

    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        self.check_dim(x)?;
        let d = self.x.d;
        let rows: Vec<Vec<f64>> = x
            .as_slice()
            .par_chunks(d)
            .map(|q| {
                let mut m = vec![0.0; d];
                for (w, y) in self.conditional_weights(q).iter().zip(self.targets.rows()) {
                    m.iter_mut().zip(y).for_each(|(mk, yk)| *mk += w * yk);
                }
                m
            })
            .collect();
        Ok(Points::new(rows.concat(), x.len(), d)?)
    }

    fn conditional_moments(&self, x: &[f64]) -> Option<Moments> {
        if x.len() != self.x.d {
            return None;
        }
        Moments::weighted(&self.targets, &self.conditional_weights(x)).ok()
    }
}
