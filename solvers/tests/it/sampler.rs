//! The neural samplers on a conditional known exactly: the benchmark pair's own optimal
//! potential `f*`, whose conditionals `pi*(.|x)` are Gaussian mixtures with known weights,
//! means and covariances (docs/design.md §4.2). At D = 16, eps = 10 their 5 modes lie about 11
//! apart with spreads of at most 1, so a sampler must move mass between modes to get the shares
//! right: the guided sampler must match the exact mode shares and moments within sampling noise,
//! and a short sampler, or one without the guide's independence moves, must fail the same check.

use candle_core::{Device, Tensor};
use eot_datasets::{
    BenchmarkPair, GmmPair, GmmPairSettings, GroundTruth, Points, Sampler, substream,
};
use eot_metrics::bw2;
use eot_solvers::neural::{Guide, Guided, Mala, Potential, guided, mala};
use nalgebra::{DMatrix, DVector};

/// `f*(y) = eps log sum_k alpha_k N(y | r_k, eps S_k) + |y|^2 / 2` (LightSB's form of the
/// benchmark potential) with its gradient, in float64 on the CPU.
struct MixturePotential {
    eps: f64,
    /// `(log alpha_k - log det(2 pi eps S_k) / 2, r_k, (eps S_k)^{-1})`.
    parts: Vec<(f64, DVector<f64>, DMatrix<f64>)>,
    /// `(log alpha_k, r_k, S_k)`, for the exact conditionals.
    adjusted: Vec<(f64, DVector<f64>, DMatrix<f64>)>,
}

impl MixturePotential {
    fn new(pair: &GmmPair) -> Self {
        let eps = pair.settings().eps;
        let adjusted = pair.adjusted_potential();
        let parts = adjusted
            .iter()
            .map(|(la, r, s)| {
                let cov = s * eps;
                let log_det =
                    cov.clone().cholesky().unwrap().l().diagonal().map(|v| 2.0 * v.ln()).sum();
                let d = r.len() as f64;
                let norm = la - 0.5 * (log_det + d * (2.0 * std::f64::consts::PI).ln());
                (norm, r.clone(), cov.try_inverse().unwrap())
            })
            .collect();
        MixturePotential { eps, parts, adjusted }
    }

    /// `f*(y)` and its gradient at one point.
    fn at(&self, y: &DVector<f64>) -> (f64, DVector<f64>) {
        let terms: Vec<(f64, DVector<f64>)> = self
            .parts
            .iter()
            .map(|(norm, r, prec)| {
                let c = y - r;
                let g = -(prec * &c);
                (norm - 0.5 * c.dot(&(prec * &c)), g)
            })
            .collect();
        let max = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = terms.iter().map(|t| (t.0 - max).exp()).sum();
        let lse = max + total.ln();
        let mut grad = DVector::zeros(y.len());
        for (v, g) in &terms {
            grad += g * ((v - lse).exp());
        }
        (self.eps * lse + 0.5 * y.norm_squared(), grad * self.eps + y)
    }

    /// The exact conditional at `x`: `(w_k, mean_k, cov_k)`.
    fn conditional(&self, x: &[f64]) -> Vec<(f64, DVector<f64>, DMatrix<f64>)> {
        let x = DVector::from_column_slice(x);
        let logits: Vec<f64> = self
            .adjusted
            .iter()
            .map(|(la, r, s)| la + (x.dot(&(s * &x)) + 2.0 * r.dot(&x)) / (2.0 * self.eps))
            .collect();
        let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logits.iter().map(|l| (l - max).exp()).sum();
        self.adjusted
            .iter()
            .zip(&logits)
            .map(|((_, r, s), l)| ((l - max).exp() / total, r + s * &x, s * self.eps))
            .collect()
    }
}

impl Potential for MixturePotential {
    fn values(&self, y: &Tensor) -> candle_core::Result<Tensor> {
        Ok(self.values_and_gradients(y)?.0)
    }
    fn values_and_gradients(&self, y: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        let (n, d) = y.dims2()?;
        let rows = y.to_dtype(candle_core::DType::F64)?.to_vec2::<f64>()?;
        let (mut values, mut grads) = (Vec::with_capacity(n), Vec::with_capacity(n * d));
        for row in rows {
            let (v, g) = self.at(&DVector::from_vec(row));
            values.push(v as f32);
            grads.extend(g.iter().map(|v| *v as f32));
        }
        Ok((Tensor::from_vec(values, n, y.device())?, Tensor::from_vec(grads, (n, d), y.device())?))
    }
}

/// Total-variation distance between the exact mode shares at `x` and those of `draws` (each
/// draw given to the mode of highest posterior responsibility), and BW2 between the draws'
/// moments and the exact ones, over `Var(p1)`.
fn errors(
    f: &MixturePotential,
    x: &[f64],
    draws: &Points,
    var_p1: f64,
    truth: &dyn GroundTruth,
) -> (f64, f64) {
    let modes = f.conditional(x);
    let mut counts = vec![0.0; modes.len()];
    for y in draws.rows() {
        let y = DVector::from_column_slice(y);
        let best = modes
            .iter()
            .enumerate()
            .map(|(k, (w, m, c))| {
                let diff = &y - m;
                (k, w.ln() - 0.5 * diff.dot(&(c.clone().try_inverse().unwrap() * &diff)))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0;
        counts[best] += 1.0 / draws.len() as f64;
    }
    let tv = 0.5 * modes.iter().zip(&counts).map(|((w, _, _), c)| (w - c).abs()).sum::<f64>();
    let moments = eot_datasets::Moments::empirical(draws).unwrap();
    (tv, bw2(&moments, &truth.conditional_moments(x)).unwrap() / var_p1)
}

struct Case {
    pair: GmmPair,
    f: MixturePotential,
    guide: Guide,
    queries: Points,
}

fn case() -> Case {
    let pair = GmmPair::new(&GmmPairSettings::benchmark(16, 10.0)).unwrap();
    let f = MixturePotential::new(&pair);
    let source = pair.sample_source(4000, &mut substream(3, 1));
    let target = pair.sample_target(4000, &mut substream(3, 2));
    let guide = Guide::from_samples(&source, &target, 10.0, &Device::Cpu).unwrap();
    let queries = pair.sample_source(4, &mut substream(3, 3));
    Case { pair, f, guide, queries }
}

/// Worst mode-share error and worst moment error over the queries.
fn worst(c: &Case, draws: &Points, k: usize) -> (f64, f64) {
    let truth = c.pair.ground_truth().unwrap();
    let var = truth.target_moments().variance();
    let d = c.queries.dim();
    let mut out = (0.0f64, 0.0f64);
    for (i, x) in c.queries.rows().enumerate() {
        let rows =
            Points::new(draws.as_slice()[i * k * d..(i + 1) * k * d].to_vec(), k, d).unwrap();
        let (tv, m) = errors(&c.f, x, &rows, var, truth);
        out = (out.0.max(tv), out.1.max(m));
    }
    out
}

fn to_points(t: &Tensor) -> Points {
    let (n, d) = t.dims2().unwrap();
    let v = t
        .to_dtype(candle_core::DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    Points::new(v, n, d).unwrap()
}

fn queries_tensor(c: &Case) -> Tensor {
    let data: Vec<f32> = c.queries.as_slice().iter().map(|v| *v as f32).collect();
    Tensor::from_vec(data, (c.queries.len(), c.queries.dim()), &Device::Cpu).unwrap()
}

fn run_guided(c: &Case, s: &Guided, k: usize) -> (f64, f64) {
    let (y, _) =
        guided(&c.f, &queries_tensor(c), k, 10.0, &c.guide, s, &mut substream(5, 1)).unwrap();
    worst(c, &to_points(&y), k)
}

const DEFAULT: Guided = Guided {
    chains: 16,
    burn_in: 100,
    thin: 5,
    global_every: 2,
    tries: 16,
    initial_step: 0.1,
    target_acceptance: 0.57,
};

#[test]
fn guided_draws_match_the_exact_mode_shares_and_moments() {
    let c = case();
    let k = 2000;
    let (tv, moments) = run_guided(&c, &DEFAULT, k);
    // The noise floor, measured with 2000 exact draws per query of the same 4 queries: total
    // variation 0.028 and BW2 / Var(p1) 0.0019 at the worst query (the guided sampler: 0.022
    // and 0.0027). The bounds allow about twice the floor; without the multiple-try moves
    // (tries = 1) the same run gives 0.060 and 0.0084.
    assert!(tv < 0.05, "mode shares off by {tv} (total variation)");
    assert!(moments < 0.005, "moments off: BW2 / Var(p1) = {moments}");
}

#[test]
fn a_short_or_unguided_sampler_fails_the_same_check() {
    let c = case();
    let k = 2000;
    // No independence moves and one chain per query: all of a query's draws stay in the mode
    // its chain started in.
    let local = Guided { chains: 1, global_every: 0, ..DEFAULT };
    let (tv, _) = run_guided(&c, &local, k);
    assert!(tv > 0.15, "one local chain per query passed: {tv}");
    // Five MALA steps from y = x, one chain per draw: the draws stay near x.
    let x = queries_tensor(&c);
    let (q, d) = x.dims2().unwrap();
    let centres =
        x.unsqueeze(1).unwrap().broadcast_as((q, k, d)).unwrap().reshape((q * k, d)).unwrap();
    let short = Mala { steps: 5, initial_step: 0.1, target_acceptance: 0.57 };
    let y = mala(&c.f, &centres, &centres, 10.0, &short, &mut substream(5, 2)).unwrap().y;
    let (tv, moments) = worst(&c, &to_points(&y), k);
    assert!(tv > 0.15 || moments > 0.05, "five MALA steps passed: {tv}, {moments}");
}
