//! Building blocks of the neural solvers (VarEOT, and EgNOT after it), one implementation each:
//! the MLP ([`Mlp`]), the optimiser loop with gradient clipping, EMA and divergence guard
//! ([`Trainer`]), the unadjusted and Metropolis-adjusted Langevin samplers ([`langevin`], [`mala`]) and the self-normalised
//! importance sampler ([`snis`]) of the Gibbs conditional `mu_x^f`.
//!
//! Networks train in float32 (the cost is matrix products); sums of exponentials are taken in
//! float64 and in the log domain by the solvers.

mod activation;
mod bias;
mod checkpoint;
mod early_stop;
mod ema;
mod fit;
mod guide;
mod guided;
mod host_mlp;
mod inference;
mod langevin;
mod mala;
mod mlp;
mod net;
mod normals;
mod plan;
mod potential;
mod silu;
mod snis;
mod trainer;

pub use activation::Activation;
pub use checkpoint::Checkpoint;
pub use early_stop::{CHECK_POINTS, EarlyStop, Watch};
pub use ema::Ema;
pub(crate) use fit::run_to_end;
pub use fit::{Networks, NeuralAlgorithm, Training, fit};
pub use guide::Guide;
pub(crate) use guide::{plan_conditional, ridged_gaussian};
pub use guided::{Guided, guided};
pub use inference::{InferenceSettings, SamplerKind, auto_step};
pub use langevin::{Langevin, langevin};
pub use mala::{Mala, MalaDraws, mala};
pub use mlp::{Mlp, MlpShape, QuadraticBase};
pub use net::{NetSettings, parse_widths};
pub use normals::normals;
pub use plan::NeuralPlan;
pub use potential::{Potential, autograd_values_and_gradients};
pub use snis::{Snis, SnisDraws, snis};
pub use trainer::{Trainer, TrainerSettings};
