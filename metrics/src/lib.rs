//! Metrics of the EOT suite (DESIGN §5), each a function on plain sample sets (`Points`, one
//! point per row) or on moments, documented with its formula, units and convention.
//!
//! - Ground truth: [`bw2`], [`bw2_uvp`], [`cbw2_uvp`] (Bures-Wasserstein between moments).
//! - Between two samples: [`w2_squared`] (exact, assignment problem), [`sliced_w2_squared`],
//!   [`sinkhorn_divergence`], [`energy_distance`], [`fid_proxy`].
//! - Of paired samples `(x_i, y_i ~ pi(.|x_i))`: [`transport_cost`], [`lpips_proxy`]; of `k`
//!   draws per query: [`conditional_diversity`].
//!
//! Costs: W2 and sliced W2 use `|x - y|^2` (the standard W2, POT's `ot.dist`); the transport cost
//! and the Sinkhorn divergence use the suite's `c(x, y) = |x - y|^2 / 2` (DESIGN §1). Every
//! function refuses shapes that make it undefined with a [`MetricError`] and never returns NaN.

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
