//! Run directories: the resolved config, provenance (versions, commit, device, seed), Burn's
//! metric logs and checkpoints, and `summary.json` with the results every report is built from.

pub mod burn_logs;
pub mod curve;
mod find;
pub mod lock;
pub mod logs;
pub mod outputs;
pub mod provenance;
pub mod refresh;
pub mod segments;
pub mod tensorboard;

use std::path::{Path, PathBuf};

use burn_balanced_adam::t_es::TesEstimate;
use serde::{Deserialize, Serialize};

pub use curve::TrainCurve;
pub use find::{collect_dirs, is_report_bundle, is_run_dir, unique_dirs};

use crate::error::ExperimentError;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Trained to its planned length or to early stopping.
    Complete,
    /// Stopped on request (Ctrl-C, `--stop-after`); `--resume` continues it.
    Interrupted,
    /// The training loss became NaN or infinite.
    Diverged,
    /// Burn reported an error.
    Failed,
}

impl RunStatus {
    /// Whether a run with this status is finished: trained to its end, or diverged (a result,
    /// not a failure); interrupted and failed runs are resumed or retried.
    pub fn is_finished(self) -> bool {
        matches!(self, RunStatus::Complete | RunStatus::Diverged)
    }
}

/// One evaluation of the validation trajectory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    /// Optimizer updates done before this evaluation.
    pub update: u64,
    /// Mean validation loss (NaN for a diverged run: written as `null`, read back as NaN).
    #[serde(with = "nan_as_null")]
    pub valid_loss: f64,
    /// Validation accuracy in percent (classification and next-token accuracy).
    pub valid_accuracy: Option<f64>,
    /// Mean training loss over the updates since the previous evaluation.
    pub train_loss: Option<f64>,
}

/// Test-set results of the final model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    /// Mean test loss (`null` in JSON when not finite).
    #[serde(with = "nan_as_null")]
    pub loss: f64,
    /// Test accuracy in percent.
    pub accuracy: Option<f64>,
    /// Test perplexity (language models).
    pub perplexity: Option<f64>,
}

/// Where and with what a run ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    /// This crate's version.
    pub experiments_version: String,
    /// Burn's version.
    pub burn_version: String,
    /// `git rev-parse HEAD` of the working directory when the run started, if it is a git
    /// checkout: the commit of the configs it read. The binary may be older or newer; see
    /// `build_commit`.
    pub git_commit: Option<String>,
    /// Whether the checkout had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// The commit the running binary was built from (`None` when built outside a git checkout,
    /// and in records written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_commit: Option<String>,
    /// Whether the sources compiled into the binary had uncommitted changes at build time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_dirty: Option<bool>,
    /// The devices as named in the config.
    pub devices: Vec<String>,
    /// The devices as Burn describes them.
    pub device_description: Vec<String>,
    /// The command line.
    pub command: Vec<String>,
    /// Logical CPUs of the machine.
    pub cpus: usize,
}

/// What `summary.json` holds for a single training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// How it ended.
    pub status: RunStatus,
    /// Why it stopped, when it did not complete.
    pub message: Option<String>,
    /// The run's name (its dashboard label).
    pub name: String,
    /// Model kind.
    pub model: String,
    /// Dataset.
    pub dataset: String,
    /// Optimizer kind.
    pub optimizer: String,
    /// β of a balanced-Adam run.
    pub beta: Option<f64>,
    /// Peak learning rate.
    pub lr: f64,
    /// Global batch size.
    pub batch_size: usize,
    /// Seed.
    pub seed: u64,
    /// Trainable parameters.
    pub parameters: usize,
    /// Planned optimizer updates.
    pub updates_planned: u64,
    /// Updates done.
    pub updates_done: u64,
    /// Updates between evaluations.
    pub eval_every: u64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Seconds of training and evaluation in the invocations that finished.
    pub wall_time_s: f64,
    /// Lowest validation loss.
    pub best_valid_loss: Option<f64>,
    /// Update of the lowest validation loss.
    pub best_update: Option<u64>,
    /// Validation loss at the last evaluation.
    pub final_valid_loss: Option<f64>,
    /// T_ES read off the trajectory with the config's estimator.
    pub t_es: Option<TesEstimate>,
    /// Test results of the final model.
    pub test: Option<TestResult>,
    /// Every evaluation.
    pub trajectory: Vec<Evaluation>,
    /// Each invocation that trained the run, with its wall time (`wall_time_s` is their sum);
    /// empty in runs recorded before segments were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<segments::Segment>,
    /// The training loss at fine resolution, when the config asks for it
    /// (`training.train_loss_every`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_curve: Option<TrainCurve>,
    /// Versions, commit, devices, command.
    pub provenance: Provenance,
}

/// A run's `summary.json` as written before `build_commit` existed (a copy of a committed
/// record, frozen here so that regenerating `results/` cannot change what the tests read).
#[cfg(test)]
pub(crate) const FIXTURE_SUMMARY: &str = include_str!("fixtures/summary-before-build-commit.json");

/// The files of a run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The directory.
    pub path: PathBuf,
}

impl RunDir {
    /// A run directory at `path` (nothing is created yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `config.toml`: the resolved config the run uses.
    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.toml")
    }

    /// `summary.json`.
    pub fn summary_path(&self) -> PathBuf {
        self.path.join("summary.json")
    }

    /// Burn's checkpoint directory.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.path.join("checkpoint")
    }

    /// Writes `value` as pretty JSON to `name`, atomically.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), ExperimentError> {
        let text = serde_json::to_string_pretty(value).expect("summaries serialize");
        write_atomic(&self.path.join(name), text.as_bytes())
    }

    /// Reads a single run's summary.
    pub fn read_summary(&self) -> Result<RunSummary, ExperimentError> {
        read_json(&self.summary_path())
    }
}

/// Writes a file atomically and durably, through the workspace's one helper
/// ([`bba_datasets::cache::write_atomic`]: a unique temporary file, fsync, rename, fsync of the
/// directory).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExperimentError> {
    bba_datasets::cache::write_atomic(path, bytes).map_err(|err| match err {
        bba_datasets::DataError::Io { path, source } => ExperimentError::Io { path, source },
        other => ExperimentError::Dataset(other),
    })
}

/// Reads a JSON file.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ExperimentError> {
    let text = std::fs::read_to_string(path).map_err(ExperimentError::io(path))?;
    let mut reader = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut reader).map_err(|err| ExperimentError::RunDir {
        dir: path.to_path_buf(),
        message: format!("unreadable: field `{}`: {}", err.path(), err.inner()),
    })
}

/// Versions, git commits (the checkout's and the build's) and machine facts for a run record.
pub fn provenance(devices: Vec<String>, device_description: Vec<String>) -> Provenance {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"]);
    let dirty = commit
        .as_ref()
        .and_then(|_| git(&["status", "--porcelain", "--untracked-files=no"]))
        .map(|status| !status.is_empty());
    Provenance {
        experiments_version: env!("CARGO_PKG_VERSION").to_string(),
        burn_version: BURN_VERSION.to_string(),
        git_commit: commit,
        git_dirty: dirty,
        // Set by build.rs (empty outside a git checkout).
        build_commit: option_env!("BBA_BUILD_COMMIT")
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        build_dirty: option_env!("BBA_BUILD_DIRTY").and_then(|d| d.parse().ok()),
        devices,
        device_description,
        command: std::env::args().collect(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// `f64` fields that can hold a non-finite value: JSON has no NaN, so it is written as `null`
/// and read back as NaN, and every reader accepts every summary the writer produces.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            s.serialize_f64(*value)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// The Burn version this binary is built against (pinned in the workspace).
pub const BURN_VERSION: &str = "0.22.1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverged_runs_summary_reads_back() {
        // A committed record, made diverged: NaN validation and test losses.
        let text = crate::artifacts::FIXTURE_SUMMARY.to_string();
        let mut summary: RunSummary = serde_json::from_str(&text).unwrap();
        summary.status = RunStatus::Diverged;
        summary.trajectory.last_mut().unwrap().valid_loss = f64::NAN;
        summary.trajectory[0].valid_loss = f64::INFINITY;
        summary.test.as_mut().unwrap().loss = f64::NAN;
        summary.final_valid_loss = Some(f64::NAN);
        let json = serde_json::to_string(&summary).unwrap();
        let back: RunSummary = serde_json::from_str(&json).expect("the writer's output reads");
        assert!(back.trajectory.last().unwrap().valid_loss.is_nan());
        assert!(
            back.trajectory[0].valid_loss.is_nan(),
            "non-finite reads as NaN"
        );
        assert!(back.test.unwrap().loss.is_nan());
        assert_eq!(
            back.final_valid_loss, None,
            "an Option's NaN reads as absent"
        );
        assert_eq!(back.status, RunStatus::Diverged);
        let finite = &back.trajectory[1];
        assert_eq!(finite.valid_loss, summary.trajectory[1].valid_loss);
    }

    #[test]
    fn a_run_records_the_commit_its_binary_was_built_from() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let head = std::process::Command::new("git")
            .args(["-C", root, "rev-parse", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success());
        let p = provenance(Vec::new(), Vec::new());
        match head {
            // build.rs reruns when HEAD moves, so the test binary is built from HEAD.
            Some(out) => {
                let head = String::from_utf8_lossy(&out.stdout).trim().to_string();
                assert_eq!(p.build_commit.as_deref(), Some(head.as_str()));
                assert!(p.build_dirty.is_some(), "{p:?}");
            }
            None => assert_eq!((p.build_commit, p.build_dirty), (None, None)),
        }
        // Records written before the field existed read back without it.
        let text = crate::artifacts::FIXTURE_SUMMARY.to_string();
        let old: RunSummary = serde_json::from_str(&text).unwrap();
        assert_eq!(old.provenance.build_commit, None);
    }
}
