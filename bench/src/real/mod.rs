//! Real-image tasks' networks: an autoencoder whose latent space the EOT solvers translate in,
//! a small classifier whose features score the translated images (FID- and LPIPS-proxies), and
//! a cache that keeps both trained networks on disk between runs.
//!
//! Images are one per row of [`eot_datasets::Points`] (pixels in [0, 1]); the networks compute
//! in float32 on a candle [`candle_core::Device`].

mod autoencoder;
mod cache;
mod classifier;
mod dense;
mod fingerprint;
mod perceptual;
mod tensors;
mod training;

pub use autoencoder::{Autoencoder, AutoencoderSettings};
pub use cache::{CacheOutcome, CachedNet, load_or_train, save};
pub use classifier::{Classifier, ClassifierSettings};
pub use fingerprint::TrainingData;
pub use perceptual::{fid_proxy_images, lpips_proxy_images};
pub use training::TrainReport;
