use crate::options::{require_nonzero, require_positive};
use crate::{Options, SolverError};

/// Floating-point precision of the Sinkhorn iterations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    F64,
    F32,
}

/// Where the soft-min updates run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The fused CPU kernel: O(n + m) memory, all rayon threads.
    Fused,
    /// candle tensors on the named device (`cpu`, `cuda`, `cuda:N`), in row blocks.
    Tensor { device: String },
}

/// Settings of [`super::Sinkhorn`]; [`SinkhornSettings::validate`] refuses bad values.
#[derive(Clone, Debug)]
pub struct SinkhornSettings {
    /// Stop when `|P^T 1 - b|_2 < tolerance` (POT's rule and default).
    pub tolerance: f64,
    /// Check the marginal error every this many iterations (POT: 10).
    pub check_every: usize,
    /// Iteration cap for the final eps stage; reaching it is reported as non-convergence.
    pub max_iterations: usize,
    /// Geometric eps-scaling from the cost scale down to eps, with warm starts.
    pub eps_scaling: bool,
    /// Ratio between consecutive eps stages, in (0, 1).
    pub scaling_factor: f64,
    /// Marginal-error target of the intermediate stages (they only need a warm start).
    pub stage_tolerance: f64,
    /// Iteration cap of each intermediate stage.
    pub stage_max_iterations: usize,
    pub precision: Precision,
    pub backend: Backend,
    /// Memory (MiB) the fused kernel may spend caching the n x m dot products in D >= 8, where
    /// reading them beats recomputing them (1.7x per iteration at n = 4000, D = 64). Default 0:
    /// nothing n x m is ever stored and memory stays O(n + m); caching is an opt-in trade.
    pub cost_cache_mib: usize,
}

impl Default for SinkhornSettings {
    fn default() -> Self {
        SinkhornSettings {
            tolerance: 1e-6,
            check_every: 10,
            max_iterations: 10_000,
            eps_scaling: true,
            scaling_factor: 0.5,
            stage_tolerance: 1e-3,
            stage_max_iterations: 200,
            precision: Precision::F64,
            backend: Backend::Fused,
            cost_cache_mib: 0,
        }
    }
}

const KNOWN: &[&str] = &[
    "tolerance",
    "check_every",
    "max_iterations",
    "eps_scaling",
    "scaling_factor",
    "stage_tolerance",
    "stage_max_iterations",
    "precision",
    "backend",
    "device",
    "cost_cache_mib",
];

impl SinkhornSettings {
    /// Reads `tolerance`, `check_every`, `max_iterations`, `eps_scaling` (true/false),
    /// `scaling_factor`, `stage_tolerance`, `stage_max_iterations`, `cost_cache_mib`, `precision` (f64/f32),
    /// `backend` (fused/tensor) and `device` (cpu/cuda[:N]; `cuda` implies the tensor backend).
    pub fn from_options(mut o: Options) -> Result<Self, SolverError> {
        let d = SinkhornSettings::default();
        let precision = match o.take("precision", "f64".to_string())?.as_str() {
            "f64" => Precision::F64,
            "f32" => Precision::F32,
            other => {
                return Err(SolverError::setting(
                    "precision",
                    format!("'{other}': expected f64 or f32"),
                ));
            }
        };
        let device: String = o.take("device", "cpu".to_string())?;
        let default_backend = if device == "cpu" { "fused" } else { "tensor" };
        let backend = match o.take("backend", default_backend.to_string())?.as_str() {
            "fused" if device == "cpu" => Backend::Fused,
            "fused" => {
                return Err(SolverError::setting(
                    "backend",
                    format!("the fused kernel is CPU-only; device '{device}' needs backend=tensor"),
                ));
            }
            "tensor" => Backend::Tensor { device },
            other => {
                return Err(SolverError::setting(
                    "backend",
                    format!("'{other}': expected fused or tensor"),
                ));
            }
        };
        let s = SinkhornSettings {
            tolerance: o.take("tolerance", d.tolerance)?,
            check_every: o.take("check_every", d.check_every)?,
            max_iterations: o.take("max_iterations", d.max_iterations)?,
            eps_scaling: o.take("eps_scaling", d.eps_scaling)?,
            scaling_factor: o.take("scaling_factor", d.scaling_factor)?,
            stage_tolerance: o.take("stage_tolerance", d.stage_tolerance)?,
            stage_max_iterations: o.take("stage_max_iterations", d.stage_max_iterations)?,
            precision,
            backend,
            cost_cache_mib: o.take("cost_cache_mib", d.cost_cache_mib)?,
        };
        o.finish("sinkhorn", KNOWN)?;
        s.validate()?;
        Ok(s)
    }

    /// Refuses non-positive tolerances, zero iteration counts and a scaling factor outside (0, 1).
    pub fn validate(&self) -> Result<(), SolverError> {
        require_positive("tolerance", self.tolerance)?;
        require_positive("stage_tolerance", self.stage_tolerance)?;
        require_nonzero("check_every", self.check_every)?;
        require_nonzero("max_iterations", self.max_iterations)?;
        require_nonzero("stage_max_iterations", self.stage_max_iterations)?;
        if let Backend::Tensor { device } = &self.backend {
            crate::check_device_name(device)?;
        }
        if !(self.scaling_factor > 0.0 && self.scaling_factor < 1.0) {
            return Err(SolverError::setting(
                "scaling_factor",
                format!("must be in (0, 1), got {}", self.scaling_factor),
            ));
        }
        Ok(())
    }

    /// Every setting as `(key, value)`, for reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        let (backend, device) = match &self.backend {
            Backend::Fused => ("fused", "cpu"),
            Backend::Tensor { device } => ("tensor", device.as_str()),
        };
        let precision = match self.precision {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        };
        [
            ("tolerance", self.tolerance.to_string()),
            ("check_every", self.check_every.to_string()),
            ("max_iterations", self.max_iterations.to_string()),
            ("eps_scaling", self.eps_scaling.to_string()),
            ("scaling_factor", self.scaling_factor.to_string()),
            ("stage_tolerance", self.stage_tolerance.to_string()),
            ("stage_max_iterations", self.stage_max_iterations.to_string()),
            ("precision", precision.to_string()),
            ("backend", backend.to_string()),
            ("device", device.to_string()),
            ("cost_cache_mib", self.cost_cache_mib.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}
