use candle_core::{DType, Device};
use eot_datasets::{Points, SuiteRng, log_sum_exp};
use rand::Rng;

use super::{Potential, normals};
use crate::SolverError;

/// Self-normalised importance sampling of `mu_x^f` from the proposal `N(x, eps I)`: the weight of
/// a proposal `y` is `exp(f(y) / eps)` (docs/design.md §2), so no MCMC is involved. Its quality is
/// measured by the effective sample size, which collapses when `mu_x^f` is much narrower than
/// the proposal (large eps in high D).
#[derive(Clone, Debug, PartialEq)]
pub struct Snis {
    /// Proposals drawn per query.
    pub proposals: usize,
}

/// The weighted proposals of every query.
pub struct SnisDraws {
    dim: usize,
    per_query: usize,
    /// `(queries * per_query, D)` row-major.
    points: Vec<f64>,
    /// Normalised log weights, `queries * per_query`.
    log_w: Vec<f64>,
    /// `log mean_j exp(f(y_j) / eps)` per query: the importance-sampling estimate of
    /// `log E_z exp(f(x + sqrt(eps) z) / eps)`.
    log_mean: Vec<f64>,
}

/// Draws `s.proposals` proposals for each row of `x` and weighs them by the potential `f`.
pub fn snis<P: Potential + ?Sized>(
    f: &P,
    x: &Points,
    eps: f64,
    s: &Snis,
    rng: &mut SuiteRng,
    device: &Device,
) -> Result<SnisDraws, SolverError> {
    let (q, p, d) = (x.len(), s.proposals, x.dim());
    let centres = crate::minibatch::tensor(x, DType::F32, device)?;
    let z = normals(&[q, p, d], rng, device)?;
    let props = centres.unsqueeze(1)?.broadcast_add(&(z * eps.sqrt())?)?.reshape((q * p, d))?;
    let logits = (f.values(&props)?.to_dtype(DType::F64)? / eps)?.to_vec1::<f64>()?;
    let points = props.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
    let mut log_w = Vec::with_capacity(q * p);
    let mut log_mean = Vec::with_capacity(q);
    for (i, chunk) in logits.chunks(p).enumerate() {
        let norm = log_sum_exp(chunk);
        if !norm.is_finite() {
            return Err(SolverError::Diverged(format!(
                "importance weights of query {i} are not finite (potential overflow)"
            )));
        }
        log_w.extend(chunk.iter().map(|l| l - norm));
        log_mean.push(norm - (p as f64).ln());
    }
    Ok(SnisDraws { dim: d, per_query: p, points, log_w, log_mean })
}

impl SnisDraws {
    fn weights(&self, i: usize) -> impl Iterator<Item = f64> + '_ {
        self.log_w[i * self.per_query..(i + 1) * self.per_query].iter().map(|l| l.exp())
    }

    fn row(&self, i: usize, j: usize) -> &[f64] {
        let at = (i * self.per_query + j) * self.dim;
        &self.points[at..at + self.dim]
    }

    /// Per query, `log mean_j exp(f(y_j) / eps)` over the proposals.
    pub fn log_mean_weight(&self) -> &[f64] {
        &self.log_mean
    }

    /// Effective sample size `1 / sum w^2` of query `i` (between 1 and the proposal count).
    pub fn ess(&self, i: usize) -> f64 {
        1.0 / self.weights(i).map(|w| w * w).sum::<f64>()
    }

    /// The weighted mean of query `i`'s proposals: the SNIS estimate of `E[y|x]`.
    pub fn mean(&self, i: usize) -> Vec<f64> {
        let mut m = vec![0.0; self.dim];
        for (j, w) in self.weights(i).enumerate() {
            for (mk, yk) in m.iter_mut().zip(self.row(i, j)) {
                *mk += w * yk;
            }
        }
        m
    }

    /// `k` draws for query `i`, resampled with replacement by weight, appended to `out`.
    pub fn resample(&self, i: usize, k: usize, rng: &mut SuiteRng, out: &mut Vec<f64>) {
        let cumulative: Vec<f64> = self
            .weights(i)
            .scan(0.0, |acc, w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        let total = *cumulative.last().unwrap_or(&1.0);
        for _ in 0..k {
            let u = rng.random::<f64>() * total;
            let j = cumulative.partition_point(|c| *c <= u).min(self.per_query - 1);
            out.extend_from_slice(self.row(i, j));
        }
    }
}
