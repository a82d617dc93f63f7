//! Sanity properties of the sample metrics (d(p, p) = 0, symmetry, invariance to the order of
//! the points), hand-computable values, and clear refusals of bad input.

use eot_datasets::{Gaussian, Points, seeded_rng, substream};
use eot_metrics::{
    MetricError, W2_MAX_POINTS, conditional_diversity, divergence_settings, energy_distance,
    fid_proxy, lpips_proxy, random_directions, sinkhorn_divergence, sliced_w2_squared,
    sliced_w2_squared_along, transport_cost, w2_squared,
};
use nalgebra::{DMatrix, DVector};

fn sample(n: usize, d: usize, shift: f64, stream: u64) -> Points {
    let g = Gaussian::new(DVector::from_element(d, shift), DMatrix::identity(d, d)).unwrap();
    g.sample(n, &mut substream(51, stream))
}

/// The same points in another order.
fn reversed(p: &Points) -> Points {
    let rows: Vec<Vec<f64>> = (0..p.len()).rev().map(|i| p.row(i).to_vec()).collect();
    Points::from_rows(&rows).unwrap()
}

#[test]
fn distances_vanish_on_equal_samples_and_are_symmetric_and_order_free() {
    let (a, b) = (sample(120, 3, 0.0, 1), sample(120, 3, 0.7, 2));
    let dirs = random_directions(30, 3, &mut seeded_rng(5)).unwrap();
    type Metric = Box<dyn Fn(&Points, &Points) -> f64>;
    let metrics: Vec<(&str, Metric)> = vec![
        ("w2", Box::new(|x, y| w2_squared(x, y).unwrap())),
        ("sliced", Box::new(move |x, y| sliced_w2_squared_along(x, y, &dirs).unwrap())),
        ("energy", Box::new(|x, y| energy_distance(x, y).unwrap())),
        ("fid", Box::new(|x, y| fid_proxy(x, y).unwrap())),
        (
            "sinkhorn",
            Box::new(|x, y| sinkhorn_divergence(x, y, 0.5, &divergence_settings()).unwrap()),
        ),
    ];
    for (name, m) in &metrics {
        let ab = m(&a, &b);
        assert!(ab > 0.1, "{name}: {ab} should see a 0.7 shift in every coordinate");
        assert!(m(&a, &a).abs() < 1e-12 * ab.max(1.0), "{name}: d(a, a) = {}", m(&a, &a));
        let ba = m(&b, &a);
        assert!((ab - ba).abs() < 1e-9 * ab, "{name}: {ab} vs {ba}");
        let perm = m(&reversed(&a), &reversed(&b));
        assert!((ab - perm).abs() < 1e-9 * ab, "{name}: reordering changed {ab} to {perm}");
    }
}

#[test]
fn exact_w2_is_below_any_matching_and_equals_a_shift_when_it_is_pure_translation() {
    let a = sample(300, 4, 0.0, 3);
    let shifted: Vec<f64> = a.as_slice().iter().map(|v| v + 0.25).collect();
    let b = Points::new(shifted, 300, 4).unwrap();
    // Translation by t: the optimal plan is the identity matching, W2^2 = |t|^2.
    let got = w2_squared(&reversed(&a), &b).unwrap();
    assert!((got - 4.0 * 0.0625).abs() < 1e-12, "{got}");
    // Against a random sample, the identity matching is a feasible plan: W2^2 cannot exceed it.
    let c = sample(300, 4, 1.0, 4);
    let identity = a
        .rows()
        .zip(c.rows())
        .map(|(x, y)| x.iter().zip(y).map(|(u, v)| (u - v) * (u - v)).sum::<f64>())
        .sum::<f64>()
        / 300.0;
    let w2 = w2_squared(&a, &c).unwrap();
    assert!(w2 < identity && w2 > 0.0, "{w2} vs identity matching {identity}");
    // Sliced W2 never exceeds W2 (each projection is 1-Lipschitz) and, for isotropic laws,
    // is about W2 / D.
    let sw = sliced_w2_squared(&a, &c, 200, &mut seeded_rng(6)).unwrap();
    assert!(sw < w2, "SW2^2 {sw} > W2^2 {w2}");
}

#[test]
fn sliced_w2_is_reproducible_by_seed() {
    let (a, b) = (sample(100, 5, 0.0, 7), sample(80, 5, 0.3, 8));
    let one = sliced_w2_squared(&a, &b, 20, &mut seeded_rng(1)).unwrap();
    assert_eq!(one, sliced_w2_squared(&a, &b, 20, &mut seeded_rng(1)).unwrap());
    assert_ne!(one, sliced_w2_squared(&a, &b, 20, &mut seeded_rng(2)).unwrap());
}

#[test]
fn paired_metrics_and_diversity_on_hand_computed_values() {
    let x = Points::new(vec![0.0, 0.0, 2.0, 0.0], 2, 2).unwrap();
    let y = Points::new(vec![3.0, 4.0, 2.0, 1.0], 2, 2).unwrap();
    // |x-y|^2 = 25 and 1: E c = (12.5 + 0.5) / 2.
    assert!((transport_cost(&x, &y).unwrap() - 6.5).abs() < 1e-12);
    // Coordinate sds over x: sqrt(2) and 0 -> the second coordinate cannot be normalised.
    assert!(lpips_proxy(&x, &y).unwrap_err().to_string().contains("coordinate 1 is constant"));
    let x = Points::new(vec![0.0, 0.0, 2.0, 2.0], 2, 2).unwrap();
    let y = Points::new(vec![2.0, 0.0, 2.0, 2.0], 2, 2).unwrap();
    // sds sqrt(2), sqrt(2): first pair sqrt((2/sqrt 2)^2 / 2) = 1, second 0: mean 1/2.
    assert!((lpips_proxy(&x, &y).unwrap() - 0.5).abs() < 1e-12);
    assert_eq!(lpips_proxy(&x, &x).unwrap(), 0.0);
    // Two queries of k = 3 draws: an equilateral triangle of side 1, then three equal points.
    let h = 3f64.sqrt() / 2.0;
    let draws =
        Points::new(vec![0.0, 0.0, 1.0, 0.0, 0.5, h, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0], 6, 2).unwrap();
    assert!((conditional_diversity(&draws, 3).unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn bad_input_is_refused_with_a_message_naming_it() {
    let (a, b3) = (sample(10, 2, 0.0, 9), sample(10, 3, 0.0, 10));
    let msg = |e: MetricError| e.to_string();
    assert!(msg(w2_squared(&a, &b3).unwrap_err()).contains("dimension mismatch"));
    assert!(msg(energy_distance(&a, &b3).unwrap_err()).contains("dimension mismatch"));
    assert!(msg(fid_proxy(&a, &b3).unwrap_err()).contains("dimension mismatch"));
    let e = msg(w2_squared(&a, &sample(11, 2, 0.0, 11)).unwrap_err());
    assert!(e.contains("same size") && e.contains("10 and 11"), "{e}");
    let one = a.head(1);
    assert!(msg(fid_proxy(&one, &a).unwrap_err()).contains("at least 2"));
    assert!(
        msg(sinkhorn_divergence(&one, &a, 1.0, &divergence_settings()).unwrap_err())
            .contains("at least 2")
    );
    assert!(
        msg(sinkhorn_divergence(&a, &a, 0.0, &divergence_settings()).unwrap_err()).contains("eps")
    );
    let dirs = random_directions(3, 3, &mut seeded_rng(0)).unwrap();
    assert!(msg(sliced_w2_squared_along(&a, &a, &dirs).unwrap_err()).contains("directions"));
    assert!(random_directions(0, 2, &mut seeded_rng(0)).is_err());
    assert!(msg(transport_cost(&a, &a.head(5)).unwrap_err()).contains("paired"));
    assert!(conditional_diversity(&a, 1).is_err());
    assert!(msg(conditional_diversity(&a, 3).unwrap_err()).contains("groups of k = 3"));
    // Past the size limit: refused at once, before allocating the O(n^2) cost matrix.
    let big = Points::new(vec![0.0; W2_MAX_POINTS + 1], W2_MAX_POINTS + 1, 1).unwrap();
    let start = std::time::Instant::now();
    let e = msg(w2_squared(&big, &big).unwrap_err());
    assert!(e.contains("past the limit") && e.contains(&W2_MAX_POINTS.to_string()), "{e}");
    assert!(start.elapsed().as_secs_f64() < 0.5);
    // A run that cannot converge says so instead of returning a wrong value.
    let tight = eot_solvers::sinkhorn::SinkhornSettings {
        max_iterations: 1,
        eps_scaling: false,
        check_every: 1,
        ..divergence_settings()
    };
    let e = msg(sinkhorn_divergence(&a, &sample(10, 2, 3.0, 12), 0.01, &tight).unwrap_err());
    assert!(e.contains("did not converge"), "{e}");
}
