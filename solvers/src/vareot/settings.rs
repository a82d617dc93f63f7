use std::path::PathBuf;

pub use super::proposal::TargetProposal;

use crate::neural::{InferenceSettings, MlpShape, NetSettings, TrainerSettings};
use crate::settings::{Limit, Rule, Settings, Visitor};
use crate::{SolverError, choice};

choice! {
    /// What the potential network is added to.
    pub enum Base {
        /// The fixed quadratic `eps log N(y | m, C)` of the target's fitted Gaussian (see
        /// [`crate::neural::QuadraticBase`]): the potential falls off in every direction.
        Gaussian = "gaussian",
        /// The authors' plain MLP.
        None = "none",
    }
}

/// Settings of [`super::VarEotSolver`]; every key and range is declared in [`Settings::visit`]
/// below. Defaults are the authors' (docs/design.md §3.1) except the CPU-sized `steps`, `batch`
/// and `proposals`, the proposal mixture, the Gaussian base, the clip and the sampler's steps
/// (docs/solvers/vareot.md says why; each was measured on the benchmark grid).
#[derive(Clone, Debug, PartialEq)]
pub struct VarEotSettings {
    /// Both networks' architecture (authors: 256, 256, 256, SiLU).
    pub net: NetSettings,
    /// Training steps (authors: 5000; default 1000).
    pub steps: usize,
    /// Source and target points per step (authors: 256; default 128).
    pub batch: usize,
    /// Gaussian proposals `z` per source point, K (authors: 256; default 64).
    pub proposals: usize,
    /// Share of the K proposals drawn from `target_proposal`'s Gaussian instead of
    /// `N(x, eps I)`, with importance weights so the estimate stays unbiased (see
    /// `proposal.rs`; authors: 0).
    pub target_proposals: f64,
    /// The Gaussian that share is drawn from: `marginal`, the target's fitted Gaussian, or
    /// `plan`, the conditional of the Gaussian EOT plan between the fitted source and target
    /// Gaussians (see `proposal.rs`).
    pub target_proposal: TargetProposal,
    /// What the potential network is added to (default `gaussian`).
    pub base: Base,
    /// AdamW, clipping and EMA (authors: lr 3e-4, betas (0.7, 0.8), weight decay 1e-4, clip 1,
    /// EMA 0.999; the default clips at 10).
    pub trainer: TrainerSettings,
    /// Hold the learning rate for the first half of `steps`, then decay it by a cosine to 1 %
    /// (as LightSB does; default off, the authors use a constant rate).
    pub lr_decay: bool,
    /// Largest exponent `log mean_k exp(f/eps) - xi` taken exactly; beyond it the exponential
    /// continues as its tangent line (finite, still pushing `xi` up). Authors: a clamp at 20..30.
    pub clamp: f64,
    /// How the fitted plan samples (the guided sampler by default; with `sampler=mala`, 600
    /// steps per draw: chains from `y = x` cross slowly between the well-separated modes of a
    /// conditional at large eps; the shared default is 200, the authors run 1000 unadjusted).
    pub inference: InferenceSettings,
    /// Write the trained networks here (safetensors).
    pub save: Option<PathBuf>,
    /// Skip training and use the networks in this checkpoint.
    pub load: Option<PathBuf>,
    /// Print progress to stderr every 10 % of the steps.
    pub progress: bool,
    /// Device for training and inference (`cpu`, `cuda`, `cuda:N`).
    pub device: String,
}

impl Default for VarEotSettings {
    fn default() -> Self {
        VarEotSettings {
            net: NetSettings::default(),
            steps: 1000,
            batch: 128,
            proposals: 64,
            target_proposals: 0.5,
            target_proposal: TargetProposal::Plan,
            base: Base::Gaussian,
            trainer: TrainerSettings {
                learning_rate: 3e-4,
                beta1: 0.7,
                beta2: 0.8,
                weight_decay: 1e-4,
                clip: Limit::Value(10.0),
                ema_decay: 0.999,
                time_budget: Limit::None,
                early_stop: None,
                early_stop_every: 50,
            },
            lr_decay: false,
            clamp: 30.0,
            inference: InferenceSettings { langevin_steps: 600, ..InferenceSettings::default() },
            save: None,
            load: None,
            progress: false,
            device: "cpu".into(),
        }
    }
}

/// The largest clamp whose `exp` is finite in float64, with a margin for the tangent's slope.
const MAX_CLAMP: f64 = 700.0;

impl Settings for VarEotSettings {
    fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        use Rule::*;
        self.net.visit(v)?;
        v.field("steps", &mut self.steps, AtLeastOne, "training steps (authors: 5000)")?;
        v.field(
            "batch",
            &mut self.batch,
            AtLeastOne,
            "source and target points per step (authors: 256)",
        )?;
        v.field(
            "proposals",
            &mut self.proposals,
            AtLeastOne,
            "proposals K per source point (authors: 256)",
        )?;
        v.field("target_proposals", &mut self.target_proposals, Fraction, "share of the K proposals drawn from target_proposal's Gaussian instead of N(x, eps I), importance-weighted (authors: 0)")?;
        v.field("target_proposal", &mut self.target_proposal, Any, "that Gaussian: plan (the conditional of the Gaussian EOT plan between the fitted source and target) or marginal (the target's fitted Gaussian)")?;
        v.field("base", &mut self.base, Any, "gaussian: the potential is the MLP plus the fixed eps log N(y | m, C) of the target's fitted Gaussian; none: the authors' plain MLP")?;
        self.trainer.visit(v)?;
        v.field(
            "lr_decay",
            &mut self.lr_decay,
            Any,
            "hold the learning rate for half the steps, then a cosine decay to 1 %",
        )?;
        v.field("clamp", &mut self.clamp, PositiveUpTo(MAX_CLAMP), "largest exponent taken exactly in the loss; past it the exponential continues as its tangent")?;
        v.field("device", &mut self.device, Device, "device for training and inference")?;
        self.inference.visit(v)?;
        v.field(
            "save",
            &mut self.save,
            Any,
            "write the trained networks and settings here (safetensors)",
        )?;
        v.field(
            "load",
            &mut self.load,
            Any,
            "skip training and use the networks of this checkpoint (same D and eps)",
        )?;
        v.field("progress", &mut self.progress, Any, "print the loss every 10 % of the steps")
    }
}

impl VarEotSettings {
    /// The shape of both networks for inputs of dimension `dim`.
    pub fn shape(&self, dim: usize) -> MlpShape {
        self.net.shape(dim)
    }
}
