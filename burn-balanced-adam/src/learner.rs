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

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use thiserror::Error;

use crate::t_es::ValidationPoint;

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

/// What the recorder has seen so far.
#[derive(Debug, Default)]
struct Recorded {
    metric_id: Option<MetricId>,
    grads_accumulation: usize,
    first_epoch: Option<usize>,
    iterations_this_epoch: usize,
    updates: u64,
    valid_loss: Option<f64>,
    points: Vec<ValidationPoint>,
    epochs: Vec<usize>,
    /// Each epoch's mean of the metric, per split, for Burn's checkpointing and early stopping.
    finals: Vec<(Split, usize, f64)>,
}

/// A `MetricLogger` for Burn's `SupervisedTraining` that keeps the validation loss of every
/// epoch against the number of optimizer updates done before it (module docs: how updates are
/// counted). It writes nothing: register Burn's `FileMetricLogger` beside it if you want the
/// usual files (registering any logger replaces Burn's default one). It answers Burn's
/// checkpointing and early stopping for its own metric, so it also works alone.
pub struct ValidationRecorder {
    metric: String,
    state: Arc<Mutex<Recorded>>,
}

/// A handle on what a [`ValidationRecorder`] recorded; clone it freely.
#[derive(Clone, Debug)]
pub struct ValidationLog {
    metric: String,
    state: Arc<Mutex<Recorded>>,
}

impl ValidationRecorder {
    /// A recorder of Burn's `Loss` metric, without gradient accumulation.
    pub fn new() -> (Self, ValidationLog) {
        Self::with_options(LOSS_METRIC, 1).expect("1 is a valid accumulation")
    }

    /// A recorder of `metric` (as Burn names it, e.g. `"Loss"`) for a run that accumulates
    /// `grads_accumulation` batches per optimizer update (the value given to
    /// `SupervisedTraining::grads_accumulation`, 1 without).
    pub fn with_options(
        metric: &str,
        grads_accumulation: usize,
    ) -> Result<(Self, ValidationLog), TrajectoryError> {
        if grads_accumulation == 0 {
            return Err(TrajectoryError::ZeroAccumulation);
        }
        let state = Arc::new(Mutex::new(Recorded {
            grads_accumulation,
            ..Recorded::default()
        }));
        let log = ValidationLog {
            metric: metric.to_string(),
            state: state.clone(),
        };
        Ok((
            Self {
                metric: metric.to_string(),
                state,
            },
            log,
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The numeric entry of `id` in `update`, if it has one.
fn entry_of(update: &MetricsUpdate, id: &MetricId) -> Option<NumericEntry> {
    update
        .entries_numeric
        .iter()
        .find(|entry| &entry.entry.metric_id == id)
        .and_then(|entry| entry.numeric_entry.clone())
}

impl MetricLogger for ValidationRecorder {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let mut state = self.lock();
        let Some(id) = state.metric_id.clone() else {
            return;
        };
        let Some(entry) = entry_of(&update, &id) else {
            return;
        };
        state.first_epoch.get_or_insert(epoch);
        // The end-of-epoch update carries the epoch's mean; every other one is a batch.
        if let NumericEntry::Final(mean) = entry {
            state.finals.push((split.clone(), epoch, mean));
        }
        match (split, entry) {
            (Split::Train, NumericEntry::Final(_)) => {}
            (Split::Train, _) => state.iterations_this_epoch += 1,
            (Split::Valid, NumericEntry::Final(loss)) => state.valid_loss = Some(loss),
            _ => {}
        }
    }

    /// The epoch's mean of the recorded metric (what Burn's checkpointing and early stopping
    /// ask for); other metrics are left to the other loggers, which Burn asks in turn.
    fn read_numeric(
        &mut self,
        name: &str,
        epoch: usize,
        split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        let state = self.lock();
        state
            .finals
            .iter()
            .rev()
            .find(|(s, e, _)| name == self.metric && s == split && *e == epoch)
            .map(|&(_, _, mean)| vec![NumericEntry::Final(mean)])
            .ok_or_else(|| {
                format!("ValidationRecorder has no {split} value of {name} for epoch {epoch}")
            })
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        if definition.name.as_str() == self.metric {
            self.lock().metric_id = Some(definition.metric_id);
        }
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        let mut state = self.lock();
        match summary.split {
            Split::Train => {
                let k = state.grads_accumulation as u64;
                let iterations = std::mem::take(&mut state.iterations_this_epoch) as u64;
                state.updates += iterations.div_ceil(k);
            }
            Split::Valid => {
                if let Some(loss) = state.valid_loss.take() {
                    let update = state.updates;
                    state.points.push(ValidationPoint { update, loss });
                    state.epochs.push(summary.epoch_number);
                }
            }
            Split::Test(_) => {}
        }
    }
}

impl ValidationLog {
    /// The validation trajectory so far: one point per finished validation, indexed by optimizer
    /// updates. An error if the run logged no `metric` on validation, or started at an epoch
    /// after the first (a resumed run: this recorder did not see the earlier epochs; read the
    /// artifact directory with [`read_validation_log`] instead).
    pub fn trajectory(&self) -> Result<Vec<ValidationPoint>, TrajectoryError> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(first) = state.first_epoch.filter(|&epoch| epoch != 1) {
            return Err(TrajectoryError::Incomplete(format!(
                "the recorder first saw epoch {first}: the run resumed from a checkpoint, so the \
                 updates of epochs 1–{} are unknown to it; read the artifact directory with \
                 read_validation_log instead",
                first - 1
            )));
        }
        if state.points.is_empty() {
            let why = if state.metric_id.is_none() {
                format!(
                    "no metric named {:?} was registered (register Burn's LossMetric on \
                     validation, e.g. `.metrics((LossMetric::new(),))`)",
                    self.metric
                )
            } else {
                format!("no validation of {:?} has finished yet", self.metric)
            };
            return Err(TrajectoryError::Incomplete(why));
        }
        Ok(state.points.clone())
    }

    /// The epoch number of each point of [`trajectory`](Self::trajectory).
    pub fn epochs(&self) -> Vec<usize> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .epochs
            .clone()
    }
}

/// Reads the validation trajectory of `metric` from a Burn artifact directory written by Burn's
/// `FileMetricLogger`, for a run with `grads_accumulation` batches per optimizer update (1
/// without). Strict: every epoch `1..=N` must have both logs, every line must be a value Burn
/// writes, and each validation log must end with its epoch's `final` line; anything else is an
/// error naming the file and line.
///
/// ```no_run
/// use burn_balanced_adam::learner::{read_validation_log, LOSS_METRIC};
/// let trajectory = read_validation_log("artifacts/pilot", LOSS_METRIC, 1)?;
/// # Ok::<(), burn_balanced_adam::learner::TrajectoryError>(())
/// ```
pub fn read_validation_log(
    dir: impl AsRef<Path>,
    metric: &str,
    grads_accumulation: usize,
) -> Result<Vec<ValidationPoint>, TrajectoryError> {
    if grads_accumulation == 0 {
        return Err(TrajectoryError::ZeroAccumulation);
    }
    let dir = dir.as_ref();
    let file = format!("{}.log", metric.replace(' ', "_"));
    let train_epochs = epochs_in(&dir.join("train"))?;
    let valid_epochs = epochs_in(&dir.join("valid"))?;
    if valid_epochs.is_empty() {
        return Err(TrajectoryError::Missing {
            path: dir.join("valid"),
            why: "no validation epoch (`epoch-N` directory) was logged".into(),
        });
    }
    let last = *valid_epochs.last().expect("non-empty");
    let mut updates = 0u64;
    let mut points = Vec::with_capacity(valid_epochs.len());
    for epoch in 1..=last {
        let train = dir.join("train").join(format!("epoch-{epoch}")).join(&file);
        if !train_epochs.contains(&epoch) {
            return Err(missing(&train, "this epoch's training log is missing"));
        }
        let iterations = read_entries(&train)?
            .iter()
            .filter(|entry| !matches!(entry, NumericEntry::Final(_)))
            .count() as u64;
        updates += iterations.div_ceil(grads_accumulation as u64);
        let valid = dir.join("valid").join(format!("epoch-{epoch}")).join(&file);
        if !valid_epochs.contains(&epoch) {
            return Err(missing(&valid, "this epoch's validation log is missing"));
        }
        match read_entries(&valid)?.last() {
            Some(NumericEntry::Final(loss)) => points.push(ValidationPoint {
                update: updates,
                loss: *loss,
            }),
            _ => {
                return Err(missing(
                    &valid,
                    "no `final` line: the validation of this epoch did not finish",
                ));
            }
        }
    }
    Ok(points)
}

fn missing(path: &Path, why: &str) -> TrajectoryError {
    TrajectoryError::Missing {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

/// The `N` of the `epoch-N` directories under `split_dir`, ascending.
fn epochs_in(split_dir: &Path) -> Result<Vec<usize>, TrajectoryError> {
    let io = |source| TrajectoryError::Io {
        path: split_dir.to_path_buf(),
        source,
    };
    if !split_dir.is_dir() {
        return Err(missing(split_dir, "not a directory of Burn metric logs"));
    }
    let mut epochs = Vec::new();
    for entry in fs::read_dir(split_dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if let Some(epoch) = name
            .to_str()
            .and_then(|name| name.strip_prefix("epoch-"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            epochs.push(epoch);
        }
    }
    epochs.sort_unstable();
    Ok(epochs)
}

/// Every line of a Burn numeric metric log, parsed strictly.
fn read_entries(path: &Path) -> Result<Vec<NumericEntry>, TrajectoryError> {
    let text = fs::read_to_string(path).map_err(|source| TrajectoryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut entries = Vec::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        // Burn ends every line with a newline: only the text after the last one may be empty.
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        let malformed = |why: String| TrajectoryError::Malformed {
            path: path.to_path_buf(),
            line: index + 1,
            text: line.to_string(),
            why,
        };
        if !text.ends_with('\n') && lines.peek().is_none() {
            return Err(malformed(
                "the last line is not terminated (half-written?)".into(),
            ));
        }
        // NaN and inf parse: a diverged run's losses are values, which T_ES ranks last.
        entries.push(NumericEntry::deserialize(line).map_err(malformed)?);
    }
    if entries.is_empty() {
        return Err(missing(path, "the log is empty"));
    }
    Ok(entries)
}
