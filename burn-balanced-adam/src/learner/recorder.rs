//! The live path: a Burn `MetricLogger` that records the validation loss by optimizer update.

use std::sync::{Arc, Mutex, PoisonError};

use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};

use super::{LOSS_METRIC, TrajectoryError};
use crate::t_es::ValidationPoint;

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
    /// artifact directory with [`read_validation_log`](super::read_validation_log) instead).
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
