//! The published cBW2-UVP figures on the Gaussian-mixture benchmark (docs/design.md §6): the
//! best solver of the benchmark paper (Gushchin et al. 2023) and LightSB, from the LightSB
//! paper's table. Our pairs are built by the same construction, not the same files: anchors of
//! magnitude, beside which our seed intervals are read.

/// `(D, eps, best solver of the benchmark paper, LightSB)`, cBW2-UVP in percent.
pub const PUBLISHED: &[(usize, f64, f64, f64)] = &[
    (2, 0.1, 1.94, 0.03),
    (16, 0.1, 13.67, 0.08),
    (64, 0.1, 11.74, 0.28),
    (128, 0.1, 11.4, 0.60),
    (2, 1.0, 1.04, 0.05),
    (16, 1.0, 9.08, 0.09),
    (64, 1.0, 18.05, 0.24),
    (128, 1.0, 15.23, 0.62),
    (2, 10.0, 1.40, 0.07),
    (16, 10.0, 1.27, 0.11),
    (64, 10.0, 2.36, 0.21),
    (128, 10.0, 1.31, 0.37),
];

/// The published `(best of the benchmark paper, LightSB)` at `(D, eps)`, if that cell is in
/// the table.
pub fn published(dim: usize, eps: f64) -> Option<(f64, f64)> {
    PUBLISHED.iter().find(|p| p.0 == dim && p.1 == eps).map(|p| (p.2, p.3))
}
