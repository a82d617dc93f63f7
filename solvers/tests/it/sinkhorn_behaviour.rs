//! Sinkhorn's contract beyond accuracy: refused settings, honest non-convergence, no NaN at
//! small eps or high dimension, f32 agreeing with f64, and the out-of-sample extension being
//! consistent with the training potentials.

use eot_datasets::{GaussianPair, Points, Sampler, seeded_rng, substream};
use eot_solvers::sinkhorn::{Precision, Sinkhorn, SinkhornSettings};
use eot_solvers::{Eps, FitData, Options, Solver, SolverError};

fn clouds(d: usize, n: usize) -> (Points, Points) {
    let pair = GaussianPair::standard(d, 1.0).unwrap();
    (pair.sample_source(n, &mut substream(1, 1)), pair.sample_target(n, &mut substream(1, 2)))
}

#[test]
fn refuses_bad_settings_by_name() {
    let refused = |o: Options, name: &str| match Sinkhorn::factory(o) {
        Err(SolverError::Setting { name: n, .. }) => assert!(n.contains(name), "{n} vs {name}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("{name} accepted"),
    };
    refused(Options::new().with("tolerance", 0), "tolerance");
    refused(Options::new().with("tolerance", -1e-6), "tolerance");
    refused(Options::new().with("max_iterations", 0), "max_iterations");
    refused(Options::new().with("scaling_factor", 1.5), "scaling_factor");
    refused(Options::new().with("precision", "f16"), "precision");
    refused(Options::new().with("tolerence", 1e-6), "tolerence");
    refused(Options::new().with("device", "tpu"), "device");
    refused(Options::new().with("device", "cuda").with("backend", "fused"), "backend");
    assert!(Eps::new(0.0).is_err() && Eps::new(-1.0).is_err() && Eps::new(f64::NAN).is_err());
    assert!(Options::parse(&["tolerance"]).is_err());
}

#[test]
fn refuses_mismatched_or_tiny_inputs() {
    let (x, _) = clouds(2, 10);
    let (_, y3) = clouds(3, 10);
    let s = Sinkhorn::new(SinkhornSettings::default()).unwrap();
    assert!(s.fit(&FitData::samples(&x, &y3), Eps::new(1.0).unwrap(), 0).is_err());
    let one = x.head(1);
    assert!(s.fit(&FitData::samples(&one, &x), Eps::new(1.0).unwrap(), 0).is_err());
}

#[test]
fn reports_non_convergence_with_the_error_reached() {
    let (x, y) = clouds(2, 300);
    let settings = SinkhornSettings { max_iterations: 3, eps_scaling: false, ..Default::default() };
    let out = Sinkhorn::new(settings)
        .unwrap()
        .solve(&FitData::samples(&x, &y), Eps::new(0.01).unwrap())
        .unwrap();
    assert!(!out.converged);
    assert!(out.marginal_error.is_finite() && out.marginal_error > 1e-6);
    assert_eq!(out.final_stage_iterations, 3);
}

/// eps = 1e-3 in 2-D and eps = 0.1 in D = 64: POT's plain and stabilised solvers return NaN
/// there. Ours stays finite and either converges or says it did not, with the error reached.
#[test]
fn tiny_eps_and_high_dimension_stay_finite() {
    for (d, eps, n) in [(2, 1e-3, 400), (64, 0.1, 400)] {
        let (x, y) = clouds(d, n);
        let settings = SinkhornSettings { max_iterations: 3000, ..Default::default() };
        let out = Sinkhorn::new(settings)
            .unwrap()
            .solve(&FitData::samples(&x, &y), Eps::new(eps).unwrap())
            .unwrap();
        assert!(
            out.f.iter().chain(&out.g).all(|v| v.is_finite()),
            "D={d} eps={eps}: non-finite potential"
        );
        assert!(out.dual_value.is_finite() && out.marginal_error.is_finite());
        if out.converged {
            assert!(out.marginal_error < 1e-6);
        } else {
            assert_eq!(
                out.final_stage_iterations, 3000,
                "D={d} eps={eps}: stopped early without converging"
            );
            assert!(out.marginal_error >= 1e-6);
        }
    }
    // With room to run, the 64-D case converges.
    let (x, y) = clouds(64, 400);
    let out = Sinkhorn::new(SinkhornSettings::default())
        .unwrap()
        .solve(&FitData::samples(&x, &y), Eps::new(0.1).unwrap())
        .unwrap();
    assert!(
        out.converged,
        "D=64 eps=0.1: error {} after {} iterations",
        out.marginal_error, out.iterations
    );
}

#[test]
fn f32_and_mixed_agree_with_f64() {
    let (x, y) = clouds(16, 500);
    let run = |precision| {
        let s = SinkhornSettings { precision, ..Default::default() };
        Sinkhorn::new(s).unwrap().solve(&FitData::samples(&x, &y), Eps::new(1.0).unwrap()).unwrap()
    };
    let (a, b, c) = (run(Precision::F64), run(Precision::F32), run(Precision::Mixed));
    assert!(b.converged && c.converged);
    let rel = ((a.dual_value - b.dual_value) / a.dual_value).abs();
    assert!(rel < 1e-4, "f32 dual {} vs f64 {} ({rel:e})", b.dual_value, a.dual_value);
    // Mixed ends in float64 by the float64 rule: as close to f64 as two converged runs are.
    let rel = ((a.dual_value - c.dual_value) / a.dual_value).abs();
    assert!(rel < 1e-7, "mixed dual {} vs f64 {} ({rel:e})", c.dual_value, a.dual_value);
    assert!(c.marginal_error < 1e-6, "mixed error {}", c.marginal_error);
}

/// Over-relaxation changes the path, not the answer: at an eps where plain Sinkhorn is slow,
/// both runs meet a tight rule at the same dual and potentials, the relaxed one in far fewer
/// iterations (910 against 170 when written).
#[test]
fn overrelaxation_reaches_the_same_answer_in_fewer_iterations() {
    let (x, y) = clouds(16, 400);
    let run = |overrelaxation| {
        let s = SinkhornSettings {
            overrelaxation,
            tolerance: 1e-10,
            precision: Precision::F64,
            ..Default::default()
        };
        Sinkhorn::new(s).unwrap().solve(&FitData::samples(&x, &y), Eps::new(0.5).unwrap()).unwrap()
    };
    let (plain, relaxed) = (run(false), run(true));
    assert!(plain.converged && relaxed.converged);
    assert!(
        3 * relaxed.iterations < plain.iterations,
        "relaxed {} iterations, plain {}",
        relaxed.iterations,
        plain.iterations
    );
    let rel = ((plain.dual_value - relaxed.dual_value) / plain.dual_value).abs();
    assert!(rel < 1e-11, "dual {} vs {} ({rel:e})", relaxed.dual_value, plain.dual_value);
    // Potentials are defined up to a constant moved between f and g.
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let shift = mean(&relaxed.f) - mean(&plain.f);
    let scale = plain.f.iter().chain(&plain.g).fold(0.0f64, |s, v| s.max(v.abs()));
    let f_gap = plain.f.iter().zip(&relaxed.f).map(|(a, b)| (b - a - shift).abs());
    let g_gap = plain.g.iter().zip(&relaxed.g).map(|(a, b)| (b - a + shift).abs());
    let gap = f_gap.chain(g_gap).fold(0.0, f64::max) / scale;
    assert!(gap < 1e-7, "potentials differ by {gap:e} relative");
}

/// The memory budget picks the kernel path, the fit notes name it, and every path gives the
/// same potentials.
#[test]
fn memory_budget_picks_the_path_and_every_path_agrees() {
    let (x, y) = clouds(16, 600);
    let fit = |budget: usize| {
        let s = SinkhornSettings {
            memory_budget_mib: budget,
            precision: Precision::F64,
            ..Default::default()
        };
        let solver = Sinkhorn::new(s).unwrap();
        let out = solver.solve(&FitData::samples(&x, &y), Eps::new(0.5).unwrap()).unwrap();
        assert!(out.converged);
        out
    };
    let (cached, streamed) = (fit(16), fit(0));
    assert!(cached.kernel_note.contains("cached"), "{}", cached.kernel_note);
    assert!(streamed.kernel_note.contains("over the 0 MiB budget"), "{}", streamed.kernel_note);
    let diff = cached.f.iter().zip(&streamed.f).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(diff < 1e-9, "cached and streamed potentials differ by {diff:e}");
    let (x2, y2) = clouds(2, 300);
    let out = Sinkhorn::new(SinkhornSettings::default())
        .unwrap()
        .solve(&FitData::samples(&x2, &y2), Eps::new(0.5).unwrap())
        .unwrap();
    assert!(out.kernel_note.contains("in registers"), "{}", out.kernel_note);
}

/// On the training points, the out-of-sample extension must reproduce the potentials it was
/// built from, and the held-out dual must equal a.f + b.g there.
#[test]
fn out_of_sample_extension_is_consistent_on_training_points() {
    let (x, y) = clouds(3, 400);
    let eps = Eps::new(0.5).unwrap();
    let settings = SinkhornSettings { tolerance: 1e-12, ..Default::default() };
    let solver = Sinkhorn::new(settings.clone()).unwrap();
    let out = solver.solve(&FitData::samples(&x, &y), eps).unwrap();
    let plan = solver.fit(&FitData::samples(&x, &y), eps, 0).unwrap();
    let g_ext = plan.potential(&y).unwrap();
    for (a, b) in g_ext.iter().zip(&out.g) {
        assert!((a - b).abs() < 1e-8, "g extension {a} vs {b}");
    }
    let dual = plan.dual_value(&x, &y).unwrap().value;
    assert!((dual - out.dual_value).abs() < 1e-8 * out.dual_value.abs().max(1.0));
    // The conditional law sums to one and its mean is the barycentric map.
    let q = x.head(3);
    let map = plan.barycentric_map(&q).unwrap();
    for (i, xq) in q.rows().enumerate() {
        let m = plan.conditional_moments(xq).unwrap();
        for k in 0..3 {
            assert!((m.mean[k] - map.row(i)[k]).abs() < 1e-12);
        }
    }
    // Samples are target points, k per query, reproducible by seed.
    let s1 = plan.sample(&q, 5, &mut seeded_rng(1)).unwrap();
    let s2 = plan.sample(&q, 5, &mut seeded_rng(1)).unwrap();
    assert_eq!(s1.len(), 15);
    assert_eq!(s1, s2);
    assert!(s1.rows().all(|r| y.rows().any(|t| t == r)));
}
