use std::sync::OnceLock;

use nalgebra::{DMatrix, DVector};
use rand::Rng;

use crate::linalg::{normal_vector, symmetrize};
use crate::{
    BenchmarkPair, DataError, Gaussian, GroundTruth, Moments, Points, Sampler, SuiteRng,
    draw_index, log_sum_exp, random_rotation, random_spd, seeded_rng,
};

/// How a Gaussian-mixture benchmark pair is built (docs/design.md §4.2).
#[derive(Clone, Debug)]
pub struct GmmPairSettings {
    /// Dimension D.
    pub dim: usize,
    /// Regulariser the exact plan is built for.
    pub eps: f64,
    /// Source components: equal weights, isotropic std `source_std`, centres `source_spacing` apart.
    pub source_components: usize,
    /// Standard deviation of each source component (authors: 0.5).
    pub source_std: f64,
    /// Distance between neighbouring source centres (authors: 2).
    pub source_spacing: f64,
    /// Components of the potential mixture `exp(f*/eps) ∝ sum_k p_k N(mu_k, Sigma_k)`.
    pub potential_components: usize,
    /// Seed of the construction: the pair depends on it and on `dim`, `eps`, not on a run's seed.
    pub construction_seed: u64,
    /// Range of the eigenvalues of each potential component's covariance `Sigma_k` (benchmark:
    /// 0.1 to 1), drawn uniformly in a random rotation.
    pub potential_eigenvalues: (f64, f64),
    /// The pair's name in tables (`gmm` for the benchmark construction).
    pub name: &'static str,
}

impl GmmPairSettings {
    /// The suite's benchmark pair: 3 source components (centres 2 apart, std 0.5) and
    /// 5 potential components, as in the benchmark authors' draft.
    pub fn benchmark(dim: usize, eps: f64) -> Self {
        GmmPairSettings {
            dim,
            eps,
            source_components: 3,
            source_std: 0.5,
            source_spacing: 2.0,
            potential_components: 5,
            construction_seed: 0x6a05_0000 + dim as u64,
            potential_eigenvalues: (0.1, 1.0),
            name: "gmm",
        }
    }

    /// Pairs nobody tuned a setting on (`gmm-fresh`): the same source, but other construction
    /// seeds, 4 potential components and sharper, more anisotropic ones (eigenvalues 0.01 to
    /// 0.36, i.e. standard deviations 0.1 to 0.6 along random axes).
    pub fn fresh(dim: usize, eps: f64) -> Self {
        GmmPairSettings {
            potential_components: 4,
            construction_seed: 0x7e57_f000 + dim as u64,
            potential_eigenvalues: (0.01, 0.36),
            name: "gmm-fresh",
            ..Self::benchmark(dim, eps)
        }
    }
}

/// One component of the exact conditional plan `pi*(y|x)`.
#[derive(Clone, Debug)]
struct PlanComponent {
    log_weight: f64,
    /// `N(mu_k, Sigma_k)`: the component of the potential `exp(f*/eps)`.
    potential: Gaussian,
    /// `N(mu_k, Sigma_k + eps I)`: the component's weight as a function of `x`.
    evidence: Gaussian,
    /// `N(0, S_k)`: the component's shape in `pi*(.|x)`.
    shape: Gaussian,
    /// `S_k = (I/eps + Sigma_k^{-1})^{-1}`.
    cov: DMatrix<f64>,
    /// `S_k Sigma_k^{-1} mu_k`; the mean is `offset + S_k x / eps`.
    offset: DVector<f64>,
}

/// Gaussian-mixture pair with the exact EOT plan (Gushchin et al., NeurIPS 2023 D&B).
///
/// `p0` is a Gaussian mixture; `exp(f*(y)/eps) ∝ sum_k p_k N(y | mu_k, Sigma_k)`, so
/// `pi*(y|x) = sum_k w_k(x) N(y | m_k(x), S_k)` with `S_k = (I/eps + Sigma_k^{-1})^{-1}`,
/// `m_k(x) = S_k (Sigma_k^{-1} mu_k + x/eps)`, `w_k(x) ∝ p_k N(x | mu_k, Sigma_k + eps I)`;
/// `p1` is the push-forward of `p0` through `pi*`, which makes `pi*` the EOT plan between them.
pub struct GmmPair {
    settings: GmmPairSettings,
    source: Vec<Gaussian>,
    plan: Vec<PlanComponent>,
    target_moments: OnceLock<Moments>,
}

/// Source draws used to compute the target moments by the law of total covariance.
const TARGET_MOMENT_DRAWS: usize = 20_000;

impl GmmPair {
    /// Builds the pair; refuses `dim < 2`, `eps <= 0`, or empty mixtures.
    pub fn new(s: &GmmPairSettings) -> Result<Self, DataError> {
        if s.dim < 2 {
            return Err(DataError::Invalid(format!("gmm pair needs D >= 2, got {}", s.dim)));
        }
        if !(s.eps > 0.0 && s.eps.is_finite()) {
            return Err(DataError::Invalid(format!("eps must be > 0 and finite, got {}", s.eps)));
        }
        if s.source_components == 0 || s.potential_components == 0 {
            return Err(DataError::Invalid("mixtures need at least one component".into()));
        }
        let mut rng = seeded_rng(s.construction_seed);
        let source = source_mixture(s, &mut rng)?;
        let weights: Vec<f64> =
            (0..s.potential_components).map(|_| rng.random_range(0.5..1.5)).collect();
        let total: f64 = weights.iter().sum();
        let d = s.dim;
        let mut plan = Vec::with_capacity(s.potential_components);
        for w in weights {
            let mu = normal_vector(d, &mut rng);
            let (lo, hi) = s.potential_eigenvalues;
            let sigma = random_spd(d, lo, hi, &mut rng);
            plan.push(plan_component((w / total).ln(), mu, sigma, s.eps)?);
        }
        Ok(GmmPair { settings: s.clone(), source, plan, target_moments: OnceLock::new() })
    }

    /// The optimal potential written as LightSB's adjusted potential (docs/design.md §3.3):
    /// `exp(f*(y)/eps - |y|^2/(2 eps)) ∝ sum_k alpha_k N(y | r_k, eps S_k)` with
    /// `eps S_k = (Sigma_k^{-1} + I/eps)^{-1}`, `r_k = eps S_k Sigma_k^{-1} mu_k` and
    /// `alpha_k ∝ p_k N(mu_k | 0, Sigma_k + eps I)` (the Gaussian integral of the product).
    /// Returns `(log alpha_k, r_k, S_k)`, the weights unnormalised. A Gaussian-mixture solver
    /// with these parameters reproduces `pi*` exactly, which lets tests check its formulas
    /// apart from its training.
    pub fn adjusted_potential(&self) -> Vec<(f64, DVector<f64>, DMatrix<f64>)> {
        let origin = vec![0.0; self.settings.dim];
        self.plan
            .iter()
            .map(|c| {
                let log_alpha = c.log_weight + c.evidence.log_density(&origin);
                (log_alpha, c.offset.clone(), &c.cov / self.settings.eps)
            })
            .collect()
    }

    /// The source mixture's components (equal weights).
    pub fn source_components(&self) -> &[Gaussian] {
        &self.source
    }

    /// The potential's mixture, `exp(f*(y)/eps) ∝ sum_k p_k N(y | mu_k, Sigma_k)`: the
    /// normalised weights `p_k` with `(mu_k, Sigma_k)`.
    pub fn potential_components(&self) -> Vec<(f64, &Gaussian)> {
        self.plan.iter().map(|c| (c.log_weight.exp(), &c.potential)).collect()
    }

    /// The settings the pair was built from.
    pub fn settings(&self) -> &GmmPairSettings {
        &self.settings
    }

    /// Log-weights `log w_k(x)`, normalised (log-sum-exp over components).
    fn log_weights(&self, x: &[f64]) -> Vec<f64> {
        let raw: Vec<f64> =
            self.plan.iter().map(|c| c.log_weight + c.evidence.log_density(x)).collect();
        let lse = log_sum_exp(&raw);
        raw.iter().map(|v| v - lse).collect()
    }

    /// The weights `w_k(x)` of every row of `xs` (row-major, `n x K`): [`GmmPair::log_weights`]
    /// for all rows at once, one matrix product per component, exponentiated.
    fn weights_rows(&self, xs: &Points) -> Vec<f64> {
        let k = self.plan.len();
        let mut w = vec![0.0; xs.len() * k];
        for (j, c) in self.plan.iter().enumerate() {
            for (i, v) in c.evidence.log_density_rows(xs).into_iter().enumerate() {
                w[i * k + j] = c.log_weight + v;
            }
        }
        for row in w.chunks_mut(k) {
            let lse = log_sum_exp(row);
            row.iter_mut().for_each(|v| *v = (*v - lse).exp());
        }
        w
    }

    /// The optimal potential `f*(y) = eps log sum_k p_k N(y | mu_k, Sigma_k)` (up to a constant).
    pub fn potential(&self, y: &[f64]) -> f64 {
        let terms: Vec<f64> =
            self.plan.iter().map(|c| c.log_weight + c.potential.log_density(y)).collect();
        self.settings.eps * log_sum_exp(&terms)
    }

    /// `log pi*(y|x)` from the mixture formula.
    pub fn conditional_log_density(&self, x: &[f64], y: &[f64]) -> f64 {
        let yv = DVector::from_column_slice(y);
        let terms: Vec<f64> = self
            .plan
            .iter()
            .zip(self.log_weights(x))
            .map(|(c, lw)| {
                let centred = &yv - self.component_mean(c, x);
                lw + c.shape.log_density(centred.as_slice())
            })
            .collect();
        log_sum_exp(&terms)
    }

    fn component_mean(&self, c: &PlanComponent, x: &[f64]) -> DVector<f64> {
        &c.offset + &c.cov * DVector::from_column_slice(x) / self.settings.eps
    }
}

fn source_mixture(s: &GmmPairSettings, rng: &mut SuiteRng) -> Result<Vec<Gaussian>, DataError> {
    // Centres on a regular polygon of side `spacing` in a random 2-plane: all pairs of
    // neighbouring centres are `spacing` apart (all pairs for the default 3 components).
    let rot = random_rotation(s.dim, rng);
    let k = s.source_components;
    let radius = if k > 1 {
        s.source_spacing / (2.0 * (std::f64::consts::PI / k as f64).sin())
    } else {
        0.0
    };
    let cov = DMatrix::identity(s.dim, s.dim) * (s.source_std * s.source_std);
    (0..k)
        .map(|i| {
            let angle = 2.0 * std::f64::consts::PI * i as f64 / k as f64;
            let centre =
                rot.column(0) * (radius * angle.cos()) + rot.column(1) * (radius * angle.sin());
            Gaussian::new(centre, cov.clone())
        })
        .collect()
}

fn plan_component(
    log_weight: f64,
    mu: DVector<f64>,
    sigma: DMatrix<f64>,
    eps: f64,
) -> Result<PlanComponent, DataError> {
    let d = mu.len();
    let id = DMatrix::<f64>::identity(d, d);
    let sigma_inv =
        sigma.clone().try_inverse().ok_or_else(|| DataError::Invalid("singular Sigma_k".into()))?;
    let cov = symmetrize((&id / eps + &sigma_inv).try_inverse().expect("SPD sum is invertible"));
    let offset = &cov * &sigma_inv * &mu;
    let potential = Gaussian::new(mu.clone(), sigma.clone())?;
    let evidence = Gaussian::new(mu, sigma + id * eps)?;
    let shape = Gaussian::new(DVector::zeros(d), cov.clone())?;
    Ok(PlanComponent { log_weight, potential, evidence, shape, cov, offset })
}

impl GroundTruth for GmmPair {
    fn conditional_sample(&self, x: &[f64], k: usize, rng: &mut SuiteRng) -> Points {
        let d = self.settings.dim;
        let probs: Vec<f64> = self.log_weights(x).iter().map(|lw| lw.exp()).collect();
        // Component means are computed only for components actually drawn (one D x D product
        // each): a single draw in high dimension then costs one mean, not all of them.
        let mut means: Vec<Option<DVector<f64>>> = vec![None; self.plan.len()];
        let mut data = Vec::with_capacity(k * d);
        for _ in 0..k {
            let j = draw_index(&probs, rng);
            let mean = means[j].get_or_insert_with(|| self.component_mean(&self.plan[j], x));
            data.extend((&*mean + self.plan[j].shape.chol_l() * normal_vector(d, rng)).iter());
        }
        Points::new(data, k, d).expect("finite mixture draws")
    }

    fn conditional_moments(&self, x: &[f64]) -> Moments {
        let d = self.settings.dim;
        let log_w = self.log_weights(x);
        let mut mean = DVector::zeros(d);
        let mut second = DMatrix::zeros(d, d);
        for (c, lw) in self.plan.iter().zip(&log_w) {
            let w = lw.exp();
            let m = self.component_mean(c, x);
            second += (&c.cov + &m * m.transpose()) * w;
            mean += m * w;
        }
        let cov = symmetrize(second - &mean * mean.transpose());
        Moments { mean, cov }
    }

    /// Exact in the conditional moments, Monte Carlo over 20,000 fixed source draws:
    /// `Cov(y) = E_x Cov(y|x) + Cov_x E(y|x)` (law of total covariance).
    fn target_moments(&self) -> Moments {
        self.target_moments
            .get_or_init(|| {
                let d = self.settings.dim;
                let xs = self.sample_source(
                    TARGET_MOMENT_DRAWS,
                    &mut seeded_rng(self.settings.construction_seed ^ 0x7a),
                );
                let mut mean = DVector::zeros(d);
                let mut second = DMatrix::zeros(d, d);
                for x in xs.rows() {
                    let m = self.conditional_moments(x);
                    second += &m.cov + &m.mean * m.mean.transpose();
                    mean += m.mean;
                }
                let n = TARGET_MOMENT_DRAWS as f64;
                mean /= n;
                let cov = symmetrize(second / n - &mean * mean.transpose());
                Moments { mean, cov }
            })
            .clone()
    }
}

impl Sampler for GmmPair {
    fn dim(&self) -> usize {
        self.settings.dim
    }
    /// Each draw takes its component and then its noise from `rng`, as one draw at a time would;
    /// the noise is then coloured by one matrix product per component.
    fn sample_source(&self, n: usize, rng: &mut SuiteRng) -> Points {
        let d = self.settings.dim;
        let mut which = Vec::with_capacity(n);
        let mut noise = Vec::with_capacity(n * d);
        for _ in 0..n {
            which.push(rng.random_range(0..self.source.len()));
            noise.extend(normal_vector(d, rng).iter());
        }
        let mut data = vec![0.0; n * d];
        for (k, g) in self.source.iter().enumerate() {
            let rows = rows_of(&which, k);
            add_rows(&rows, &noise, g.chol_l(), 1.0, &mut data);
            for &i in &rows {
                data[i * d..(i + 1) * d].iter_mut().zip(g.mean()).for_each(|(v, m)| *v += m);
            }
        }
        Points::new(data, n, d).expect("finite mixture draws")
    }

    /// [`GroundTruth::conditional_sample`] of one draw at each source draw, batched: the
    /// weights of all rows first (no random numbers), then each row's component and noise in
    /// turn (the order one draw at a time takes them), then one matrix product per component
    /// for the means and one for the noise.
    fn sample_target(&self, n: usize, rng: &mut SuiteRng) -> Points {
        let xs = self.sample_source(n, rng);
        let d = self.settings.dim;
        let weights = self.weights_rows(&xs);
        let mut which = Vec::with_capacity(n);
        let mut noise = Vec::with_capacity(n * d);
        for probs in weights.chunks(self.plan.len()) {
            which.push(draw_index(probs, rng));
            noise.extend(normal_vector(d, rng).iter());
        }
        let mut data = vec![0.0; n * d];
        for (j, c) in self.plan.iter().enumerate() {
            let rows = rows_of(&which, j);
            add_rows(&rows, xs.as_slice(), &c.cov, 1.0 / self.settings.eps, &mut data);
            add_rows(&rows, &noise, c.shape.chol_l(), 1.0, &mut data);
            for &i in &rows {
                data[i * d..(i + 1) * d].iter_mut().zip(&c.offset).for_each(|(v, o)| *v += o);
            }
        }
        Points::new(data, n, d).expect("finite mixture draws")
    }
}

/// The indices `i` with `which[i] == k`.
fn rows_of(which: &[usize], k: usize) -> Vec<usize> {
    which.iter().enumerate().filter(|(_, w)| **w == k).map(|(i, _)| i).collect()
}

/// `out_i += scale A v_i` for every `i` in `rows`, `v_i` the `i`-th row of `vectors`
/// (row-major, `A.ncols()` wide), in one matrix product.
fn add_rows(rows: &[usize], vectors: &[f64], a: &DMatrix<f64>, scale: f64, out: &mut [f64]) {
    let (d_out, d_in) = a.shape();
    let v = DMatrix::from_fn(rows.len(), d_in, |r, j| vectors[rows[r] * d_in + j]);
    let product = v * a.transpose() * scale;
    for (r, &i) in rows.iter().enumerate() {
        for j in 0..d_out {
            out[i * d_out + j] += product[(r, j)];
        }
    }
}

impl BenchmarkPair for GmmPair {
    fn name(&self) -> &str {
        self.settings.name
    }
    fn ground_truth(&self) -> Option<&dyn GroundTruth> {
        Some(self)
    }
}
