use crate::SolverError;

/// The entropic regulariser `eps` of docs/design.md §1 (cost `|x-y|^2/2`): checked to be finite and > 0.
/// POT's and OTT-JAX's `reg` with the cost `|x-y|^2` equals `2 * eps`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Eps(f64);

impl Eps {
    /// Refuses `eps <= 0`, NaN and infinity.
    pub fn new(eps: f64) -> Result<Self, SolverError> {
        if eps > 0.0 && eps.is_finite() {
            Ok(Eps(eps))
        } else {
            Err(SolverError::setting("eps", format!("must be finite and > 0, got {eps}")))
        }
    }
    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}
