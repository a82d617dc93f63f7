//! Training progress for whoever shows it (`compare`'s progress bar). Solvers report each step
//! here; with no observer installed a report costs one atomic load. Process-wide, because a
//! solver is built from string options and has no other channel back to the binary running it.

use std::sync::{Arc, RwLock};

/// Called with (solver name, steps done, steps in all).
pub type Observer = Arc<dyn Fn(&str, usize, usize) + Send + Sync>;

static OBSERVER: RwLock<Option<Observer>> = RwLock::new(None);

/// Installs `observer` (replacing any other); `None` removes it.
pub fn observe(observer: Option<Observer>) {
    *OBSERVER.write().unwrap_or_else(|e| e.into_inner()) = observer;
}

/// Reports that `solver` has done `done` of `total` training steps.
pub fn report(solver: &str, done: usize, total: usize) {
    let observer = OBSERVER.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(f) = observer {
        f(solver, done, total);
    }
}
