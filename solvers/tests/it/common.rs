//! Scoring shared by the neural solvers' tests.

use eot_datasets::{BenchmarkPair, GmmPair, Moments, Points, Sampler, substream};
use eot_metrics::cbw2_uvp;
use eot_solvers::FittedPlan;

/// cBW2-UVP (%) of `plan` on `queries` fixed test points, `draws` samples each.
pub fn cbw2(plan: &dyn FittedPlan, pair: &GmmPair, queries: usize, draws: usize) -> f64 {
    let truth = pair.ground_truth().unwrap();
    let queries = pair.sample_source(queries, &mut substream(7, 3));
    let mut rng = substream(7, 4);
    let pairs: Vec<(Moments, Moments)> = queries
        .rows()
        .map(|x| {
            let q = Points::new(x.to_vec(), 1, x.len()).unwrap();
            let sample = plan.sample(&q, draws, &mut rng).unwrap();
            (Moments::empirical(&sample).unwrap(), truth.conditional_moments(x))
        })
        .collect();
    cbw2_uvp(&pairs, truth.target_moments().variance()).unwrap()
}
