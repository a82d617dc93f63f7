//! The ground-truth samplers: reproducible, with exact moments that their samples match, and
//! plans that have the structure of the EOT plan (Gibbs form with the cost |x-y|^2/2 and eps).

use eot_datasets::{
    BenchmarkPair, Gaussian, GaussianPair, GmmPair, GmmPairSettings, GroundTruth, Moments, Sampler,
    seeded_rng, substream,
};
use nalgebra::{DMatrix, DVector};

fn max_abs(m: &DMatrix<f64>) -> f64 {
    m.iter().fold(0.0f64, |a, v| a.max(v.abs()))
}

#[test]
fn same_seed_same_points_other_seed_other_points() {
    for pair in [
        Box::new(GaussianPair::standard(3, 1.0).unwrap()) as Box<dyn BenchmarkPair>,
        Box::new(GmmPair::new(&GmmPairSettings::benchmark(3, 1.0)).unwrap()),
    ] {
        let a = pair.sample_target(50, &mut seeded_rng(7));
        let b = pair.sample_target(50, &mut seeded_rng(7));
        let c = pair.sample_target(50, &mut seeded_rng(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            pair.sample_source(5, &mut substream(7, 1)),
            pair.sample_source(5, &mut substream(7, 2))
        );
    }
}

#[test]
fn gaussian_plan_matches_the_one_dimensional_closed_form() {
    for eps in [0.1, 1.0, 3.0] {
        let one = |v: f64| {
            Gaussian::new(DVector::from_element(1, 0.0), DMatrix::from_element(1, 1, v)).unwrap()
        };
        let pair = GaussianPair::new(one(1.0), one(1.0), eps).unwrap();
        let want = (4.0 + eps * eps).sqrt() / 2.0 - eps / 2.0;
        assert!(
            (pair.cross_cov()[(0, 0)] - want).abs() < 1e-12,
            "eps {eps}: {} vs {want}",
            pair.cross_cov()[(0, 0)]
        );
    }
}

/// The EOT plan is `∝ exp((f(x) + g(y) - |x-y|^2/2)/eps) p0(x) p1(y)`: for a Gaussian plan the
/// x-y block of the joint precision is exactly `-I/eps`.
#[test]
fn gaussian_plan_has_the_gibbs_cross_term() {
    for (d, eps) in [(2, 0.5), (5, 0.1), (16, 2.0)] {
        let pair = GaussianPair::standard(d, eps).unwrap();
        let (a, b, c) = (pair.source().cov(), pair.target().cov(), pair.cross_cov());
        let mut joint = DMatrix::zeros(2 * d, 2 * d);
        joint.view_mut((0, 0), (d, d)).copy_from(a);
        joint.view_mut((d, d), (d, d)).copy_from(b);
        joint.view_mut((0, d), (d, d)).copy_from(c);
        joint.view_mut((d, 0), (d, d)).copy_from(&c.transpose());
        let precision = joint.try_inverse().unwrap();
        let block = precision.view((0, d), (d, d)).into_owned() + DMatrix::identity(d, d) / eps;
        assert!(
            max_abs(&block) < 1e-8,
            "D={d} eps={eps}: off-diagonal precision deviates by {}",
            max_abs(&block)
        );
    }
}

/// Drawing x ~ p0 then y ~ pi*(.|x) must give the target marginal and the cross-covariance C.
#[test]
fn gaussian_plan_marginal_and_cross_covariance_from_samples() {
    let (d, eps, n) = (3, 0.5, 200_000);
    let pair = GaussianPair::standard(d, eps).unwrap();
    let mut rng = seeded_rng(11);
    let xs = pair.sample_source(n, &mut rng);
    let mut ys = Vec::with_capacity(n * d);
    for x in xs.rows() {
        ys.extend(pair.conditional_sample(x, 1, &mut rng).into_vec());
    }
    let ys = eot_datasets::Points::new(ys, n, d).unwrap();
    let m = Moments::empirical(&ys).unwrap();
    let t = pair.target_moments();
    let scale = max_abs(&t.cov);
    assert!((m.mean - &t.mean).amax() < 0.02 * scale.sqrt(), "target mean off");
    assert!(max_abs(&(m.cov - &t.cov)) < 0.02 * scale, "target covariance off");
    let mut cross = DMatrix::zeros(d, d);
    let (mx, my) = (Moments::empirical(&xs).unwrap().mean, t.mean.clone());
    for (x, y) in xs.rows().zip(ys.rows()) {
        cross += (DVector::from_column_slice(x) - &mx)
            * (DVector::from_column_slice(y) - &my).transpose();
    }
    cross /= n as f64;
    assert!(max_abs(&(cross - pair.cross_cov())) < 0.02 * scale, "cross-covariance off");
}

/// The mixture's conditional must be the Gibbs conditional of its potential:
/// `log pi*(y1|x) - log pi*(y2|x) = (f*(y1) - c(x,y1) - f*(y2) + c(x,y2)) / eps`.
#[test]
fn gmm_plan_is_the_gibbs_conditional_of_its_potential() {
    let both = |d, eps| [GmmPairSettings::benchmark(d, eps), GmmPairSettings::fresh(d, eps)];
    for s in [(2, 0.1), (2, 1.0), (16, 10.0)].into_iter().flat_map(|(d, e)| both(d, e)) {
        let (d, eps) = (s.dim, s.eps);
        let pair = GmmPair::new(&s).unwrap();
        let mut rng = seeded_rng(3);
        let xs = pair.sample_source(5, &mut rng);
        for x in xs.rows() {
            let ys = pair.conditional_sample(x, 2, &mut rng);
            let (y1, y2) = (ys.row(0), ys.row(1));
            let c = |y: &[f64]| 0.5 * x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
            let want = (pair.potential(y1) - c(y1) - pair.potential(y2) + c(y2)) / eps;
            let got = pair.conditional_log_density(x, y1) - pair.conditional_log_density(x, y2);
            assert!(
                (got - want).abs() < 1e-7 * (1.0 + want.abs()),
                "D={d} eps={eps}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn gmm_conditional_samples_match_exact_moments() {
    for (d, eps) in [(2, 0.1), (2, 1.0), (16, 1.0), (64, 10.0)] {
        let pair = GmmPair::new(&GmmPairSettings::benchmark(d, eps)).unwrap();
        let mut rng = seeded_rng(5);
        for x in pair.sample_source(3, &mut rng).rows() {
            let exact = pair.conditional_moments(x);
            let emp = Moments::empirical(&pair.conditional_sample(x, 40_000, &mut rng)).unwrap();
            let sd = exact.cov.diagonal().map(f64::sqrt);
            let mean_err = (emp.mean - &exact.mean).component_div(&sd).amax();
            assert!(mean_err < 0.05, "D={d} eps={eps}: mean off by {mean_err} sd");
            let cov_err = max_abs(&(emp.cov - &exact.cov)) / max_abs(&exact.cov);
            assert!(cov_err < 0.06, "D={d} eps={eps}: covariance off by {cov_err}");
        }
    }
}

#[test]
fn gmm_target_sampler_matches_target_moments() {
    let pair = GmmPair::new(&GmmPairSettings::benchmark(2, 1.0)).unwrap();
    let t = pair.target_moments();
    let emp = Moments::empirical(&pair.sample_target(100_000, &mut seeded_rng(9))).unwrap();
    assert!((emp.mean - &t.mean).amax() < 0.03, "target mean off");
    assert!(max_abs(&(emp.cov - &t.cov)) < 0.05 * max_abs(&t.cov), "target covariance off");
}

/// The batched samplers draw what one draw at a time would, from the same random numbers:
/// each source point from its component's Gaussian, each target point from `pi*(.|x)` at it.
#[test]
fn gmm_batched_samplers_match_one_draw_at_a_time() {
    use rand::Rng;
    for (d, eps) in [(2, 0.1), (16, 1.0), (64, 10.0)] {
        let pair = GmmPair::new(&GmmPairSettings::benchmark(d, eps)).unwrap();
        let batched = pair.sample_target(40, &mut seeded_rng(3));
        let mut rng = seeded_rng(3);
        let components = pair.source_components();
        let xs: Vec<Vec<f64>> = (0..40)
            .map(|_| {
                let k = rng.random_range(0..components.len());
                components[k].sample(1, &mut rng).into_vec()
            })
            .collect();
        for (i, x) in xs.iter().enumerate() {
            let one = pair.conditional_sample(x, 1, &mut rng);
            let err = one
                .row(0)
                .iter()
                .zip(batched.row(i))
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(err < 1e-9, "D={d} eps={eps}: draw {i} differs by {err}");
        }
    }
}

#[test]
fn gaussian_log_density_of_rows_is_the_pointwise_one() {
    let g = Gaussian::new(
        DVector::from_vec(vec![0.5, -1.0, 2.0]),
        DMatrix::from_row_slice(3, 3, &[2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 0.5]),
    )
    .unwrap();
    let points = g.sample(20, &mut seeded_rng(4));
    for (row, batched) in points.rows().zip(g.log_density_rows(&points)) {
        let one = g.log_density(row);
        assert!((one - batched).abs() < 1e-12 * one.abs().max(1.0), "{one} vs {batched}");
    }
}

#[test]
fn refuses_bad_construction() {
    assert!(GaussianPair::standard(2, 0.0).is_err());
    assert!(GaussianPair::standard(2, f64::NAN).is_err());
    assert!(GmmPair::new(&GmmPairSettings::benchmark(1, 1.0)).is_err());
    assert!(GmmPair::new(&GmmPairSettings::benchmark(2, -1.0)).is_err());
    assert!(eot_datasets::pair_by_name("swiss-roll", 3, 1.0).is_err());
    assert!(eot_datasets::pair_by_name("nope", 2, 1.0).is_err());
}

/// The untuned pairs: another construction, sharper anisotropic potential components, their own
/// name in tables.
#[test]
fn fresh_pairs_are_another_construction() {
    use eot_datasets::BenchmarkPair;
    let (bench, fresh) = (GmmPairSettings::benchmark(16, 1.0), GmmPairSettings::fresh(16, 1.0));
    let pair = GmmPair::new(&fresh).unwrap();
    assert_eq!(pair.name(), "gmm-fresh");
    assert_ne!(bench.construction_seed, fresh.construction_seed);
    let components = pair.potential_components();
    assert_eq!(components.len(), 4);
    for (_, g) in components {
        let eig = g.cov().clone().symmetric_eigen().eigenvalues;
        assert!(eig.iter().all(|&l| (0.01 - 1e-9..=0.36 + 1e-9).contains(&l)), "{eig}");
    }
}
