//! VarEOT's networks in a safetensors file, with the settings that shaped them.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{DType, Device};

use super::VarEotSettings;
use crate::neural::parse_widths;
use crate::neural::{Checkpoint, Mlp, MlpShape, Networks, QuadraticBase};
use crate::{FitReport, Settings, SolverError};

const FORMAT: &str = "eot-suite vareot 1";
/// The potential's fixed quadratic, when it has one (absent from older files: none).
const BASE_MEAN: &str = "f.base.mean";
const BASE_PRECISION: &str = "f.base.precision";

/// Writes the EMA networks of `t` and the settings to `path`.
pub(super) fn save(
    path: &Path,
    s: &VarEotSettings,
    t: &Networks,
    dim: usize,
    eps: f64,
    seed: u64,
) -> Result<(), SolverError> {
    let mut tensors = std::collections::HashMap::new();
    let shape = s.shape(dim);
    let xi =
        t.xi.as_ref().ok_or_else(|| SolverError::Input("VarEOT networks without xi".into()))?;
    for (prefix, net) in [("f", &t.f), ("xi", xi)] {
        for (name, tensor) in shape.names(prefix).into_iter().zip(net.weights()) {
            tensors.insert(name, tensor.clone());
        }
    }
    if let Some(base) = t.f.base() {
        tensors.insert(BASE_MEAN.into(), base.mean.clone());
        tensors.insert(BASE_PRECISION.into(), base.precision.clone());
    }
    let mut meta: BTreeMap<String, String> = s.describe().into_iter().collect();
    meta.insert("format".into(), FORMAT.into());
    meta.insert("dim".into(), dim.to_string());
    meta.insert("eps".into(), eps.to_string());
    meta.insert("seed".into(), seed.to_string());
    Checkpoint { tensors, meta }.save(path)
}

/// Reads networks saved by [`save`], refusing a file of another format, dimension or eps.
pub(super) fn load(
    path: &Path,
    dim: usize,
    eps: f64,
    device: &Device,
) -> Result<Networks, SolverError> {
    let c = Checkpoint::load(path, device)?;
    let wrong = |what: String| SolverError::Input(format!("checkpoint {}: {what}", path.display()));
    if c.get("format")? != FORMAT {
        return Err(wrong(format!("format '{}', expected '{FORMAT}'", c.get("format")?)));
    }
    let saved_dim: usize = c.get("dim")?.parse().map_err(|_| wrong("bad 'dim'".into()))?;
    let saved_eps: f64 = c.get("eps")?.parse().map_err(|_| wrong("bad 'eps'".into()))?;
    if saved_dim != dim {
        return Err(wrong(format!("trained in dimension {saved_dim}, data has {dim}")));
    }
    if saved_eps != eps {
        return Err(wrong(format!("trained at eps {saved_eps}, asked for eps {eps}")));
    }
    let shape = MlpShape {
        input: dim,
        hidden: parse_widths(c.get("hidden")?)?,
        activation: c.get("activation")?.parse().map_err(|e: String| wrong(e))?,
    };
    let base = match (c.tensors.get(BASE_MEAN), c.tensors.get(BASE_PRECISION)) {
        (Some(m), Some(p)) if m.dims() == [1, dim] && p.dims() == [dim, dim] => {
            Some(QuadraticBase {
                mean: m.to_dtype(DType::F32)?.to_device(device)?,
                precision: p.to_dtype(DType::F32)?.to_device(device)?,
            })
        }
        (None, None) => None,
        _ => return Err(wrong("a malformed potential base (f.base.*)".into())),
    };
    let f = Mlp::from_tensors(&shape, "f", &c.tensors, device)?.with_base(base);
    let xi = Mlp::from_tensors(&shape, "xi", &c.tensors, device)?;
    let note = format!(
        "loaded from {} (trained with seed {}, {} steps)",
        path.display(),
        c.get("seed")?,
        c.get("steps")?
    );
    let report = FitReport { iterations: 0, converged: true, final_error: None, notes: vec![note] };
    Ok(Networks { f, xi: Some(xi), report })
}
