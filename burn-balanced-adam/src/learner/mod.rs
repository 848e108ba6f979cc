//! The validation trajectory of a run of Burn's own `Learner`, indexed by optimizer updates, for
//! the refresh rule ([`crate::refresh::RefreshRule::from_pilot`]); feature `train`.
//!
//! Two ways to get it:
//! - live: register a [`ValidationRecorder`] with `SupervisedTraining::with_metric_logger` and
//!   read its [`ValidationLog`] handle after (or during) training;
//! - after the fact: [`read_validation_log`] on the run's artifact directory, as Burn's
//!   `FileMetricLogger` wrote it (`train/epoch-N/Loss.log`, `valid/epoch-N/Loss.log`).
//!
//! **How updates are counted.** Burn's supervised loop runs one training iteration per batch
//! (one line of `train/epoch-N/Loss.log`, one training metrics update). With
//! `grads_accumulation(k)` it steps the optimizer every `k` iterations and once more at the
//! last batch of the epoch if a partial group is left, so an epoch of `n` iterations takes
//! `⌈n / k⌉` optimizer updates (`k = 1` without accumulation). The validation after epoch `e`
//! (any validation interval Burn calls an epoch) is the point
//! `(update = Σ_{i ≤ e} ⌈nᵢ / k⌉, loss = epoch e's validation mean)`: the loss Burn logs as the
//! epoch's `final` value. This is the single-device strategy; with several devices each device
//! steps on its own batches, and the count is per device.
//!
//! The README's lines, compiled (the scaffolding — a model, its data loaders — hidden):
//!
//! ```no_run
//! # use burn::data::dataloader::{DataLoaderBuilder, batcher::Batcher};
//! # use burn::data::dataset::InMemDataset;
//! # use burn::module::Module;
//! # use burn::nn::{Linear, LinearConfig};
//! # use burn::tensor::{Device, Tensor, TensorData};
//! # use burn::train::metric::LossMetric;
//! # use burn::train::{InferenceStep, Learner, RegressionOutput, SupervisedTraining, TrainOutput, TrainStep};
//! # #[derive(Module, Debug)] struct Model { linear: Linear }
//! # #[derive(Debug, Clone)] struct Batch { x: Tensor<2>, y: Tensor<2> }
//! # #[derive(Clone)] struct Points;
//! # impl Batcher<[f32; 2], Batch> for Points {
//! #     fn batch(&self, items: Vec<[f32; 2]>, device: &Device) -> Batch {
//! #         let n = items.len();
//! #         let x = items.iter().map(|p| p[0]).collect::<Vec<_>>();
//! #         let y = items.iter().map(|p| p[1]).collect::<Vec<_>>();
//! #         Batch { x: Tensor::from_data(TensorData::new(x, [n, 1]), device), y: Tensor::from_data(TensorData::new(y, [n, 1]), device) }
//! #     }
//! # }
//! # impl Model {
//! #     fn regress(&self, b: Batch) -> RegressionOutput {
//! #         let out = self.linear.forward(b.x);
//! #         RegressionOutput::new(out.clone().sub(b.y.clone()).square().mean().reshape([1]), out, b.y)
//! #     }
//! # }
//! # impl TrainStep for Model { type Input = Batch; type Output = RegressionOutput;
//! #     fn step(&self, b: Batch) -> TrainOutput<RegressionOutput> { let o = self.regress(b); TrainOutput::new(self, o.loss.backward(), o) } }
//! # impl InferenceStep for Model { type Input = Batch; type Output = RegressionOutput;
//! #     fn step(&self, b: Batch) -> RegressionOutput { self.regress(b) } }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let device = Device::flex().autodiff();
//! # let model = Model { linear: LinearConfig::new(1, 1).init(&device) };
//! # let points: Vec<[f32; 2]> = (0..64).map(|i| [i as f32, 2.0 * i as f32]).collect();
//! # let train = DataLoaderBuilder::new(Points).batch_size(8).build(InMemDataset::new(points.clone()));
//! # let valid = DataLoaderBuilder::new(Points).batch_size(8).build(InMemDataset::new(points));
//! # let lr = 1e-3;
//! use burn::train::logger::FileMetricLogger;
//! use burn_balanced_adam::{learner::ValidationRecorder, refresh::RefreshRule, BalancedAdamConfig};
//!
//! let rule = RefreshRule::default();                     // R₀ = 1000, pilot β = 0.94377, grid snap
//! let (recorder, log) = ValidationRecorder::new();       // a MetricLogger: (update, valid loss)
//! SupervisedTraining::new("runs/pilot", train, valid)
//!     .metrics((LossMetric::new(),))
//!     .with_metric_logger(FileMetricLogger::new("runs/pilot")) // keep Burn's log files too
//!     .with_metric_logger(recorder)
//!     .launch(Learner::new(model, BalancedAdamConfig::new().with_beta(rule.pilot_beta).try_init()?, lr));
//! let decision = rule.from_pilot(&log.trajectory()?)?;   // T_ES → β, with everything recorded
//! std::fs::write("runs/decision.json", serde_json::to_string_pretty(&decision)?)?;
//! let optim = BalancedAdamConfig::new().with_beta(decision.beta).try_init()?; // the main run's
//! # let _ = optim;
//! # Ok(())
//! # }
//! ```

mod files;
mod recorder;

use std::path::PathBuf;

use thiserror::Error;

pub use files::read_validation_log;
pub use recorder::{ValidationLog, ValidationRecorder};

/// The metric Burn's `LossMetric` logs under.
pub const LOSS_METRIC: &str = "Loss";

/// Why a validation trajectory could not be read.
#[derive(Debug, Error)]
pub enum TrajectoryError {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line of a metric log is not a value Burn writes.
    #[error("{}:{line}: {why} (found {text:?})", path.display())]
    Malformed {
        /// The log file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
        /// What is wrong with it.
        why: String,
    },
    /// Something the trajectory needs is not there.
    #[error("{}: {why}", path.display())]
    Missing {
        /// The file or directory.
        path: PathBuf,
        /// What is missing.
        why: String,
    },
    /// The recorder saw no complete validation, or saw a run resumed part-way.
    #[error("{0}")]
    Incomplete(String),
    /// `grads_accumulation` of 0.
    #[error("grads_accumulation must be ≥ 1 (1 = no accumulation), got 0")]
    ZeroAccumulation,
}
