use crate::settings::{Auto, Rule, Settings, Visitor, word_or_number};
use crate::{SolverError, choice};

choice! {
    /// Shape of the matrices `S_k`.
    pub enum Covariance {
        /// `S_k` diagonal (the authors' default): D parameters per component.
        Diagonal = "diagonal",
        /// `S_k = L_k L_k^T` full: D(D+1)/2 parameters per component.
        Full = "full",
    }
}

/// How far apart the initial `r_k` start: a fraction of the target's spread around a common
/// centre, or `authors` (`r_k` at target samples). See the notes on the initial `r` in
/// `model.rs`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InitSpread {
    /// The authors' start: `r_k` at target samples.
    Authors,
    /// A fraction of the target's spread.
    Value(f64),
}

impl InitSpread {
    /// The fraction, or `None` for the authors' start.
    pub fn get(self) -> Option<f64> {
        match self {
            InitSpread::Authors => None,
            InitSpread::Value(v) => Some(v),
        }
    }
}

word_or_number!(InitSpread, "authors", Authors);

/// Settings of [`super::GmmSolver`]; every key, default and range is declared in
/// [`Settings::visit`] below.
#[derive(Clone, Debug, PartialEq)]
pub struct GmmSettings {
    /// Mixture components K (authors: 50).
    pub components: usize,
    /// Adam steps of each start (authors: 10,000).
    pub steps: usize,
    /// Mini-batch size for each of source and target (authors: 128).
    pub batch: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Initial diagonal of every `S_k`; `auto` is `1 / (1 + eps)` (see
    /// [`GmmSettings::initial_s`]).
    pub init_s: Auto,
    /// Where the centred start places the initial `r_k`.
    pub init_spread: InitSpread,
    /// Full training runs, alternating the centred start of `r` and the authors' start; the
    /// one with the lowest held-out loss is kept.
    pub starts: usize,
    /// Diagonal or full `S_k`.
    pub covariance: Covariance,
    /// Print progress to stderr every 10 % of the steps.
    pub progress: bool,
    /// Device for training (`cpu`, `cuda`, `cuda:N`).
    pub device: String,
}

impl Default for GmmSettings {
    fn default() -> Self {
        GmmSettings {
            components: 50,
            steps: 3_000,
            batch: 128,
            learning_rate: 1e-2,
            init_s: Auto::Auto,
            init_spread: InitSpread::Value(0.1),
            starts: 2,
            covariance: Covariance::Diagonal,
            progress: false,
            device: "cpu".into(),
        }
    }
}

impl Settings for GmmSettings {
    fn visit<V: Visitor>(&mut self, v: &mut V) -> Result<(), SolverError> {
        use Rule::*;
        v.field(
            "components",
            &mut self.components,
            AtLeastOne,
            "mixture components K (authors: 50)",
        )?;
        v.field(
            "steps",
            &mut self.steps,
            AtLeastOne,
            "Adam steps of each start (authors: 10,000; the last half decays the rate by a cosine)",
        )?;
        v.field(
            "batch",
            &mut self.batch,
            AtLeastOne,
            "source and target points per step (authors: 128)",
        )?;
        v.field("learning_rate", &mut self.learning_rate, Positive, "Adam learning rate")?;
        v.field("init_s", &mut self.init_s, Positive, "initial diagonal of every S_k; auto: 1/(1+eps), the S of a unit-covariance potential component (the authors' 1 starts components 10x too wide at eps = 10)")?;
        v.field("init_spread", &mut self.init_spread, NonNegative, "spread of the initial r_k around a common centre, as a fraction of the target's; authors: r_k at target samples")?;
        v.field("starts", &mut self.starts, AtLeastOne, "full training runs alternating the centred and the authors' start; the lowest held-out loss is kept")?;
        v.field(
            "covariance",
            &mut self.covariance,
            Any,
            "diagonal or full S_k (full: D(D+1)/2 parameters a component; better in D >= 64)",
        )?;
        v.field("progress", &mut self.progress, Any, "print the loss every 10 % of the steps")?;
        v.field("device", &mut self.device, Device, "device for training")
    }
}

impl GmmSettings {
    /// The initial diagonal of `S_k` at this eps: the given value, or `1 / (1 + eps)`, the `S`
    /// of a potential component with unit covariance (`S = (I + eps Sigma^{-1})^{-1}`). The
    /// authors' `S = I` is right only for small eps: at eps = 10 it starts every component 10x
    /// too wide and all but one die (docs/solvers/gmm.md).
    pub fn initial_s(&self, eps: f64) -> f64 {
        self.init_s.or_else(|| 1.0 / (1.0 + eps))
    }
}
