//! The Gaussian-mixture plan's closed forms against direct numerical evaluation: log Z by
//! quadrature of exp((f(y) - |x-y|^2/2)/eps) with the plan's own potential, and the exact
//! conditional moments against samples. A wrong sign, factor of eps or component weight in any
//! of the formulas breaks one of these.

use eot_datasets::GroundTruth;
use eot_datasets::{GmmPair, GmmPairSettings, Moments, Points, Sampler, seeded_rng, substream};
use eot_metrics::cbw2_uvp;
use eot_solvers::gmm::{GmmPlan, GmmSettings, GmmSolver};
use eot_solvers::{Eps, Exactness, FitData, FittedPlan, Solver};

fn fitted(eps: f64) -> Box<dyn FittedPlan> {
    let pair = GmmPair::new(&GmmPairSettings::benchmark(2, eps)).unwrap();
    let x = pair.sample_source(500, &mut substream(0, 1));
    let y = pair.sample_target(500, &mut substream(0, 2));
    let settings = GmmSettings { components: 5, steps: 300, ..Default::default() };
    GmmSolver::new(settings)
        .unwrap()
        .fit(&FitData::samples(&x, &y), Eps::new(eps).unwrap(), 0)
        .unwrap()
}

#[test]
fn log_partition_matches_quadrature_of_the_potential() {
    for eps in [0.3, 1.0] {
        let plan = fitted(eps);
        let queries = Points::new(vec![0.2, -0.4, -1.0, 0.7], 2, 2).unwrap();
        let log_z = plan.log_partition(&queries).unwrap();
        assert_eq!(log_z.exactness, Exactness::Exact);
        // Riemann sum on a grid wide enough for every component (|y| <= 8, step 0.02).
        let (h, half) = (0.02, 400i32);
        let grid: Vec<f64> = (-half..half)
            .flat_map(|i| (-half..half).flat_map(move |j| [i as f64 * h, j as f64 * h]))
            .collect();
        let grid = Points::new(grid, (2 * half * 2 * half) as usize, 2).unwrap();
        let f = plan.potential(&grid).unwrap();
        for (q, want_log_z) in queries.rows().zip(&log_z.values) {
            let terms: Vec<f64> = grid
                .rows()
                .zip(&f)
                .map(|(y, fy)| (fy - 0.5 * ((q[0] - y[0]).powi(2) + (q[1] - y[1]).powi(2))) / eps)
                .collect();
            let max = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let quad = max + (terms.iter().map(|t| (t - max).exp()).sum::<f64>() * h * h).ln();
            assert!(
                (quad - want_log_z).abs() < 1e-3,
                "eps {eps}: quadrature {quad} vs closed form {want_log_z}"
            );
        }
    }
}

#[test]
fn samples_match_the_exact_conditional_moments() {
    let plan = fitted(0.5);
    let x = [0.4, -0.3];
    let exact = plan.conditional_moments(&x).unwrap();
    let q = Points::new(x.to_vec(), 1, 2).unwrap();
    let emp = Moments::empirical(&plan.sample(&q, 200_000, &mut seeded_rng(3)).unwrap()).unwrap();
    assert!((emp.mean - &exact.mean).amax() < 0.01, "mean");
    assert!((emp.cov - &exact.cov).amax() < 0.02 * exact.cov.amax(), "covariance");
    let map = plan.barycentric_map(&q).unwrap();
    assert!((map.row(0)[0] - exact.mean[0]).abs() < 1e-12);
}

/// The benchmark's own potential, rewritten as LightSB's adjusted potential
/// (`GmmPair::adjusted_potential`), must give back the exact plan in any D and eps: this checks
/// the plan's weights, means and covariances (every factor of eps) apart from training.
#[test]
fn the_benchmark_potential_as_a_mixture_is_the_exact_plan() {
    for eps in [0.1, 1.0, 10.0] {
        let pair = GmmPair::new(&GmmPairSettings::benchmark(16, eps)).unwrap();
        let plan = GmmPlan::from_mixture(&pair.adjusted_potential(), eps).unwrap();
        let queries = pair.sample_source(50, &mut substream(9, 1));
        let pairs: Vec<_> = queries
            .rows()
            .map(|q| (plan.conditional_moments(q).unwrap(), pair.conditional_moments(q)))
            .collect();
        let cbw2 = cbw2_uvp(&pairs, pair.target_moments().variance()).unwrap();
        assert!(cbw2 < 1e-8, "eps {eps}: cBW2-UVP {cbw2}% of the exact mixture");
        // Reading the mixture back gives the same plan.
        let again = GmmPlan::from_mixture(&plan.mixture(), eps).unwrap();
        let q = queries.row(0);
        let (a, b) = (plan.conditional_moments(q).unwrap(), again.conditional_moments(q).unwrap());
        assert!((a.mean - b.mean).amax() < 1e-9 && (a.cov - b.cov).amax() < 1e-9);
    }
}

#[test]
fn a_mixture_with_a_singular_s_is_refused() {
    let s = nalgebra::DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
    let err = GmmPlan::from_mixture(&[(0.0, nalgebra::DVector::zeros(2), s)], 1.0).err().unwrap();
    assert!(err.to_string().contains("component 0"), "{err}");
}
