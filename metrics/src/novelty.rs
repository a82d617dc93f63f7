//! Novelty: whether a solver's samples are new points or copies of its training data.

use eot_datasets::Points;
use rayon::prelude::*;

use crate::MetricError;
use crate::checks::{finite, sq_dist, two_samples};

/// Novelty of `samples` against the `train` points a solver saw:
///
/// `mean_i min_j |s_i - t_j|  /  mean_k min_j |r_k - t_j|`,
///
/// the mean distance from each sample to its nearest training point, over the same for
/// `reference` points drawn fresh from the training points' distribution (held-out data).
/// 0 means every sample is a training point (discrete Sinkhorn's samples, by construction);
/// about 1 means samples sit as far from the training points as new real data does. Unitless.
/// Cost O((|samples| + |reference|) |train| D), parallel over samples.
pub fn novelty(samples: &Points, train: &Points, reference: &Points) -> Result<f64, MetricError> {
    const M: &str = "novelty";
    two_samples(M, samples, train, 1)?;
    two_samples(M, reference, train, 1)?;
    let reference_distance = mean_nearest(reference, train);
    if reference_distance <= 0.0 {
        return Err(MetricError::Invalid(format!(
            "{M}: every reference point is a training point: the ratio is undefined"
        )));
    }
    finite(M, mean_nearest(samples, train) / reference_distance)
}

/// Mean over `a` of the distance to the nearest point of `b`.
fn mean_nearest(a: &Points, b: &Points) -> f64 {
    let nearest: Vec<f64> = (0..a.len())
        .into_par_iter()
        .map(|i| b.rows().map(|t| sq_dist(a.row(i), t)).fold(f64::INFINITY, f64::min).sqrt())
        .collect();
    // Summed in order so the figure does not depend on the thread count.
    nearest.iter().sum::<f64>() / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use eot_datasets::{Gaussian, seeded_rng};
    use nalgebra::{DMatrix, DVector};

    fn standard(d: usize) -> Gaussian {
        Gaussian::new(DVector::zeros(d), DMatrix::identity(d, d)).unwrap()
    }

    fn normal(n: usize, seed: u64) -> Points {
        standard(3).sample(n, &mut seeded_rng(seed))
    }

    #[test]
    fn copies_score_zero_and_fresh_draws_about_one() {
        let train = normal(500, 1);
        let reference = normal(300, 2);
        assert_eq!(novelty(&train.head(100), &train, &reference).unwrap(), 0.0);
        let fresh = novelty(&normal(300, 3), &train, &reference).unwrap();
        assert!((fresh - 1.0).abs() < 0.1, "fresh draws: {fresh}");
        let shifted =
            Points::new(train.head(100).as_slice().iter().map(|v| v + 0.01).collect(), 100, 3)
                .unwrap();
        assert!(novelty(&shifted, &train, &reference).unwrap() < 0.1);
    }

    #[test]
    fn refuses_a_dimension_mismatch_and_an_all_copies_reference() {
        let train = normal(50, 1);
        assert!(novelty(&normal(10, 2).head(5), &train, &train).is_err());
        let other = standard(2).sample(10, &mut seeded_rng(4));
        assert!(novelty(&other, &train, &normal(10, 5)).is_err());
    }
}
