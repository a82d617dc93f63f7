use candle_core::Tensor;
use eot_datasets::SuiteRng;

use super::{Potential, normals};
use crate::SolverError;

/// Unadjusted Langevin settings (docs/design.md §3.1): `steps` updates of size `step_size`, the noise
/// scaled by `noise` (1 is exact ULA; EgNOT's authors anneal it).
#[derive(Clone, Debug, PartialEq)]
pub struct Langevin {
    /// Chain steps.
    pub steps: usize,
    /// Step size `h`.
    pub step_size: f64,
    /// Noise scale (1 = exact unadjusted Langevin).
    pub noise: f64,
}

/// Runs ULA chains on `mu_x^f(y) ∝ exp((f(y) - |x - y|^2 / 2) / eps)` from `start`, row `i` of the
/// chains centred at row `i` of `x` (both `(n, D)`, float32):
/// `y <- y + h (grad f(y) - (y - x)) / eps + noise sqrt(2 h) N(0, I)`.
/// Refuses to return non-finite chains (a step size too large for the potential's curvature).
pub fn langevin<P: Potential + ?Sized>(
    f: &P,
    x: &Tensor,
    start: &Tensor,
    eps: f64,
    s: &Langevin,
    rng: &mut SuiteRng,
) -> Result<Tensor, SolverError> {
    let drift = s.step_size / eps;
    let spread = s.noise * (2.0 * s.step_size).sqrt();
    let mut y = start.detach();
    for _ in 0..s.steps {
        let score = (f.values_and_gradients(&y)?.1 - (&y - x)?)?;
        let xi = normals(y.dims(), rng, y.device())?;
        y = ((&y + (score * drift)?)? + (xi * spread)?)?;
    }
    let total = y.sum_all()?.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?;
    if !total.is_finite() {
        return Err(SolverError::Diverged(format!(
            "Langevin chains became non-finite ({} steps of size {}): use a smaller step",
            s.steps, s.step_size
        )));
    }
    Ok(y)
}
