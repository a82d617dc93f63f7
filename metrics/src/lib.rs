//! Metrics of the EOT suite (docs/design.md §5), each a function on plain sample sets (`Points`, one
//! point per row) or on moments, documented with its formula, units and convention.
//!
//! - Ground truth: [`bw2`], [`bw2_uvp`], [`cbw2_uvp`] (Bures-Wasserstein between moments).
//! - Between two samples: [`w2_squared`] (exact, assignment problem), [`sliced_w2_squared`],
//!   [`sinkhorn_divergence`], [`energy_distance`], [`fid_proxy`].
//! - Of paired samples `(x_i, y_i ~ pi(.|x_i))`: [`transport_cost`], [`lpips_proxy`]; of `k`
//!   draws per query: [`conditional_diversity`].
//!
//! Costs: W2 and sliced W2 use `|x - y|^2` (the standard W2, POT's `ot.dist`); the transport cost
//! and the Sinkhorn divergence use the suite's `c(x, y) = |x - y|^2 / 2` (docs/design.md §1). Every
//! function refuses shapes that make it undefined with a [`MetricError`] and never returns NaN.

//!
//! ```
//! use eot_datasets::Points;
//! use eot_metrics::{energy_distance, sliced_w2_squared, w2_squared};
//!
//! let a = Points::from_rows(&[vec![0.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]]).unwrap();
//! let b = Points::from_rows(&[vec![2.0, 0.0], vec![3.0, 0.0], vec![2.0, 1.0]]).unwrap();
//! // b is a translated by (2, 0): every point moves by |t|^2 = 4.
//! assert!((w2_squared(&a, &b).unwrap() - 4.0).abs() < 1e-12);
//! assert!(energy_distance(&a, &b).unwrap() > 0.0);
//! assert_eq!(energy_distance(&a, &a).unwrap(), 0.0);
//! let mut rng = eot_datasets::seeded_rng(0);
//! assert!(sliced_w2_squared(&a, &b, 50, &mut rng).unwrap() <= 4.0 + 1e-12);
//! ```
//!
//! Ground truth: [`cbw2_uvp`] over `(estimated, exact)` conditional moments per test point.
//!
//! ```
//! use eot_datasets::Moments;
//! use eot_metrics::{bw2, cbw2_uvp};
//! use nalgebra::{DMatrix, DVector};
//!
//! let exact = Moments { mean: DVector::from_vec(vec![0.0, 0.0]), cov: DMatrix::identity(2, 2) };
//! let off = Moments { mean: DVector::from_vec(vec![0.1, 0.0]), cov: DMatrix::identity(2, 2) };
//! assert!((bw2(&off, &exact).unwrap() - 0.01).abs() < 1e-12);
//! // 100 * mean BW2 / Var(p1), here with Var(p1) = 2.
//! let score = cbw2_uvp(&[(off, exact.clone()), (exact.clone(), exact)], 2.0).unwrap();
//! assert!((score - 0.25).abs() < 1e-9);
//! ```

mod assignment;
mod bures;
mod checks;
mod divergence;
mod diversity;
mod energy;
mod error;
mod exact;
mod frechet;
mod novelty;
mod paired;
mod sliced;

pub use bures::{bw2, bw2_uvp, cbw2_uvp};
pub use divergence::{divergence_settings, sinkhorn_divergence};
pub use diversity::conditional_diversity;
pub use energy::energy_distance;
pub use eot_datasets::sqrtm_psd;
pub use error::MetricError;
pub use exact::{W2_DENSE_BYTES, W2_MAX_POINTS, w2_squared};
pub use frechet::fid_proxy;
pub use novelty::novelty;
pub use paired::{lpips_proxy, transport_cost};
pub use sliced::{random_directions, sliced_w2_squared, sliced_w2_squared_along};
