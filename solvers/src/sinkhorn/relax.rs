//! Adaptive over-relaxation of the Sinkhorn updates.
//!
//! Each update becomes `f <- f + w (T(g) - f)` (and the same for `g`) with a weight `w` in
//! [1, 2). Sinkhorn is block Gauss-Seidel on the dual; near the solution its marginal error
//! shrinks by a rate `r` per iteration, and successive over-relaxation at
//! `w = 2 / (1 + sqrt(1 - r))` shrinks it by about `w - 1` instead, far below `r` when `r` is
//! near 1 (small eps, where plain Sinkhorn needs thousands of iterations). `r` is measured on
//! plain iterations at the start of each eps stage and refined from the relaxed rate at every
//! later check. The fixed point is unchanged, so is the answer: the update before each check is
//! a plain one, so the checked plan has exact rows and the stopping rule means what it says.

/// The largest weight used: past the optimum the rate degrades to `w - 1`, and far from the
/// solution a weight near 2 can overshoot.
const MAX_WEIGHT: f64 = 1.9;

/// Relaxation stays on while every check's error is below this multiple of the error when it
/// began (the error of over-relaxed Sinkhorn need not fall at every check).
const GROWTH_LIMIT: f64 = 2.0;

/// The weight of the current eps stage, from the errors of its checks.
pub(crate) struct Relaxation {
    enabled: bool,
    state: State,
}

#[derive(Clone, Copy)]
enum State {
    /// Plain iterations; the last check's iteration and error once one has run.
    Measuring(Option<(usize, f64)>),
    /// Relaxing with `weight` since a check whose error was `since`.
    Active { weight: f64, since: f64, last: (usize, f64) },
    /// Plain for the rest of the stage: the rate could not be used or the error grew.
    Off,
}

impl Relaxation {
    /// A stage's relaxation; `enabled = false` keeps every update plain.
    pub fn new(enabled: bool) -> Self {
        let state = if enabled { State::Measuring(None) } else { State::Off };
        Relaxation { enabled, state }
    }

    /// Starts a new eps stage: the rate is measured again.
    pub fn restart(&mut self) {
        *self = Relaxation::new(self.enabled);
    }

    /// The weight of the next non-check update (1 = plain Sinkhorn).
    pub fn weight(&self) -> f64 {
        match self.state {
            State::Active { weight, .. } => weight,
            _ => 1.0,
        }
    }

    /// Takes the marginal error `err` of the check at iteration `it`.
    pub fn observe(&mut self, it: usize, err: f64) {
        self.state = match self.state {
            State::Measuring(Some(last)) => match rate(last, (it, err)) {
                Some(r) => State::Active { weight: best_weight(r), since: err, last: (it, err) },
                // Not yet decreasing (a stage's first iterations): measure from here.
                None => State::Measuring(Some((it, err))),
            },
            State::Measuring(None) => State::Measuring(Some((it, err))),
            State::Active { since, .. } if err >= GROWTH_LIMIT * since => State::Off,
            State::Active { weight, since, last } => {
                // Plain Sinkhorn has not reached its asymptotic rate when the stage's first
                // checks run, so the first weight is low; the relaxed rate `l` says how far
                // (Young's relation for two-block SOR: plain rate = (l + w - 1)^2 / (l w^2),
                // valid while l > w - 1). The weight only grows.
                let weight = match rate(last, (it, err)) {
                    Some(l) if l > weight - 1.0 => {
                        weight.max(best_weight((l + weight - 1.0).powi(2) / (l * weight * weight)))
                    }
                    _ => weight,
                };
                State::Active { weight, since, last: (it, err) }
            }
            State::Off => State::Off,
        }
    }

    /// `v <- v + w (next - v)`, with `w` this stage's weight; a plain update takes `next` as it
    /// is (`next` is left stale either way).
    pub fn apply(&self, v: &mut Vec<f64>, next: &mut Vec<f64>) {
        let w = self.weight();
        if w == 1.0 {
            std::mem::swap(v, next);
        } else {
            v.iter_mut().zip(next.iter()).for_each(|(a, b)| *a += w * (b - *a));
        }
    }
}

/// The error's shrink factor per iteration between two checks `(iteration, error)`, when it
/// shrank.
fn rate((it0, err0): (usize, f64), (it, err): (usize, f64)) -> Option<f64> {
    (it > it0 && err < err0 && err > 0.0).then(|| (err / err0).powf(1.0 / (it - it0) as f64))
}

/// SOR's best weight for a plain rate `r` per iteration, at most [`MAX_WEIGHT`].
fn best_weight(r: f64) -> f64 {
    (2.0 / (1.0 + (1.0 - r.clamp(0.0, 1.0)).sqrt())).min(MAX_WEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_follows_the_measured_rate_and_growth_switches_it_off() {
        let mut r = Relaxation::new(true);
        r.observe(10, 1e-2);
        assert_eq!(r.weight(), 1.0, "one check gives no rate");
        // Plain rate 0.99 per iteration: w = 2 / (1 + 0.1).
        let mut err = 1e-2 * 0.99f64.powi(10);
        r.observe(20, err);
        assert!((r.weight() - 2.0 / 1.1).abs() < 1e-9, "{}", r.weight());
        // Relaxed at w = 1.82 the error still shrinks only by 0.99 per iteration: the plain rate
        // was nearer 1 (0.9988 by Young's relation), so the weight rises, to the cap.
        err *= 0.99f64.powi(10);
        r.observe(30, err);
        assert_eq!(r.weight(), MAX_WEIGHT);
        r.observe(40, err * 1e-3);
        assert_eq!(r.weight(), MAX_WEIGHT, "a fast rate never lowers it");
        r.observe(50, 1e-1);
        assert_eq!(r.weight(), 1.0, "a grown error switches it off");
        r.restart();
        r.observe(10, 1e-2);
        r.observe(20, 1e-3);
        assert!(r.weight() > 1.0 && r.weight() <= MAX_WEIGHT, "a new stage measures again");
        let mut off = Relaxation::new(false);
        off.observe(10, 1e-2);
        off.observe(20, 1e-3);
        assert_eq!(off.weight(), 1.0);
    }
}
