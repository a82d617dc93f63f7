//! The Gaussian-mixture solver with full S on the Gaussian pair (D = 16, full covariances): the
//! conditional plan against the closed form, and its (exact-log Z) dual value against the
//! closed-form optimum of the weak dual.

use eot_datasets::GroundTruth;
use eot_datasets::{GaussianPair, Sampler, substream};
use eot_metrics::cbw2_uvp;
use eot_solvers::gmm::{
    Covariance, FULL_COVARIANCE_MAX_DIM, GmmPlan, GmmSettings, GmmSolver, Shape,
};
use eot_solvers::{Eps, FitData, FittedPlan};

/// Fits on `n` points a side (seed 0, with the pair's sampler) and scores cBW2-UVP on 100 test
/// points with exact moments on both sides.
fn fit_and_score(settings: GmmSettings, pair: &GaussianPair, n: usize) -> (GmmPlan, f64) {
    let x = pair.sample_source(n, &mut substream(0, 1));
    let y = pair.sample_target(n, &mut substream(0, 2));
    let data = FitData { source: &x, target: &y, sampler: Some(pair) };
    let eps = Eps::new(pair.eps()).unwrap();
    let plan = GmmSolver::new(settings).unwrap().fit_mixture(&data, eps, 0).unwrap();
    let queries = pair.sample_source(100, &mut substream(7, 3));
    let pairs: Vec<_> = queries
        .rows()
        .map(|q| (plan.conditional_moments(q).unwrap(), pair.conditional_moments(q)))
        .collect();
    let cbw2 = cbw2_uvp(&pairs, pair.target_moments().variance()).unwrap();
    (plan, cbw2)
}

#[test]
fn full_covariance_gmm_solves_the_gaussian_pair() {
    let (d, eps) = (16, 1.0);
    let pair = GaussianPair::standard(d, eps).unwrap();
    let settings =
        GmmSettings { components: 5, covariance: Covariance::Full, ..Default::default() };
    let (plan, cbw2) = fit_and_score(settings, &pair, 2000);
    assert!(cbw2 < 0.5, "cBW2-UVP {cbw2}%");

    let held_x = pair.sample_source(50_000, &mut substream(7, 5));
    let held_y = pair.sample_target(50_000, &mut substream(7, 6));
    let dual = plan.dual_value(&held_x, &held_y).unwrap().value;
    let exact = pair.weak_dual_value();
    let rel = ((dual - exact) / exact).abs();
    assert!(rel < 0.01, "dual {dual} vs closed form {exact} ({:.3}%)", 100.0 * rel);
    eprintln!(
        "cBW2-UVP {cbw2:.4}%, dual {dual:.5} vs closed form {exact:.5} ({:.3}%)",
        100.0 * rel
    );
}

#[test]
fn the_defaults_fit_full_covariances_below_the_cut() {
    // D = 16, eps = 0.1, 500 steps, 100 test points: 10 seeds scored 0.105 +- 0.009 % with the
    // defaults (full S_k) and 3.35 +- 0.04 % with the authors' 50 diagonal components.
    let (d, eps) = (16, 0.1);
    let pair = GaussianPair::standard(d, eps).unwrap();
    let settings = GmmSettings { steps: 500, ..Default::default() };
    assert_eq!(settings.shape(d, None), Shape::Full);
    assert_eq!(settings.shape(FULL_COVARIANCE_MAX_DIM + 1, None), Shape::Diagonal);
    // A fixed sample too small for a full mixture: 2000 points at D = 64 are 6 values a
    // parameter of 10 full components, 4000 are 12.
    assert_eq!(settings.shape(64, Some(2000)), Shape::Diagonal);
    assert_eq!(settings.shape(64, Some(4000)), Shape::Full);
    let (plan, cbw2) = fit_and_score(settings, &pair, 1000);
    assert!(cbw2 < 0.5, "cBW2-UVP {cbw2}%");
    let note = plan.report().notes.iter().find(|n| n.starts_with("covariance=auto")).unwrap();
    assert!(note.starts_with("covariance=auto: full S_k (D = 16 "), "{note}");
}
