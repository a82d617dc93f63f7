use crate::settings::{Auto, Rule, Settings, Visitor, word_or_number};
use crate::{SolverError, choice};

choice! {
    /// Shape of the matrices `S_k`.
    pub enum Covariance {
        /// Full up to [`FULL_COVARIANCE_MAX_DIM`] dimensions when the data is enough for it
        /// ([`GmmSettings::shape`]), diagonal otherwise.
        Auto = "auto",
        /// `S_k` diagonal (the authors' default): D parameters per component.
        Diagonal = "diagonal",
        /// `S_k = L_k L_k^T` full: D(D+1)/2 parameters per component.
        Full = "full",
    }
}

/// The largest dimension where `covariance=auto` is full. A full `S_k` costs O(D^2) a sample and
/// component, and a step O(B K D^2): about 2 min a fit at D = 128 on 2 cores (3000 steps, 10
/// components, 2 starts in parallel), growing 4-8x with every doubling of D beyond.
pub const FULL_COVARIANCE_MAX_DIM: usize = 128;

/// The shape of the `S_k` a fit uses: [`Covariance`] with `auto` resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Diagonal `S_k`.
    Diagonal,
    /// Full `S_k = L_k L_k^T`.
    Full,
}

impl Shape {
    /// The word `covariance=` takes for it.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Diagonal => Covariance::Diagonal.name(),
            Shape::Full => Covariance::Full.name(),
        }
    }
}

/// Values of data per parameter (points per side x D, over the weights, `r_k` and full `S_k` of
/// the mixture) below which `covariance=auto` stays diagonal on a fixed sample: a full mixture
/// overfits. Measured with 10 components at D = 64, eps = 0.1 (seed 0): on 2000 benchmark points
/// a side (6 values a parameter) full `S_k` scored 18.3 % cBW2-UVP against 8.4 % for the
/// authors' 50 diagonal ones; on 4000 points of the untuned pairs (12 a parameter) full won, 6.1
/// against 10.1 % (3 seeds). 8 lies between.
pub const MIN_VALUES_PER_FULL_PARAMETER: f64 = 8.0;

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
    /// one with the lowest loss on a fixed ranking batch is kept (fresh draws with a sampler,
    /// training rows on a fixed sample).
    pub starts: usize,
    /// Diagonal or full `S_k`, or `auto` (see [`GmmSettings::shape`]).
    pub covariance: Covariance,
    /// Print progress to stderr every 10 % of the steps.
    pub progress: bool,
    /// Device for training (`cpu`, `cuda`, `cuda:N`).
    pub device: String,
}

impl Default for GmmSettings {
    fn default() -> Self {
        GmmSettings {
            components: 10,
            steps: 3_000,
            batch: 128,
            learning_rate: 1e-2,
            init_s: Auto::Auto,
            init_spread: InitSpread::Value(0.1),
            starts: 2,
            covariance: Covariance::Auto,
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
            "mixture components K (authors: 50, with diagonal S_k)",
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
        v.field("starts", &mut self.starts, AtLeastOne, "full training runs alternating the centred and the authors' start; the lowest loss on a fixed batch is kept (fresh draws with a sampler, training rows on a fixed sample)")?;
        v.field(
            "covariance",
            &mut self.covariance,
            Any,
            "shape of S_k: full (D(D+1)/2 parameters a component), diagonal (D, the authors'), or auto: full up to D = 128 (its cost is O(D^2) a sample) unless a fixed sample has under 8 values (points x D) per parameter of a full mixture, diagonal otherwise",
        )?;
        v.field("progress", &mut self.progress, Any, "print the loss every 10 % of the steps")?;
        v.field("device", &mut self.device, Device, "device for training")
    }
}

impl GmmSettings {
    /// The shape of `S_k` a fit in `dim` dimensions uses: `covariance` with `auto` resolved.
    /// `fixed_points` is the smaller side of a fixed sample, `None` with unlimited draws.
    pub fn shape(&self, dim: usize, fixed_points: Option<usize>) -> Shape {
        match self.covariance {
            Covariance::Full => Shape::Full,
            Covariance::Diagonal => Shape::Diagonal,
            Covariance::Auto => {
                let enough = fixed_points.is_none_or(|n| {
                    self.values_per_full_parameter(dim, n) >= MIN_VALUES_PER_FULL_PARAMETER
                });
                if dim <= FULL_COVARIANCE_MAX_DIM && enough { Shape::Full } else { Shape::Diagonal }
            }
        }
    }

    /// `n D` over the parameters of a mixture of `components` full-covariance components in
    /// `dim` dimensions (each a weight, `r_k` and the `D (D + 1) / 2` of `S_k`).
    pub fn values_per_full_parameter(&self, dim: usize, n: usize) -> f64 {
        let per_component = 1 + dim + dim * (dim + 1) / 2;
        (n * dim) as f64 / (self.components * per_component) as f64
    }

    /// The initial diagonal of `S_k` at this eps: the given value, or `1 / (1 + eps)`, the `S`
    /// of a potential component with unit covariance (`S = (I + eps Sigma^{-1})^{-1}`). The
    /// authors' `S = I` is right only for small eps: at eps = 10 it starts every component 10x
    /// too wide and all but one die (docs/solvers/gmm.md).
    pub fn initial_s(&self, eps: f64) -> f64 {
        self.init_s.or_else(|| 1.0 / (1.0 + eps))
    }
}
