use nalgebra::{DMatrix, DVector};
use rand_distr::{Distribution, StandardNormal, Uniform};

use crate::SuiteRng;

/// A `d x d` matrix of independent standard normal entries.
pub(crate) fn normal_matrix(d: usize, rng: &mut SuiteRng) -> DMatrix<f64> {
    DMatrix::from_fn(d, d, |_, _| StandardNormal.sample(rng))
}

/// A standard normal vector of length `d`.
pub(crate) fn normal_vector(d: usize, rng: &mut SuiteRng) -> DVector<f64> {
    DVector::from_fn(d, |_, _| StandardNormal.sample(rng))
}

/// A random rotation (Haar-distributed orthogonal matrix, via QR with sign correction).
pub fn random_rotation(d: usize, rng: &mut SuiteRng) -> DMatrix<f64> {
    let qr = normal_matrix(d, rng).qr();
    let (mut q, r) = (qr.q(), qr.r());
    for j in 0..d {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    q
}

/// A random symmetric positive definite matrix `Q diag(lambda) Q^T`, eigenvalues uniform in `[lo, hi]`.
pub fn random_spd(d: usize, lo: f64, hi: f64, rng: &mut SuiteRng) -> DMatrix<f64> {
    let q = random_rotation(d, rng);
    let eig = Uniform::new_inclusive(lo, hi).expect("lo <= hi");
    let lambda = DVector::from_fn(d, |_, _| eig.sample(rng));
    symmetrize(&q * DMatrix::from_diagonal(&lambda) * q.transpose())
}

/// `(M + M^T) / 2`: removes the rounding asymmetry that products leave behind.
pub(crate) fn symmetrize(m: DMatrix<f64>) -> DMatrix<f64> {
    (&m + m.transpose()) * 0.5
}

/// The symmetric square root of a symmetric positive semi-definite matrix, by nalgebra's
/// symmetric eigensolver (eigenvalues below 0 from rounding are clamped to 0).
pub fn sqrtm_psd(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = symmetrize(m.clone()).symmetric_eigen();
    let root = eig.eigenvalues.map(|l| l.max(0.0).sqrt());
    symmetrize(&eig.eigenvectors * DMatrix::from_diagonal(&root) * eig.eigenvectors.transpose())
}
