//! Learning-rate schedules shared by the solvers' training loops.

/// Constant for the first half of the steps, then a cosine decay to 1 %: the final steps
/// average out mini-batch noise, which otherwise sets the accuracy floor (measured on LightSB).
pub(crate) fn half_cosine(step: usize, steps: usize) -> f64 {
    let half = steps / 2;
    if step < half {
        return 1.0;
    }
    let t = (step - half) as f64 / (steps - half).max(1) as f64;
    0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
}
