//! Where VarEOT's K proposals per source point come from.
//!
//! The loss needs `s(x) = E_{y ~ N(x, eps I)} exp(f(y)/eps)`. Drawing `y` from `N(x, eps I)` (the
//! authors' estimator) fails when eps is large next to the target's spread in high D: the
//! integrand lives near the target, where almost no proposal lands (D = 16, eps = 10: 436 %
//! cBW2-UVP). A defensive mixture `q(y|x) = (1 - b) N(x, eps I) + b g(y|x)` estimates the same
//! `s(x)` without bias: `s(x) = E_q[exp(f(y)/eps) N(y | x, eps I) / q(y|x)]`. The first
//! `(1 - b) K` proposals of each `x` come from the prior part and the rest from `g`
//! (stratified: still unbiased with the mixture density in the weight). `g` is one of
//! [`TargetProposal`]'s Gaussians, both built from the training samples' first two moments.

use eot_datasets::{Gaussian, Points, SuiteRng, log_sum_exp};
use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal};

use crate::SolverError;
use crate::neural::ridged_gaussian;

crate::choice! {
    /// The Gaussian `g(y|x)` the target part of the proposals is drawn from.
    pub enum TargetProposal {
        /// `N(m, C)`, the target's moment-matched Gaussian, the same for every `x`.
        Marginal = "marginal",
        /// `N(m + M (x - a), S)`: the conditional of the exact EOT plan between the
        /// moment-matched Gaussians `N(a, A)` of the source and `N(m, C)` of the target
        /// (docs/design.md §4.1). It lands where `pi(.|x)` lives rather than anywhere on the
        /// target: at large eps it tends to `N(m, C)`, at small eps to a narrow Gaussian around
        /// the Gaussian OT map of `x`. It is wider than the conditional of a multimodal target
        /// (its `S` holds the spread between the modes), which is what importance sampling
        /// needs: a proposal narrower than the integrand in some direction gives weights of
        /// unbounded variance.
        Plan = "plan",
    }
}

/// `g(y|x) = N(offset + slope x, S)` (no slope for the marginal).
struct TargetPart {
    offset: DVector<f64>,
    slope: Option<DMatrix<f64>>,
    /// `N(0, S)`: draws are `mean(x) + noise`, densities those of `y - mean(x)`.
    noise: Gaussian,
    /// The inverse of the noise's Cholesky factor, for whitening all K proposals at once.
    inv_chol: DMatrix<f64>,
    /// `log N(0 | 0, S)`.
    log_norm: f64,
}

impl TargetPart {
    fn new(
        kind: TargetProposal,
        source: &Points,
        target: &Points,
        eps: f64,
    ) -> Result<Self, SolverError> {
        let target_fit = ridged_gaussian(target)?;
        let d = target.dim();
        let (offset, slope, cov) = match kind {
            TargetProposal::Marginal => (target_fit.mean().clone(), None, target_fit.cov().clone()),
            TargetProposal::Plan => {
                let (offset, slope, cov) = crate::neural::plan_conditional(source, target, eps)
                    .map_err(|e| {
                        SolverError::Input(format!(
                            "target_proposal=plan: no Gaussian plan between the fitted source \
                             and target Gaussians ({e}); target_proposal=marginal needs none"
                        ))
                    })?;
                (offset, Some(slope), cov)
            }
        };
        let noise = Gaussian::new(DVector::zeros(d), cov)?;
        let inv_chol = noise
            .chol_l()
            .solve_lower_triangular(&DMatrix::identity(d, d))
            .ok_or_else(|| SolverError::Input("proposal covariance is singular".into()))?;
        let log_norm = noise.log_density(&vec![0.0; d]);
        Ok(TargetPart { offset, slope, noise, inv_chol, log_norm })
    }

    fn mean(&self, x: &[f64]) -> DVector<f64> {
        match &self.slope {
            Some(m) => &self.offset + m * DVector::from_column_slice(x),
            None => self.offset.clone(),
        }
    }

    /// `log g(y|x)` for every column `y` of `ys` (`(D, K)`), `mean` the mean at `x`.
    fn log_density(&self, mean: &DVector<f64>, ys: &DMatrix<f64>) -> Vec<f64> {
        let mut centred = ys.clone();
        centred.column_iter_mut().for_each(|mut col| col -= mean);
        let z = &self.inv_chol * centred;
        z.column_iter().map(|col| self.log_norm - 0.5 * col.norm_squared()).collect()
    }
}

/// What shapes the proposal of one fit.
pub(crate) struct ProposalSettings {
    pub kind: TargetProposal,
    /// Share `b` of the K proposals from the target part.
    pub share: f64,
    pub eps: f64,
}

/// The proposal mixture of one fit.
pub(crate) struct Proposal {
    eps: f64,
    dim: usize,
    /// How many of the K proposals come from the target part.
    from_target: usize,
    share: f64,
    target: Option<TargetPart>,
    /// `log N(x | x, eps I)`, the prior's normaliser.
    log_prior_norm: f64,
}

/// Proposals `(B * K, D)` row-major and their log-weights `log N(y|x, eps I) - log q(y|x)` `(B, K)`.
pub(crate) struct Draws {
    pub points: Vec<f32>,
    pub log_w: Vec<f64>,
}

impl Proposal {
    /// `settings.share` of the `k` proposals from the target part, fitted to the training
    /// `source` and `target` (none when the share is 0).
    pub fn new(
        settings: &ProposalSettings,
        k: usize,
        source: &Points,
        target: &Points,
    ) -> Result<Self, SolverError> {
        let from_target = (settings.share * k as f64).round() as usize;
        let part = match from_target {
            0 => None,
            _ => Some(TargetPart::new(settings.kind, source, target, settings.eps)?),
        };
        let d = target.dim();
        Ok(Proposal {
            eps: settings.eps,
            dim: d,
            from_target,
            share: settings.share,
            target: part,
            log_prior_norm: -0.5 * d as f64 * (2.0 * std::f64::consts::PI * settings.eps).ln(),
        })
    }

    /// Draws the proposals of every row of `x`.
    pub fn draw(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Draws {
        let (d, eps) = (self.dim, self.eps);
        let mut points = Vec::with_capacity(x.len() * k * d);
        let mut log_w = Vec::with_capacity(x.len() * k);
        let first_target = k - self.from_target;
        let mut ys = DMatrix::zeros(d, k);
        for xi in x.rows() {
            let located = self.target.as_ref().map(|t| (t, t.mean(xi)));
            // The target part's noise first, then the prior's: the order of the runs docs/solvers/vareot.md
            // reports, so their seeds still give their proposals.
            let noise = located.as_ref().map(|(t, _)| t.noise.sample(self.from_target, rng));
            for j in 0..k {
                let y = &mut ys.as_mut_slice()[j * d..(j + 1) * d];
                match (&located, &noise) {
                    (Some((_, mean)), Some(noise)) if j >= first_target => {
                        y.iter_mut()
                            .zip(mean.iter().zip(noise.row(j - first_target)))
                            .for_each(|(v, (m, e))| *v = m + e);
                    }
                    _ => y.iter_mut().zip(xi).for_each(|(v, c)| {
                        let z: f64 = StandardNormal.sample(rng);
                        *v = c + eps.sqrt() * z;
                    }),
                }
            }
            match &located {
                Some((t, mean)) => {
                    log_w.extend(self.log_weights(xi, &ys, &t.log_density(mean, &ys)))
                }
                None => log_w.extend(std::iter::repeat_n(0.0, k)),
            }
            points.extend(ys.iter().map(|v| *v as f32));
        }
        Draws { points, log_w }
    }

    /// `log N(y | x, eps I) - log q(y|x)` for every column `y` of `ys`.
    fn log_weights(&self, x: &[f64], ys: &DMatrix<f64>, log_g: &[f64]) -> Vec<f64> {
        ys.column_iter()
            .zip(log_g)
            .map(|(y, lg)| {
                let sq: f64 = x.iter().zip(y.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
                let log_prior = self.log_prior_norm - sq / (2.0 * self.eps);
                let log_q =
                    log_sum_exp(&[(1.0 - self.share).ln() + log_prior, self.share.ln() + *lg]);
                log_prior - log_q
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eot_datasets::seeded_rng;

    fn settings(kind: TargetProposal, eps: f64) -> ProposalSettings {
        ProposalSettings { kind, share: 0.5, eps }
    }

    /// `n` draws of `N((shift, shift), var I_2)`.
    fn gaussian_points(n: usize, var: f64, shift: f64, seed: u64) -> Points {
        let g = Gaussian::new(DVector::from_element(2, shift), DMatrix::identity(2, 2) * var);
        g.unwrap().sample(n, &mut seeded_rng(seed))
    }

    /// With `f(y) = a.y`, `E_{N(x, eps I)} exp(f/eps) = exp(a.x/eps + |a|^2/(2 eps))`: the
    /// weighted mixture estimate must match it for either target part (the weights make the
    /// target part unbiased).
    #[test]
    fn mixture_weights_keep_the_prior_expectation() {
        let (eps, k) = (2.0, 20_000);
        let source = gaussian_points(1500, 0.25, -0.5, 1);
        let target = gaussian_points(2000, 1.0, 1.0, 2);
        let x = Points::new(vec![0.3, -0.2], 1, 2).unwrap();
        let a = [0.4, 0.7];
        let exact = (a[0] * 0.3 + a[1] * -0.2) / eps + (a[0] * a[0] + a[1] * a[1]) / (2.0 * eps);
        for kind in [TargetProposal::Marginal, TargetProposal::Plan] {
            let mut rng = seeded_rng(5);
            let p = Proposal::new(&settings(kind, eps), k, &source, &target).unwrap();
            let draws = p.draw(&x, k, &mut rng);
            let terms: Vec<f64> = draws
                .points
                .chunks(2)
                .zip(&draws.log_w)
                .map(|(y, lw)| (a[0] * y[0] as f64 + a[1] * y[1] as f64) / eps + lw)
                .collect();
            let estimate = log_sum_exp(&terms) - (k as f64).ln();
            assert!((estimate - exact).abs() < 0.02, "{kind:?}: {estimate} vs {exact}");
        }
    }

    /// The plan part's draws follow `x` (the Gaussian plan's slope), the marginal part's do not.
    #[test]
    fn plan_part_moves_with_x() {
        let source = gaussian_points(1500, 0.25, -0.5, 1);
        let target = gaussian_points(2000, 1.0, 1.0, 2);
        let (eps, k) = (0.1, 4000);
        let mean_of_target_part = |kind, x0: f64| {
            let p = Proposal::new(&settings(kind, eps), k, &source, &target);
            let x = Points::new(vec![x0, x0], 1, 2).unwrap();
            let draws = p.unwrap().draw(&x, k, &mut seeded_rng(9));
            let tail = &draws.points[k..]; // the second half of the K rows, two coordinates each
            tail.iter().map(|v| *v as f64).sum::<f64>() / tail.len() as f64
        };
        let plan_shift = mean_of_target_part(TargetProposal::Plan, 0.5)
            - mean_of_target_part(TargetProposal::Plan, -0.5);
        let marginal_shift = mean_of_target_part(TargetProposal::Marginal, 0.5)
            - mean_of_target_part(TargetProposal::Marginal, -0.5);
        assert!(plan_shift > 0.5, "plan part moved by {plan_shift}");
        assert!(marginal_shift.abs() < 0.05, "marginal part moved by {marginal_shift}");
    }
}
