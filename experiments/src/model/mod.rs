//! The three model families, sized by config, each implementing Burn's `TrainStep` (on weighted
//! training batches) and `InferenceStep` (on plain batches) so Burn's `Learner` can train it.

pub mod classifier;
mod cnn;
mod gpt;
mod vit;

pub use cnn::Cnn;
pub use gpt::Gpt;
pub use vit::Vit;
