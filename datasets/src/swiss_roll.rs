use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{BenchmarkPair, GroundTruth, Points, Sampler, SuiteRng};

/// Gaussian -> Swiss roll in 2-D (docs/design.md §4.3), the authors' toy; no ground truth.
///
/// Source `N(0, I_2)`. Target: `t = 1.5 pi (1 + 2u)`, `u ~ U(0,1)`, point `(t cos t, t sin t)`
/// plus `N(0, 0.8^2 I_2)` noise, all divided by 7.5.
#[derive(Clone, Copy, Debug, Default)]
pub struct SwissRollPair;

impl Sampler for SwissRollPair {
    fn dim(&self) -> usize {
        2
    }
    fn sample_source(&self, n: usize, rng: &mut SuiteRng) -> Points {
        let data = (0..2 * n).map(|_| StandardNormal.sample(rng)).collect();
        Points::new(data, n, 2).expect("finite draws")
    }
    fn sample_target(&self, n: usize, rng: &mut SuiteRng) -> Points {
        let mut data = Vec::with_capacity(2 * n);
        for _ in 0..n {
            let t = 1.5 * std::f64::consts::PI * (1.0 + 2.0 * rng.random::<f64>());
            let nx: f64 = StandardNormal.sample(rng);
            let ny: f64 = StandardNormal.sample(rng);
            data.push((t * t.cos() + 0.8 * nx) / 7.5);
            data.push((t * t.sin() + 0.8 * ny) / 7.5);
        }
        Points::new(data, n, 2).expect("finite draws")
    }
}

impl BenchmarkPair for SwissRollPair {
    fn name(&self) -> &str {
        "swiss-roll"
    }
    fn ground_truth(&self) -> Option<&dyn GroundTruth> {
        None
    }
}
