//! BW2 and the UVP metrics against values known independently of the code.

use eot_datasets::{Moments, random_spd, seeded_rng};
use eot_metrics::{bw2, bw2_uvp, cbw2_uvp, sqrtm_psd};
use nalgebra::{DMatrix, DVector};

fn moments(mean: &[f64], cov: DMatrix<f64>) -> Moments {
    Moments { mean: DVector::from_column_slice(mean), cov }
}

#[test]
fn one_dimensional_bw2_is_mean_gap_plus_std_gap_squared() {
    let a = moments(&[1.0], DMatrix::from_element(1, 1, 4.0));
    let b = moments(&[-0.5], DMatrix::from_element(1, 1, 0.25));
    let want = 1.5f64.powi(2) + (2.0f64 - 0.5).powi(2);
    assert!((bw2(&a, &b).unwrap() - want).abs() < 1e-12);
}

#[test]
fn commuting_covariances_give_the_sum_of_squared_root_gaps() {
    let a =
        moments(&[0.0, 0.0, 0.0], DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 4.0, 9.0])));
    let b =
        moments(&[1.0, 0.0, 2.0], DMatrix::from_diagonal(&DVector::from_vec(vec![4.0, 4.0, 1.0])));
    let want = 5.0 + (1.0f64 - 2.0).powi(2) + 0.0 + (3.0f64 - 1.0).powi(2);
    assert!((bw2(&a, &b).unwrap() - want).abs() < 1e-12);
}

#[test]
fn bw2_is_symmetric_zero_on_equal_and_positive_otherwise() {
    let mut rng = seeded_rng(2);
    for d in [2, 16, 64] {
        let a = moments(&vec![0.3; d], random_spd(d, 0.2, 3.0, &mut rng));
        let b = moments(&vec![-0.1; d], random_spd(d, 0.2, 3.0, &mut rng));
        let (ab, ba) = (bw2(&a, &b).unwrap(), bw2(&b, &a).unwrap());
        assert!((ab - ba).abs() < 1e-9 * ab, "D={d}: {ab} vs {ba}");
        assert!(bw2(&a, &a).unwrap() < 1e-9);
        assert!(ab > 0.16 * d as f64 * 0.99, "at least the mean gap");
    }
}

#[test]
fn matrix_square_root_squares_back() {
    let m = random_spd(10, 0.01, 5.0, &mut seeded_rng(4));
    let r = sqrtm_psd(&m);
    assert!((&r * &r - &m).amax() < 1e-10);
    assert!((&r - r.transpose()).amax() < 1e-14);
}

#[test]
fn uvp_normalises_by_the_target_variance_and_refuses_nonsense() {
    let target = moments(&[0.0, 0.0], DMatrix::identity(2, 2) * 2.0);
    let shifted = moments(&[1.0, 0.0], DMatrix::identity(2, 2) * 2.0);
    assert!((bw2_uvp(&shifted, &target).unwrap() - 25.0).abs() < 1e-9);
    let pairs = vec![(shifted.clone(), target.clone()), (target.clone(), target.clone())];
    assert!((cbw2_uvp(&pairs, 4.0).unwrap() - 12.5).abs() < 1e-9);
    assert!(cbw2_uvp(&[], 4.0).is_err());
    assert!(cbw2_uvp(&pairs, 0.0).is_err());
    let flat = moments(&[0.0, 0.0], DMatrix::zeros(2, 2));
    assert!(bw2_uvp(&shifted, &flat).is_err());
    assert!(bw2(&moments(&[0.0], DMatrix::identity(1, 1)), &target).is_err());
}
