//! Small numerics shared by the samplers and the solvers' closed forms.

use rand::Rng;

use crate::SuiteRng;

/// `log sum_i exp(v_i)`, shifted by the maximum so that no term overflows.
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// An index drawn with the given probabilities (summing to 1; the last index absorbs rounding).
pub fn draw_index(probabilities: &[f64], rng: &mut SuiteRng) -> usize {
    let mut u: f64 = rng.random();
    for (k, p) in probabilities.iter().enumerate() {
        u -= p;
        if u < 0.0 {
            return k;
        }
    }
    probabilities.len() - 1
}
