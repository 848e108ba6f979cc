//! TensorBoard event files, so `tensorboard --logdir DIR` overlays any set of runs: the live
//! [`TensorBoardLogger`] a run registers beside Burn's file logger (`<run>/tensorboard/`), the
//! test scalars written when a run ends, and [`convert`]: recorded runs (`summary.json`) and
//! plain Burn artifact directories as event files (what `experiments tensorboard` does).
//!
//! Steps are optimizer updates. Tags are `<split>/<metric>` with the metric in snake case
//! (`train/loss`, `valid/accuracy`, `test/perplexity`, `train/learning_rate`); accuracies are in
//! percent, as Burn reports them. The event format is written by the `tfrecord` crate.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use tfrecord::protobuf::event::What;
use tfrecord::{EventMeta, EventWriter, EventWriterConfig};

use super::{RunDir, RunSummary};
use crate::error::ExperimentError;

/// The folder of a run directory that holds its event files.
pub const DIR: &str = "tensorboard";

/// TensorBoard's tag for a Burn metric name: `Loss` → `loss`, `Learning Rate` →
/// `learning_rate` (runs of other characters become one `_`, none at the ends).
pub fn tag(split: &str, metric: &str) -> String {
    let words: Vec<String> = metric
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!("{split}/{}", words.join("_"))
}

pub(super) fn tf_error(path: &Path) -> impl Fn(tfrecord::Error) -> ExperimentError + '_ {
    move |source| ExperimentError::TensorBoard {
        path: path.to_path_buf(),
        source,
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The first event of every file: the format version TensorBoard checks.
pub(super) fn file_version(wall_time: f64) -> tfrecord::Event {
    let mut event = EventMeta::new(0, wall_time).build_empty();
    event.what = Some(What::FileVersion("brain.Event:2".into()));
    event
}

/// A new event file in `dir`, named the way TensorBoard finds them.
fn create(
    dir: &Path,
    suffix: &str,
) -> Result<(EventWriter<BufWriter<File>>, PathBuf), ExperimentError> {
    std::fs::create_dir_all(dir).map_err(ExperimentError::io(dir))?;
    // A count per process: two files made in one second by one process stay two files.
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let made = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!(
        "events.out.tfevents.{:.0}.{}.{made}.{suffix}",
        now(),
        std::process::id()
    );
    let path = dir.join(name);
    let config = EventWriterConfig { auto_flush: false };
    let mut writer = EventWriter::create(&path, config).map_err(tf_error(&path))?;
    writer
        .write_event(file_version(now()))
        .map_err(tf_error(&path))?;
    Ok((writer, path))
}

/// Burn's metrics of a training run as TensorBoard scalars: every training update's value at
/// its update, each validation pass's mean at the update it followed. Registered after Burn's
/// file logger, which keeps answering Burn's own reads (this logger keeps no history).
pub struct TensorBoardLogger {
    writer: EventWriter<BufWriter<File>>,
    path: PathBuf,
    /// Updates per Burn epoch (one evaluation interval), and in the whole run.
    every: u64,
    total: u64,
    /// Burn's training entries per update: one per micro-batch on each device.
    entries_per_update: u64,
    names: HashMap<MetricId, String>,
    /// The training epoch being logged and the updates logged in it.
    train_epoch: usize,
    train_updates: u64,
    /// The entries of the update being logged so far: their count and per-tag sums.
    pending: (u64, Vec<(String, f64)>),
    /// The validation pass's latest epoch means, by metric name.
    valid: HashMap<String, f64>,
    /// Per tag, the last step the run's earlier event files hold: a resumed run does not write
    /// those steps again (its checkpoint is older than where the interrupted run had logged to,
    /// and it takes the same steps).
    written: HashMap<String, u64>,
    failed: bool,
}

/// Per tag, the highest step of the scalars in the event files already in `dir` (an interrupted
/// segment's); a file whose last record is torn (a kill) counts up to it.
fn steps_written(dir: &Path) -> HashMap<String, u64> {
    let mut written = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return written;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        let is_events = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("events.out.tfevents"));
        let Ok(events) = (if is_events {
            tfrecord::EventIter::open(&path, Default::default())
        } else {
            continue;
        }) else {
            continue;
        };
        for event in events.map_while(Result::ok) {
            let Some(What::Summary(summary)) = event.what else {
                continue;
            };
            let step = u64::try_from(event.step).unwrap_or(0);
            for value in summary.value {
                let last = written.entry(value.tag).or_insert(0);
                *last = (*last).max(step);
            }
        }
    }
    written
}

impl TensorBoardLogger {
    /// A logger writing a new event file into `<run>/tensorboard/`, for a run whose updates
    /// each log `entries_per_update` training entries (their mean is the update's value).
    pub fn new(
        dir: &RunDir,
        every: u64,
        total: u64,
        entries_per_update: u64,
    ) -> Result<Self, ExperimentError> {
        let written = steps_written(&dir.path.join(DIR));
        let (writer, path) = create(&dir.path.join(DIR), "train")?;
        Ok(Self {
            writer,
            path,
            every,
            total,
            entries_per_update: entries_per_update.max(1),
            names: HashMap::new(),
            train_epoch: 0,
            train_updates: 0,
            pending: (0, Vec::new()),
            valid: HashMap::new(),
            written,
            failed: false,
        })
    }

    fn scalar(&mut self, tag: &str, step: u64, value: f64) {
        if self.written.get(tag).is_some_and(|&last| step <= last) {
            return;
        }
        let written =
            self.writer
                .write_scalar(tag, EventMeta::new(step as i64, now()), value as f32);
        self.warn_once(written);
    }

    fn warn_once(&mut self, result: Result<(), tfrecord::Error>) {
        // Losing TensorBoard output must not stop training: say so once and go on.
        if let Err(err) = result
            && !self.failed
        {
            self.failed = true;
            tracing::warn!(
                "{}: TensorBoard events not written: {err}",
                self.path.display()
            );
            eprintln!(
                "warning: {}: TensorBoard events not written: {err}",
                self.path.display()
            );
        }
    }
}

impl MetricLogger for TensorBoardLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        match split {
            Split::Train => {
                if epoch != self.train_epoch {
                    (self.train_epoch, self.train_updates) = (epoch, 0);
                    self.pending = (0, Vec::new());
                }
                // Burn logs each epoch's final values once more at its end: not an update.
                let is_final = |item: &burn::train::metric::store::NumericMetricUpdate| {
                    matches!(item.numeric_entry, Some(NumericEntry::Final(_)))
                };
                if update.entries_numeric.iter().any(is_final) {
                    return;
                }
                for item in update.entries_numeric {
                    let (Some(name), Some(value)) =
                        (self.names.get(&item.entry.metric_id), item.numeric_entry)
                    else {
                        continue;
                    };
                    let tag = tag("train", name);
                    match self.pending.1.iter_mut().find(|(t, _)| *t == tag) {
                        Some(slot) => slot.1 += value.current(),
                        None => self.pending.1.push((tag, value.current())),
                    }
                }
                self.pending.0 += 1;
                if self.pending.0 < self.entries_per_update {
                    return;
                }
                let (count, sums) = std::mem::take(&mut self.pending);
                self.train_updates += 1;
                let step = (epoch as u64).saturating_sub(1) * self.every + self.train_updates;
                for (tag, sum) in sums {
                    self.scalar(&tag, step, sum / count as f64);
                }
            }
            Split::Valid => {
                for item in update.entries_numeric {
                    let Some(name) = self.names.get(&item.entry.metric_id) else {
                        continue;
                    };
                    // The epoch's final value where Burn computes one, else the running mean.
                    let value = match (item.numeric_entry, item.running_entry) {
                        (Some(NumericEntry::Final(v)), _) => v,
                        (_, Some(running)) => running.current(),
                        _ => continue,
                    };
                    self.valid.insert(name.clone(), value);
                }
            }
            // The test evaluation runs outside the training loop: see `write_test`.
            Split::Test(_) => {}
        }
    }

    fn read_numeric(
        &mut self,
        _name: &str,
        _epoch: usize,
        _split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Err("the TensorBoard logger keeps no history (Burn's file logger does)".into())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id, definition.name.to_string());
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        if summary.split == Split::Valid {
            let step = (summary.epoch_number as u64 * self.every).min(self.total);
            let mut values: Vec<(String, f64)> = self.valid.drain().collect();
            values.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, value) in values {
                self.scalar(&tag("valid", &name), step, value);
            }
        }
        let flushed = self.writer.flush();
        self.warn_once(flushed);
    }
}

/// The test scalars of a finished run, at its last update, in a new event file of the run.
pub fn write_test(dir: &RunDir, summary: &RunSummary) -> Result<(), ExperimentError> {
    let Some(test) = &summary.test else {
        return Ok(());
    };
    let (mut writer, path) = create(&dir.path.join(DIR), "test")?;
    let meta = EventMeta::new(summary.updates_done as i64, now());
    for (name, value) in test_scalars(test) {
        writer
            .write_scalar(tag("test", name), meta.clone(), value as f32)
            .map_err(tf_error(&path))?;
    }
    writer.flush().map_err(tf_error(&path))
}

pub(super) fn test_scalars(test: &super::TestResult) -> Vec<(&'static str, f64)> {
    let mut scalars = vec![("loss", test.loss)];
    scalars.extend(test.accuracy.map(|a| ("accuracy", a)));
    scalars.extend(test.perplexity.map(|p| ("perplexity", p)));
    scalars
}

pub mod convert;
pub use convert::export;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (tag, step) of the scalars in the event files of `dir`.
    fn scalars(dir: &Path) -> Vec<(String, u64)> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let events = tfrecord::EventIter::open(entry.unwrap().path(), Default::default());
            for event in events.unwrap().map(Result::unwrap) {
                if let Some(What::Summary(summary)) = event.what {
                    for value in summary.value {
                        all.push((value.tag, event.step as u64));
                    }
                }
            }
        }
        all.sort();
        all
    }

    #[test]
    fn a_resumed_run_does_not_write_the_steps_its_interrupted_segment_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::new(tmp.path());
        // The interrupted segment logged training steps 1..=30 (its checkpoint was at 20).
        let mut first = TensorBoardLogger::new(&run, 20, 100, 1).unwrap();
        (1..=30).for_each(|step| first.scalar("train/loss", step, 1.0 / step as f64));
        first.writer.flush().unwrap();
        drop(first);
        // The resumed one takes steps 21.. again: only 31.. are new.
        let mut resumed = TensorBoardLogger::new(&run, 20, 100, 1).unwrap();
        (21..=40).for_each(|step| resumed.scalar("train/loss", step, 1.0 / step as f64));
        resumed.scalar("valid/loss", 20, 0.5);
        resumed.writer.flush().unwrap();
        let logged = scalars(&tmp.path().join(DIR));
        let train: Vec<u64> = logged
            .iter()
            .filter(|(t, _)| t == "train/loss")
            .map(|&(_, s)| s)
            .collect();
        assert_eq!(train, (1..=40).collect::<Vec<u64>>(), "each step once");
        assert!(
            logged.contains(&("valid/loss".into(), 20)),
            "other tags unaffected"
        );
    }

    #[test]
    fn burn_metric_names_become_snake_case_tags() {
        assert_eq!(tag("train", "Loss"), "train/loss");
        assert_eq!(tag("valid", "Learning Rate"), "valid/learning_rate");
        assert_eq!(tag("train", "CPU Usage (%)"), "train/cpu_usage");
    }
}
