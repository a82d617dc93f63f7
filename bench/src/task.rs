//! What a cell runs on, by the name `compare --datasets` takes: a synthetic pair (fresh samples
//! from its samplers, exact ground truth where it has one) or a real-data task (fixed training
//! and held-out points, scored by sample metrics).

use std::sync::Arc;

use anyhow::{Result, anyhow};
use eot_datasets::{BenchmarkPair, PAIRS, PairDims, pair_by_name};

use crate::tasks::{Prepared, RealTask, TASKS, prepare, task_by_name};

/// A dataset of the comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Task {
    /// A synthetic pair of `eot_datasets` (`gaussian`, `gmm`, `swiss-roll`), built per (D, eps).
    Synthetic {
        /// Its name.
        name: &'static str,
        /// The dimensions it exists in.
        dims: PairDims,
    },
    /// A real-data task in its own space, of its own dimension.
    Real(&'static RealTask),
}

impl Task {
    /// The task called `name`; an unknown name lists every known one.
    pub fn by_name(name: &str) -> Result<Task> {
        if let Some(&(name, dims)) = PAIRS.iter().find(|(n, _)| *n == name) {
            return Ok(Task::Synthetic { name, dims });
        }
        task_by_name(name).map(Task::Real).ok_or_else(|| {
            anyhow!("unknown dataset '{name}' (known: {})", Task::names().join(", "))
        })
    }

    /// Every task's name: the synthetic pairs, then the real tasks.
    pub fn names() -> Vec<&'static str> {
        PAIRS.iter().map(|(n, _)| *n).chain(TASKS.iter().map(|t| t.name)).collect()
    }

    /// Its name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Task::Synthetic { name, .. } => name,
            Task::Real(t) => t.name,
        }
    }

    /// The dimensions a grid asking for `dims` runs it at: a real task has its own one; a pair
    /// runs at those of `dims` it exists in.
    pub fn dims(&self, dims: &[usize]) -> Vec<usize> {
        match self {
            Task::Real(t) => vec![t.dim],
            Task::Synthetic { dims: exists, .. } => {
                dims.iter().copied().filter(|&d| exists.contains(d)).collect()
            }
        }
    }

    /// The synthetic pair at (D, eps); `None` for a real task.
    pub fn pair(&self, dim: usize, eps: f64) -> Result<Option<Box<dyn BenchmarkPair>>> {
        match self {
            Task::Synthetic { name, .. } => Ok(Some(pair_by_name(name, dim, eps)?)),
            Task::Real(_) => Ok(None),
        }
    }

    /// The real task's data and networks (fetched and trained on first use); `None` for a pair.
    pub fn prepared(&self) -> Result<Option<Arc<Prepared>>> {
        match self {
            Task::Real(t) => Ok(Some(prepare(t)?)),
            Task::Synthetic { .. } => Ok(None),
        }
    }

    /// Whether it is a real-data task (no ground truth; sample-metric summaries).
    pub fn is_real(&self) -> bool {
        matches!(self, Task::Real(_))
    }
}

/// Whether `dataset` names a real-data task.
pub fn is_real(dataset: &str) -> bool {
    Task::by_name(dataset).is_ok_and(|t| t.is_real())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_know_their_dimensions() {
        let dims = [2, 16];
        assert_eq!(Task::by_name("gmm").unwrap().dims(&dims), vec![2, 16]);
        assert_eq!(Task::by_name("swiss-roll").unwrap().dims(&dims), vec![2]);
        assert_eq!(Task::by_name("swiss-roll").unwrap().dims(&[16]), Vec::<usize>::new());
        assert_eq!(Task::by_name("pbmc-mono-dc").unwrap().dims(&dims), vec![50]);
        let err = Task::by_name("mnist").unwrap_err().to_string();
        assert!(err.contains("gaussian, gmm, gmm-fresh, swiss-roll, mnist-2to3"), "{err}");
    }
}
