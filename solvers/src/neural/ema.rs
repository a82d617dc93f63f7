use std::collections::HashMap;

use candle_core::{Tensor, Var};
use candle_nn::VarMap;

/// Exponential moving average of a set of weights, with the usual warm-up
/// (`decay_t = min(decay, (1 + t) / (10 + t))`) so the random initial weights do not linger in
/// the average of a short run: with a fixed 0.999, 2000 steps still carry 13 % of the start.
pub struct Ema {
    decay: f64,
    updates: usize,
    /// `(name, live weights, average)`, sorted by name.
    entries: Vec<(String, Var, Tensor)>,
}

impl Ema {
    /// Starts the average at the current weights of every variable in `vars`.
    pub fn new(vars: &VarMap, decay: f64) -> candle_core::Result<Self> {
        let store = vars.data().lock().expect("VarMap lock poisoned");
        let mut entries: Vec<(String, Var, Tensor)> = store
            .iter()
            .map(|(name, var)| Ok((name.clone(), var.clone(), var.as_tensor().detach().copy()?)))
            .collect::<candle_core::Result<_>>()?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Ema { decay, updates: 0, entries })
    }

    /// Moves the average towards the live weights.
    pub fn update(&mut self) -> candle_core::Result<()> {
        self.updates += 1;
        let t = self.updates as f64;
        let decay = self.decay.min((1.0 + t) / (10.0 + t));
        for (_, var, avg) in &mut self.entries {
            *avg = ((&*avg * decay)? + (var.as_tensor().detach() * (1.0 - decay))?)?;
        }
        Ok(())
    }

    /// The averaged weights by name.
    pub fn tensors(&self) -> HashMap<String, Tensor> {
        self.entries.iter().map(|(n, _, t)| (n.clone(), t.clone())).collect()
    }
}
