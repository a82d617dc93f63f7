use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle_core::{Device, Tensor};

use crate::SolverError;

/// Trained weights with the settings needed to rebuild the networks, in one safetensors file
/// (the settings in its string metadata).
pub struct Checkpoint {
    /// Weights by name.
    pub tensors: HashMap<String, Tensor>,
    /// Settings and provenance, as text.
    pub meta: BTreeMap<String, String>,
}

impl Checkpoint {
    /// Writes the checkpoint to `path`.
    pub fn save(&self, path: &Path) -> Result<(), SolverError> {
        let meta: HashMap<String, String> = self.meta.clone().into_iter().collect();
        let mut named: Vec<(&String, &Tensor)> = self.tensors.iter().collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        safetensors::serialize_to_file(named, Some(meta), path)
            .map_err(|e| SolverError::Input(format!("writing checkpoint {}: {e}", path.display())))
    }

    /// Reads a checkpoint written by [`Checkpoint::save`].
    pub fn load(path: &Path, device: &Device) -> Result<Self, SolverError> {
        let fail = |e: String| SolverError::Input(format!("checkpoint {}: {e}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let (_, header) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| fail(e.to_string()))?;
        let meta = header.metadata().clone().unwrap_or_default().into_iter().collect();
        let tensors = candle_core::safetensors::load_buffer(&bytes, device)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Checkpoint { tensors, meta })
    }

    /// The metadata value `key`, or an error naming the file's missing key.
    pub fn get(&self, key: &str) -> Result<&str, SolverError> {
        self.meta
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| SolverError::Input(format!("checkpoint metadata lacks '{key}'")))
    }
}
