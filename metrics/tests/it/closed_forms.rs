//! Sample metrics against population values known in closed form or by an independent
//! large-sample estimate, with tolerances derived from the statistics of the estimators.

use std::f64::consts::PI;

use eot_datasets::{Gaussian, Moments, Points, seeded_rng, substream};
use eot_metrics::{bw2, energy_distance, fid_proxy, w2_squared};
use nalgebra::{DMatrix, DVector};

fn gaussian(mean: &[f64], cov: &[f64]) -> Gaussian {
    let d = mean.len();
    Gaussian::new(DVector::from_column_slice(mean), DMatrix::from_row_slice(d, d, cov)).unwrap()
}

fn moments(g: &Gaussian) -> Moments {
    Moments { mean: g.mean().clone(), cov: g.cov().clone() }
}

/// W2 between samples of two Gaussians against BW2 (the exact W2 between the Gaussians), with
/// equal means so that the fluctuation of the estimate is that of quadratic potentials.
/// `W2^2(p_n, q_n)` has a sampling fluctuation of order `n^{-1/2}` and an upward bias of the
/// order of `W2^2(p_n, p) + W2^2(q_n, q)`, which we estimate by half the distance between
/// independent replicates, `(W2^2(p_n, p'_n) + W2^2(q_n, q'_n)) / 2`. Tolerance: 4 standard
/// errors of the mean over 4 replicates plus that bias allowance. The test also checks the
/// tolerance would catch a target covariance off by a factor 1.5.
#[test]
fn exact_w2_of_large_gaussian_samples_approaches_bw2() {
    let p = gaussian(&[0.0, 0.0], &[1.0, 0.0, 0.0, 0.5]);
    let q = gaussian(&[0.0, 0.0], &[2.0, 0.6, 0.6, 1.0]);
    let truth = bw2(&moments(&p), &moments(&q)).unwrap();
    let n = 1000;
    let (mut values, mut bias) = (Vec::new(), 0.0);
    for r in 0..4 {
        let draw = |g: &Gaussian, s| g.sample(n, &mut substream(21 + r, s));
        let (pn, qn, pn2, qn2) = (draw(&p, 1), draw(&q, 2), draw(&p, 3), draw(&q, 4));
        values.push(w2_squared(&pn, &qn).unwrap());
        bias += 0.5 * (w2_squared(&pn, &pn2).unwrap() + w2_squared(&qn, &qn2).unwrap()) / 4.0;
    }
    let (mean, se) = mean_and_se(&values);
    let tol = 4.0 * se + bias;
    assert!((mean - truth).abs() < tol, "W2^2 {mean} (se {se}) vs BW2 {truth}, tolerance {tol}");
    let wrong = gaussian(&[0.0, 0.0], &[3.0, 0.9, 0.9, 1.5]);
    let off = bw2(&moments(&p), &moments(&wrong)).unwrap();
    assert!((mean - off).abs() > tol, "tolerance {tol} would not see a 1.5x covariance ({off})");
}

/// Standard deviation of the mean of `xs`.
fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let k = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / k;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1.0);
    (mean, (var / k).sqrt())
}

/// In 1-D with equal means the energy distance is closed form:
/// `ED = 2 sqrt(2/pi) sqrt(s1^2 + s2^2) - 2 (s1 + s2) / sqrt(pi)`, since `E|Z| = s sqrt(2/pi)`
/// for `Z ~ N(0, s^2)`. Our V-statistic on n points per side has expectation
/// `ED + (E|X-X'| + E|Y-Y'|)/n`. Tolerance: 4 standard errors of the mean over 12 independent
/// replicates.
#[test]
fn energy_distance_between_1d_gaussians_matches_the_closed_form() {
    let (s1, s2, n) = (1.0f64, 2.0f64, 2000);
    let p = gaussian(&[0.0], &[s1 * s1]);
    let q = gaussian(&[0.0], &[s2 * s2]);
    let closed = 2.0 * (2.0 / PI).sqrt() * (s1 * s1 + s2 * s2).sqrt() - 2.0 * (s1 + s2) / PI.sqrt();
    let bias = (2.0 * s1 / PI.sqrt() + 2.0 * s2 / PI.sqrt()) / n as f64;
    let reps: Vec<f64> = (0..12)
        .map(|r| {
            let (a, b) = (
                p.sample(n, &mut substream(31, 2 * r)),
                q.sample(n, &mut substream(31, 2 * r + 1)),
            );
            energy_distance(&a, &b).unwrap()
        })
        .collect();
    let (mean, se) = mean_and_se(&reps);
    assert!(4.0 * se < 0.15 * closed, "too noisy to test: se {se}");
    assert!(
        (mean - bias - closed).abs() < 4.0 * se,
        "ED mean {mean} - bias {bias} vs closed form {closed} (se {se})"
    );
}

/// In D = 8 (no simple closed form with a mean shift) the reference is an independent
/// large-sample estimate: 10^6 independent pairs for each of `E|X-Y|`, `E|X-X'|`, `E|Y-Y'|`
/// (i.i.d. terms, so its standard error is exact), against the mean of 8 replicates of our
/// V-statistic on 800 points per side, bias-corrected as above. Tolerance: 4 combined standard
/// errors; it is checked to be smaller than the change in ED from a 0.1 shift of the mean.
#[test]
fn energy_distance_in_8d_matches_a_large_sample_estimate() {
    let d = 8;
    let p = gaussian(&vec![0.0; d], DMatrix::<f64>::identity(d, d).as_slice());
    let mut cov = DMatrix::<f64>::identity(d, d) * 1.5;
    cov[(0, 1)] = 0.4;
    cov[(1, 0)] = 0.4;
    let shift = |s: f64| gaussian(&[s, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], cov.as_slice());
    let q = shift(0.5);
    let big = 1_000_000;
    let norms = |a: &Points, b: &Points| -> Vec<f64> {
        a.rows()
            .zip(b.rows())
            .map(|(x, y)| x.iter().zip(y).map(|(u, v)| (u - v) * (u - v)).sum::<f64>().sqrt())
            .collect()
    };
    let mut rng = seeded_rng(41);
    let (x1, x2, y1, y2) = (
        p.sample(big, &mut rng),
        p.sample(big, &mut rng),
        q.sample(big, &mut rng),
        q.sample(big, &mut rng),
    );
    let (exy, se_xy) = mean_and_se(&norms(&x1, &y1));
    let (exx, se_xx) = mean_and_se(&norms(&x1, &x2));
    let (eyy, se_yy) = mean_and_se(&norms(&y1, &y2));
    let reference = 2.0 * exy - exx - eyy;
    let se_ref = (4.0 * se_xy * se_xy + se_xx * se_xx + se_yy * se_yy).sqrt();
    let n = 800;
    let reps: Vec<f64> = (0..8)
        .map(|r| {
            let a = p.sample(n, &mut substream(43, 2 * r));
            let b = q.sample(n, &mut substream(43, 2 * r + 1));
            energy_distance(&a, &b).unwrap()
        })
        .collect();
    let (mean, se) = mean_and_se(&reps);
    let bias = (exx + eyy) / n as f64;
    let tol = 4.0 * (se * se + se_ref * se_ref).sqrt();
    assert!(
        (mean - bias - reference).abs() < tol,
        "ED {mean} - bias {bias} vs large-sample {reference}, tolerance {tol}"
    );
    // A test that could not tell q from a slightly shifted q would prove nothing.
    let a = p.sample(n, &mut substream(44, 0));
    let near = energy_distance(&a, &shift(0.6).sample(n, &mut substream(44, 1))).unwrap();
    assert!(tol < (near - mean).abs(), "tolerance {tol} hides a 0.1 shift ({near} vs {mean})");
}

/// 1-D FID-proxy is `(m1 - m2)^2 + (s1 - s2)^2` with the sample means and (n-1) deviations.
#[test]
fn one_dimensional_fid_proxy_is_the_mean_and_deviation_gap() {
    let a = Points::new(vec![0.0, 1.0, 2.0, 5.0], 4, 1).unwrap();
    let b = Points::new(vec![-1.0, 3.0, 4.0], 3, 1).unwrap();
    let stats = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (m, (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt())
    };
    let ((ma, sa), (mb, sb)) = (stats(a.as_slice()), stats(b.as_slice()));
    let want = (ma - mb).powi(2) + (sa - sb).powi(2);
    assert!((fid_proxy(&a, &b).unwrap() - want).abs() < 1e-12);
}
