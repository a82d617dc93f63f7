//! Data for the EOT suite: point sets, seeded samplers, benchmark pairs with exact ground truth,
//! and loaders for the user's own point files.
//!
//! Conventions (see `shared/DESIGN.md` §1): cost `c(x, y) = |x - y|^2 / 2`, regulariser `eps > 0`.
//! Everything here is independent of any solver.

mod degenerate;
mod error;
mod gaussian;
mod gaussian_pair;
mod gmm_pair;
pub mod io;
mod linalg;
mod logspace;
mod pair;
mod points;
pub mod real;
mod rng;
mod swiss_roll;

pub use degenerate::degeneracy;
pub use error::DataError;
pub use gaussian::Gaussian;
pub use gaussian_pair::GaussianPair;
pub use gmm_pair::{GmmPair, GmmPairSettings};
pub use linalg::{random_rotation, random_spd, sqrtm_psd};
pub use logspace::{draw_index, log_sum_exp};
pub use pair::{BenchmarkPair, GroundTruth, Moments};
pub use points::{MAX_ABS_COORDINATE, Points, coordinate_problem};
pub use rng::{SuiteRng, seeded_rng, substream};
pub use swiss_roll::SwissRollPair;

/// Builds a benchmark pair by its name as used on the command line
/// (`gaussian`, `gmm`, `swiss-roll`), for dimension `dim` and regulariser `eps`.
pub fn pair_by_name(name: &str, dim: usize, eps: f64) -> Result<Box<dyn BenchmarkPair>, DataError> {
    match name {
        "gaussian" => Ok(Box::new(GaussianPair::standard(dim, eps)?)),
        "gmm" => Ok(Box::new(GmmPair::new(&GmmPairSettings::benchmark(dim, eps))?)),
        "swiss-roll" => {
            if dim != 2 {
                return Err(DataError::Invalid(format!("swiss-roll is 2-D only, got D={dim}")));
            }
            Ok(Box::new(SwissRollPair))
        }
        other => Err(DataError::Invalid(format!(
            "unknown dataset '{other}' (known: gaussian, gmm, swiss-roll)"
        ))),
    }
}
