//! Data for the EOT suite: point sets, seeded samplers, benchmark pairs with exact ground truth,
//! and loaders for the user's own point files.
//!
//! Conventions (docs/design.md §1): cost `c(x, y) = |x - y|^2 / 2`, regulariser `eps > 0`.
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
pub use pair::{BenchmarkPair, GroundTruth, Moments, Sampler};
pub use points::{MAX_ABS_COORDINATE, Points, coordinate_problem};
pub use rng::{SuiteRng, seeded_rng, substream};
pub use swiss_roll::SwissRollPair;

/// The dimensions a synthetic pair exists in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairDims {
    /// Any D >= 1.
    Any,
    /// Only this D (the 2-D toys).
    Only(usize),
}

impl PairDims {
    /// Whether the pair exists in dimension `dim`.
    pub fn contains(self, dim: usize) -> bool {
        match self {
            PairDims::Any => dim >= 1,
            PairDims::Only(d) => dim == d,
        }
    }
}

/// The synthetic pairs by the name the command line uses, with the dimensions each exists in.
pub const PAIRS: &[(&str, PairDims)] = &[
    ("gaussian", PairDims::Any),
    ("gmm", PairDims::Any),
    ("gmm-fresh", PairDims::Any),
    ("swiss-roll", PairDims::Only(2)),
];

/// The dimensions the pair `name` exists in; `None` for a name that is not a synthetic pair.
pub fn pair_dims(name: &str) -> Option<PairDims> {
    PAIRS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// Builds a benchmark pair by its name as used on the command line
/// (`gaussian`, `gmm`, `gmm-fresh`, `swiss-roll`), for dimension `dim` and regulariser `eps`.
pub fn pair_by_name(name: &str, dim: usize, eps: f64) -> Result<Box<dyn BenchmarkPair>, DataError> {
    let known = || PAIRS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let dims = pair_dims(name).ok_or_else(|| {
        DataError::Invalid(format!("unknown dataset '{name}' (known: {})", known()))
    })?;
    if !dims.contains(dim) {
        return Err(DataError::Invalid(format!("{name} does not exist in D={dim} ({dims:?})")));
    }
    match name {
        "gaussian" => Ok(Box::new(GaussianPair::standard(dim, eps)?)),
        "gmm" => Ok(Box::new(GmmPair::new(&GmmPairSettings::benchmark(dim, eps))?)),
        "gmm-fresh" => Ok(Box::new(GmmPair::new(&GmmPairSettings::fresh(dim, eps))?)),
        "swiss-roll" => Ok(Box::new(SwissRollPair)),
        other => Err(DataError::Invalid(format!("no constructor for the pair '{other}'"))),
    }
}
