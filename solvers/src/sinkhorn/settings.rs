use crate::SolverError;
use crate::choice;
use crate::settings::{Rule, Settings, Visitor};

choice! {
    /// Floating-point precision of the Sinkhorn iterations.
    pub enum Precision {
        /// Every iteration in float64.
        F64 = "f64",
        /// Every iteration in float32 (the potentials are kept in float64).
        F32 = "f32",
        /// Float32 until the stopping rule is met or the error stalls, then float64 from there
        /// until the float64 check passes: the answer meets the rule in float64.
        Mixed = "mixed",
    }
}

choice! {
    /// Where the soft-min updates run.
    pub enum Backend {
        /// The fused kernel on the CPU, candle tensors on any other device.
        Auto = "auto",
        /// The fused CPU kernel: O(n + m) memory, all rayon threads.
        Fused = "fused",
        /// candle tensors on `device` (`cpu`, `cuda`, `cuda:N`), in row blocks.
        Tensor = "tensor",
    }
}

/// Settings of [`super::Sinkhorn`]; every key, default and range is declared in
/// [`Settings::visit`] below.
#[derive(Clone, Debug, PartialEq)]
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
    /// Adaptive over-relaxation of the updates (see `relax.rs`); off: plain Sinkhorn.
    pub overrelaxation: bool,
    /// Precision of the potentials and the kernel.
    pub precision: Precision,
    /// The fused CPU kernel or candle tensors.
    pub backend: Backend,
    /// Device of the tensor backend.
    pub device: String,
    /// Memory (MiB) the fused kernel may spend on the n x m dot products in D > 4, where reading
    /// them beats recomputing them; past it they are recomputed from the points and memory stays
    /// O(n + m). Default [`default_memory_budget_mib`]; 0 never caches.
    pub memory_budget_mib: usize,
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
            overrelaxation: true,
            precision: Precision::Mixed,
            backend: Backend::Auto,
            device: "cpu".into(),
            memory_budget_mib: default_memory_budget_mib(),
        }
    }
}

impl Settings for SinkhornSettings {
    fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        use Rule::*;
        v.field(
            "tolerance",
            &mut self.tolerance,
            Positive,
            "stop when the L2 column-marginal error |P^T 1 - b|_2 is below this (POT's rule)",
        )?;
        v.field(
            "check_every",
            &mut self.check_every,
            AtLeastOne,
            "iterations between two checks of the marginal error (POT: 10); each eps stage is also checked after its first iteration",
        )?;
        v.field(
            "max_iterations",
            &mut self.max_iterations,
            AtLeastOne,
            "iteration cap of the final eps stage; reaching it is reported as not converged",
        )?;
        v.field(
            "eps_scaling",
            &mut self.eps_scaling,
            Any,
            "geometric eps stages from the mean cost down to eps, each warm-starting the next",
        )?;
        v.field(
            "scaling_factor",
            &mut self.scaling_factor,
            OpenUnit,
            "ratio between consecutive eps stages",
        )?;
        v.field(
            "stage_tolerance",
            &mut self.stage_tolerance,
            Positive,
            "marginal error the intermediate stages stop at (they only warm-start)",
        )?;
        v.field(
            "stage_max_iterations",
            &mut self.stage_max_iterations,
            AtLeastOne,
            "iteration cap of each intermediate stage",
        )?;
        v.field(
            "overrelaxation",
            &mut self.overrelaxation,
            Any,
            "over-relaxed updates, weight 2/(1+sqrt(1-r)) from the error rate r of each stage's first plain iterations; same answer in fewer iterations (false: plain Sinkhorn)",
        )?;
        v.field(
            "precision",
            &mut self.precision,
            Any,
            "f64; f32 (the dual moves by ~1e-7 relative, and at small eps float32's error floor can stop the rule being met); mixed: f32 until the rule is met or the error stalls, then f64 from there until the f64 check passes")?;
        v.field("backend", &mut self.backend, Any, "fused: the O(n + m)-memory CPU kernel; tensor: candle tensors on --device; auto: fused on the CPU")?;
        v.field("device", &mut self.device, Device, "device of the tensor backend")?;
        v.field("memory_budget_mib", &mut self.memory_budget_mib, Any, "MiB the fused kernel may spend caching the n x m dot products when D > 4 (default: a quarter of physical memory, at most 2048; 0: never, memory stays O(n + m))")
    }

    fn check_together(&self) -> Result<(), SolverError> {
        if self.backend == Backend::Fused && self.device != "cpu" {
            return Err(SolverError::setting(
                "backend",
                format!(
                    "the fused kernel is CPU-only; device '{}' needs backend=tensor",
                    self.device
                ),
            ));
        }
        Ok(())
    }
}

/// A quarter of physical memory, at most 2048 MiB (1024 MiB where it cannot be read): enough to
/// cache the dot products of n = m = 16,000 points in f64, and a share a laptop can spare.
pub fn default_memory_budget_mib() -> usize {
    const CAP_MIB: usize = 2048;
    let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<usize>().ok()
    });
    match total_kib {
        Some(kib) => (kib / 1024 / 4).min(CAP_MIB),
        None => 1024,
    }
}

impl SinkhornSettings {
    /// The backend that runs: `auto` resolved by the device.
    pub fn resolved_backend(&self) -> Backend {
        match (self.backend, self.device.as_str()) {
            (Backend::Auto, "cpu") => Backend::Fused,
            (Backend::Auto, _) => Backend::Tensor,
            (b, _) => b,
        }
    }
}
