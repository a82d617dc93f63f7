use candle_core::{DType, Device, Tensor};
use candle_nn::Module;
use eot_datasets::{Moments, Points, SuiteRng, substream};
use rand::Rng;
use rayon::prelude::*;

use super::inference::{InferenceSettings, SamplerKind};
use super::{Guide, Guided, Langevin, Mala, Mlp, Snis, guided, langevin, mala, snis};
use crate::solver::{check_dim, sample_buffer};
use crate::{Exactness, FitReport, FittedPlan, LogPartition, SolverError, minibatch};

/// Rows per network call at inference, to bound memory (activations of 256-wide layers).
const ROWS_PER_CALL: usize = 32_768;

/// Queries per block of the guided sampler, the unit its work is spread over the threads in.
const GUIDED_BLOCK_QUERIES: usize = 32;

/// A plan given by a neural potential `f` (docs/design.md §2), optionally with a learned normaliser
/// `xi(x) ≈ log E_z exp(f(x + sqrt(eps) z) / eps)` (VarEOT). Without one, `log Z` is estimated by
/// importance sampling.
pub struct NeuralPlan {
    pub(crate) f: Mlp,
    pub(crate) xi: Option<Mlp>,
    pub(crate) eps: f64,
    pub(crate) dim: usize,
    pub(crate) report: FitReport,
    pub(crate) inference: InferenceSettings,
    pub(crate) device: Device,
    /// The Gaussian guide of the guided sampler (`None` where the samples it is built from
    /// admit no Gaussian plan; the guided sampler then refuses to run).
    pub(crate) guide: Option<Guide>,
}

impl NeuralPlan {
    /// The same networks, sampled with other inference settings.
    pub fn with_inference(self, inference: InferenceSettings) -> Result<Self, SolverError> {
        inference.clone().visit(&mut crate::settings::Check)?;
        Ok(NeuralPlan { inference, ..self })
    }

    fn tensor(&self, x: &Points) -> Result<Tensor, SolverError> {
        check_dim(x, self.dim)?;
        minibatch::tensor(x, DType::F32, &self.device)
    }

    fn evaluate(&self, net: &Mlp, x: &Points) -> Result<Vec<f64>, SolverError> {
        let mut out = Vec::with_capacity(x.len());
        for chunk in chunks(x, ROWS_PER_CALL)? {
            out.extend(net.forward(&self.tensor(&chunk)?)?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
        }
        Ok(out)
    }

    /// `(D/2) log(2 pi eps)`: `log Z` minus the log of the Gaussian expectation (docs/design.md §2).
    fn gaussian_constant(&self) -> f64 {
        0.5 * self.dim as f64 * (2.0 * std::f64::consts::PI * self.eps).ln()
    }

    /// Queries per importance-sampling call.
    fn snis_chunk(&self) -> usize {
        (ROWS_PER_CALL / self.inference.snis_proposals).max(1)
    }

    /// Mean effective sample size of importance sampling at each row of `x`, as a fraction of
    /// the proposals (1 = as good as exact draws).
    pub fn snis_ess(&self, x: &Points, rng: &mut SuiteRng) -> Result<Vec<f64>, SolverError> {
        let p = self.inference.snis_proposals;
        let mut out = Vec::with_capacity(x.len());
        for chunk in chunks(x, self.snis_chunk())? {
            let draws = snis(&self.f, &chunk, self.eps, &Snis { proposals: p }, rng, &self.device)?;
            out.extend((0..chunk.len()).map(|i| draws.ess(i) / p as f64));
        }
        Ok(out)
    }

    fn langevin_draws(
        &self,
        x: &Points,
        k: usize,
        rng: &mut SuiteRng,
    ) -> Result<Vec<f64>, SolverError> {
        let settings = Langevin {
            steps: self.inference.langevin_steps,
            step_size: self.inference.step_size(self.eps),
            noise: 1.0,
        };
        let mut out = sample_buffer(x.len(), k, self.dim)?;
        if self.inference.sampler == SamplerKind::Guided {
            return self.guided_draws(x, k, rng, out);
        }
        for chunk in chunks(x, (ROWS_PER_CALL / 2 / k).max(1))? {
            let centres = self.tensor(&chunk)?;
            let (q, d) = (chunk.len(), self.dim);
            let centres = centres.unsqueeze(1)?.broadcast_as((q, k, d))?.reshape((q * k, d))?;
            // Chains are MALA when asked for, otherwise the unadjusted Langevin of the authors.
            let y = if self.inference.sampler == SamplerKind::Mala {
                let m = Mala {
                    steps: settings.steps,
                    initial_step: settings.step_size,
                    target_acceptance: 0.57,
                };
                mala(&self.f, &centres, &centres, self.eps, &m, rng)?.y
            } else {
                langevin(&self.f, &centres, &centres, self.eps, &settings, rng)?
            };
            out.extend(y.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?);
        }
        Ok(out)
    }
}

impl NeuralPlan {
    /// `k` draws per row of `x` by the guided sampler, appended to `out`; all chains of a block
    /// of queries run as one batch.
    fn guided_draws(
        &self,
        x: &Points,
        k: usize,
        rng: &mut SuiteRng,
        mut out: Vec<f64>,
    ) -> Result<Vec<f64>, SolverError> {
        let guide = self.guide.as_ref().ok_or_else(|| {
            SolverError::Input(
                "sampler=guided needs a Gaussian plan between the fitted source and target \
                 Gaussians, which these samples do not give; use sampler=mala"
                    .into(),
            )
        })?;
        let s = &self.inference;
        let settings = Guided {
            chains: s.chains,
            burn_in: s.burn_in,
            thin: s.thin,
            global_every: s.global_every,
            tries: s.tries,
            initial_step: s.step_size(self.eps),
            target_acceptance: 0.57,
        };
        let chains = s.chains.min(k).max(1);
        // Blocks of queries run on the rayon threads, each on its own random stream seeded from
        // `rng`: the block size is fixed, so the draws do not depend on the number of threads.
        // A block's chains are one batch (their element-wise passes run on one core), and at
        // most a quarter of the usual rows: every chain keeps its draws until its block is done.
        let rows = (ROWS_PER_CALL / 8 / chains).clamp(1, GUIDED_BLOCK_QUERIES);
        let base: u64 = rng.random();
        let blocks = chunks(x, rows)?;
        let draws = blocks
            .par_iter()
            .enumerate()
            .map(|(i, chunk)| {
                let mut rng = substream(base, i as u64);
                let x = self.tensor(chunk)?;
                let (y, _) = guided(&self.f, &x, k, self.eps, guide, &settings, &mut rng)?;
                Ok(y.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?)
            })
            .collect::<Result<Vec<Vec<f64>>, SolverError>>()?;
        draws.into_iter().for_each(|d| out.extend(d));
        Ok(out)
    }
}

/// Training source points pushed through the fitted plan by the target check.
const CHECK_POINTS: usize = 256;

impl NeuralPlan {
    /// Checks the fitted plan against the one thing a converged fit must satisfy on the training
    /// data: its draws from training source points are distributed as the target. One draw for
    /// each of the first [`CHECK_POINTS`] source points (its own random stream, so the plan's
    /// later draws are unchanged); a variance outside 0.1x-10x the target's, or a mean more
    /// than one target standard deviation (`sqrt(Var p1)`) away, marks the fit as not converged
    /// with the figures in its notes. It catches gross failures (a potential that learned
    /// nothing), not small errors: a good fit is within a few percent of both.
    pub(crate) fn check_target(&mut self, data: &crate::FitData) -> Result<(), SolverError> {
        let x = data.source.head(CHECK_POINTS);
        let y_hat = self.sample(&x, 1, &mut eot_datasets::seeded_rng(0x7a59))?;
        let (drawn, target) = (Moments::empirical(&y_hat)?, Moments::empirical(data.target)?);
        let var = target.variance();
        let ratio = drawn.variance() / var;
        let offset = (&drawn.mean - &target.mean).norm() / var.sqrt();
        let figures = format!(
            "target check on {} training source points: the draws' variance is {ratio:.3}x the \
             target's, their mean {offset:.3} target standard deviations away",
            x.len()
        );
        let bad = !(0.1..=10.0).contains(&ratio) || !(0.0..=1.0).contains(&offset);
        if bad {
            self.report.converged = false;
            self.report.notes.push(format!(
                "not converged: {figures} (expected near 1x and 0): train longer (steps) or \
                 check eps against the data's scale"
            ));
        } else {
            self.report.notes.push(figures);
        }
        Ok(())
    }
}

/// `x` split into consecutive blocks of at most `rows` rows.
fn chunks(x: &Points, rows: usize) -> Result<Vec<Points>, SolverError> {
    let d = x.dim();
    x.as_slice().chunks(rows * d).map(|c| Ok(Points::new(c.to_vec(), c.len() / d, d)?)).collect()
}

impl FittedPlan for NeuralPlan {
    fn eps(&self) -> f64 {
        self.eps
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn report(&self) -> &FitReport {
        &self.report
    }

    fn potential(&self, y: &Points) -> Result<Vec<f64>, SolverError> {
        self.evaluate(&self.f, y)
    }

    /// The learned normaliser when there is one (VarEOT), else importance sampling with
    /// `snis_proposals` draws from `N(x, eps I)` (fixed seed, so repeatable).
    fn log_partition(&self, x: &Points) -> Result<LogPartition, SolverError> {
        let c = self.gaussian_constant();
        if let Some(xi) = &self.xi {
            let values = self.evaluate(xi, x)?.into_iter().map(|v| v + c).collect();
            let method = "learned normaliser xi (VarEOT), exact at the optimum".to_string();
            return Ok(LogPartition { values, exactness: Exactness::Estimate { method } });
        }
        let p = self.inference.snis_proposals;
        let mut rng = eot_datasets::seeded_rng(0x10c2);
        let mut values = Vec::with_capacity(x.len());
        for chunk in chunks(x, self.snis_chunk())? {
            let draws =
                snis(&self.f, &chunk, self.eps, &Snis { proposals: p }, &mut rng, &self.device)?;
            values.extend(draws.log_mean_weight().iter().map(|v| v + c));
        }
        let method = format!("importance sampling, {p} draws from N(x, eps I)");
        Ok(LogPartition { values, exactness: Exactness::Estimate { method } })
    }

    fn sample(&self, x: &Points, k: usize, rng: &mut SuiteRng) -> Result<Points, SolverError> {
        check_dim(x, self.dim)?;
        let data = match self.inference.sampler {
            SamplerKind::Langevin | SamplerKind::Mala | SamplerKind::Guided => {
                self.langevin_draws(x, k, rng)?
            }
            SamplerKind::Snis => {
                let p = self.inference.snis_proposals;
                let mut out = sample_buffer(x.len(), k, self.dim)?;
                for chunk in chunks(x, self.snis_chunk())? {
                    let draws =
                        snis(&self.f, &chunk, self.eps, &Snis { proposals: p }, rng, &self.device)?;
                    for i in 0..chunk.len() {
                        draws.resample(i, k, rng, &mut out);
                    }
                }
                out
            }
        };
        Ok(Points::new(data, x.len() * k, self.dim)?)
    }

    fn barycentric_map(&self, x: &Points) -> Result<Points, SolverError> {
        check_dim(x, self.dim)?;
        let mut rng = eot_datasets::seeded_rng(0xba7c);
        let mut data = Vec::with_capacity(x.len() * self.dim);
        match self.inference.sampler {
            SamplerKind::Snis => {
                let p = self.inference.snis_proposals;
                for chunk in chunks(x, self.snis_chunk())? {
                    let draws = snis(
                        &self.f,
                        &chunk,
                        self.eps,
                        &Snis { proposals: p },
                        &mut rng,
                        &self.device,
                    )?;
                    (0..chunk.len()).for_each(|i| data.extend(draws.mean(i)));
                }
            }
            SamplerKind::Langevin | SamplerKind::Mala | SamplerKind::Guided => {
                let k = self.inference.map_draws;
                let draws = self.langevin_draws(x, k, &mut rng)?;
                for block in draws.chunks(k * self.dim) {
                    let mut m = vec![0.0; self.dim];
                    for row in block.chunks(self.dim) {
                        m.iter_mut().zip(row).for_each(|(a, b)| *a += b / k as f64);
                    }
                    data.extend(m);
                }
            }
        }
        Ok(Points::new(data, x.len(), self.dim)?)
    }
}
