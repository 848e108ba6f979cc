//! Experiment configs: one TOML file names the data, model, optimizer, schedule, length, seed and
//! device of a run. Loading validates everything before any training starts: unknown keys and
//! out-of-range values are errors that name the key.

mod adam;
mod balanced;
mod model;
mod optimizer;
pub mod overrides;
mod source;
mod training;

use std::path::{Path, PathBuf};

use bba_datasets::DatasetName;
use serde::{Deserialize, Serialize};

pub use balanced::{BalancedSpec, BetaSetting, RefreshRule};
pub use model::{CnnConfig, GptConfig, ModelConfig, Positions, VitConfig};
pub use optimizer::{OptimizerSection, OptimizerSpec};
pub use source::ConfigSource;
pub use training::{RunLength, TrainingConfig};

use crate::device::DeviceName;
use crate::error::ExperimentError;

/// A whole experiment: what `experiments run CONFIG` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// The run's name: its directory under `artifact_dir`, and its label in the dashboard.
    pub name: String,
    /// Seeds model initialization, data order, dropout and the validation split.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// `flex` (CPU, the default), `wgpu`, `wgpu:N`, `cuda`, `cuda:N`, and with their
    /// cargo features the CPU backends `ndarray` and `tch`.
    #[serde(default = "default_device")]
    pub device: DeviceName,
    /// Several devices for data-parallel training (overrides `device` when not empty).
    #[serde(default)]
    pub devices: Vec<DeviceName>,
    /// Where run directories go.
    #[serde(default = "default_artifact_dir")]
    pub artifact_dir: PathBuf,
    /// The dataset and its splits.
    pub data: DataConfig,
    /// The model and its size.
    pub model: ModelConfig,
    /// The optimizer, its hyper-parameters and `no_decay`.
    pub optimizer: OptimizerSection,
    /// The learning-rate schedule.
    pub schedule: ScheduleConfig,
    /// Length, batch size, evaluation interval, early stopping.
    pub training: TrainingConfig,
    /// Sweep grid (`sweep` only): dotted config keys → lists of values.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub sweep: toml::Table,
}

fn default_seed() -> u64 {
    42
}
fn default_device() -> DeviceName {
    DeviceName::FLEX
}
fn default_artifact_dir() -> PathBuf {
    PathBuf::from("runs")
}

/// Dataset and split sizes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// `mnist`, `fashion-mnist`, `shakespeare` or `moby-dick`.
    pub dataset: DatasetName,
    /// Keep this many training samples (a seeded sample); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_subset: Option<usize>,
    /// Images: validation images held out of the training file (default 5000). Text: keep the
    /// first this many validation windows (default: all of `valid_fraction`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_size: Option<usize>,
    /// Keep this many test samples (the first ones); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_subset: Option<usize>,
    /// Text: tokens per training window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<usize>,
    /// Text: fraction of the corpus used for validation (and the same again for test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_fraction: Option<f64>,
    /// Dataset cache directory (default: `$BBA_DATA_DIR`, else the user cache dir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<PathBuf>,
    /// Seeds the validation split and the training/validation/test subsets (default: the run's
    /// `seed`). Fixed across a study's seeds, every seed sees the same data and only the
    /// initialization and batch order vary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl DataConfig {
    /// The seed of the splits and subsets: `data.seed`, else the run's seed.
    pub fn split_seed(&self, run_seed: u64) -> u64 {
        self.seed.unwrap_or(run_seed)
    }
}

/// Learning-rate schedules, counted in optimizer updates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleConfig {
    /// The same rate throughout.
    Constant {
        /// The learning rate.
        lr: f64,
    },
    /// Linear warmup to `lr`, then a half cosine down to `min_lr` at the last update.
    WarmupCosine {
        /// Peak learning rate.
        lr: f64,
        /// Warmup length in updates.
        #[serde(default)]
        warmup: u64,
        /// Final learning rate.
        #[serde(default)]
        min_lr: f64,
    },
}

impl ScheduleConfig {
    /// The peak (or constant) learning rate.
    pub fn peak_lr(&self) -> f64 {
        match self {
            ScheduleConfig::Constant { lr } | ScheduleConfig::WarmupCosine { lr, .. } => *lr,
        }
    }

    /// `constant` or `warmup_cosine`, as in the config.
    pub fn kind(&self) -> &'static str {
        match self {
            ScheduleConfig::Constant { .. } => "constant",
            ScheduleConfig::WarmupCosine { .. } => "warmup_cosine",
        }
    }

    /// Sets the peak (or constant) learning rate, keeping the schedule's shape: a cosine's
    /// final rate scales with it (`min_lr / lr` stays what it was).
    pub fn set_peak_lr(&mut self, rate: f64) {
        match self {
            ScheduleConfig::Constant { lr } => *lr = rate,
            ScheduleConfig::WarmupCosine { lr, min_lr, .. } => {
                *min_lr = if *min_lr == 0.0 {
                    0.0
                } else {
                    *min_lr * (rate / *lr)
                };
                *lr = rate;
            }
        }
    }
}

impl ExperimentConfig {
    /// Reads a config file as a TOML table (overrides apply to it before [`Self::from_table`]).
    pub fn read_table(path: &Path) -> Result<toml::Table, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(ExperimentError::io(path))?;
        toml::from_str(&text).map_err(|err| ExperimentError::Config {
            path: path.to_path_buf(),
            message: err.to_string(),
        })
    }

    /// Parses and validates an already-read TOML table (`origin` names it in errors).
    pub fn from_table(table: toml::Table, origin: &Path) -> Result<Self, ExperimentError> {
        check_grad_clipping(&table).map_err(|message| ExperimentError::Config {
            path: origin.to_path_buf(),
            message,
        })?;
        let config: Self =
            toml::Value::Table(table)
                .try_into()
                .map_err(|err: toml::de::Error| ExperimentError::Config {
                    path: origin.to_path_buf(),
                    message: err.to_string(),
                })?;
        config
            .validate()
            .map_err(|message| ExperimentError::Config {
                path: origin.to_path_buf(),
                message,
            })?;
        Ok(config)
    }

    /// The dataset named by `data.dataset`.
    pub fn dataset(&self) -> DatasetName {
        self.data.dataset
    }

    /// The devices to train on: `devices`, or `device` when that list is empty.
    pub fn device_names(&self) -> Vec<DeviceName> {
        if self.devices.is_empty() {
            vec![self.device]
        } else {
            self.devices.clone()
        }
    }

    /// The run's directory.
    pub fn run_dir(&self) -> PathBuf {
        self.artifact_dir.join(&self.name)
    }

    /// The config as TOML (what a run directory records).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a config always serializes")
    }

    /// Checks every range; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        fn bad(key: &str, value: impl std::fmt::Display, allowed: &str) -> Result<(), String> {
            Err(format!("`{key}` = {value}: must be {allowed}"))
        }
        if self.name.is_empty() || self.name.contains(['/', '\\']) || self.name.starts_with('.') {
            return bad("name", format!("{:?}", self.name), "a non-empty file name");
        }
        let dataset = self.data.dataset;
        let text = matches!(dataset, DatasetName::Shakespeare | DatasetName::MobyDick);
        let data = &self.data;
        if text {
            if data.seq_len == Some(0) {
                return bad("data.seq_len", 0, "≥ 1");
            }
            if let Some(f) = data.valid_fraction
                && !(f.is_finite() && f > 0.0 && f < 0.5)
            {
                return bad("data.valid_fraction", f, "in (0, 0.5)");
            }
        } else {
            if data.seq_len.is_some() || data.valid_fraction.is_some() {
                return bad(
                    "data.seq_len/valid_fraction",
                    "set",
                    "absent for an image dataset",
                );
            }
            if data.valid_size == Some(0) {
                return bad("data.valid_size", 0, "≥ 1");
            }
        }
        for (key, value) in [
            ("data.train_subset", data.train_subset),
            ("data.test_subset", data.test_subset),
        ] {
            if value == Some(0) {
                return bad(key, 0, "≥ 1 (or absent for the whole split)");
            }
        }
        match (&self.model, text) {
            (ModelConfig::Gpt(_), false) => {
                return bad("model.kind", "\"gpt\"", "cnn or vit for an image dataset");
            }
            (ModelConfig::Cnn(_) | ModelConfig::Vit(_), true) => {
                return bad(
                    "model.kind",
                    format!("\"{}\"", self.model.kind()),
                    "gpt for a text corpus",
                );
            }
            _ => {}
        }
        self.model.validate()?;
        self.optimizer.validate()?;
        match self.schedule {
            ScheduleConfig::Constant { lr } | ScheduleConfig::WarmupCosine { lr, .. }
                if !(lr.is_finite() && lr > 0.0) =>
            {
                return bad("schedule.lr", lr, "a finite number > 0");
            }
            ScheduleConfig::WarmupCosine { lr, min_lr, .. }
                if !(min_lr.is_finite() && (0.0..=lr).contains(&min_lr)) =>
            {
                return bad("schedule.min_lr", min_lr, "in [0, schedule.lr]");
            }
            _ => {}
        }
        let training = &self.training;
        if training.batch_size == 0 {
            return bad("training.batch_size", 0, "≥ 1");
        }
        if training.batch_size < self.device_names().len() {
            return bad(
                "training.batch_size",
                training.batch_size,
                "≥ the number of devices",
            );
        }
        if training.eval_batch_size == 0 {
            return bad("training.eval_batch_size", 0, "≥ 1");
        }
        match training.length {
            RunLength::Updates(0) => return bad("training.updates", 0, "≥ 1"),
            RunLength::Epochs(0) => return bad("training.epochs", 0, "≥ 1"),
            _ => {}
        }
        if training.eval_every == 0 {
            return bad("training.eval_every", 0, "≥ 1");
        }
        if let Some(k) = training.train_loss_every
            && !(1..=5).contains(&k)
        {
            return bad("training.train_loss_every", k, "1 to 5 updates");
        }
        if let ScheduleConfig::WarmupCosine { warmup, .. } = self.schedule
            && let RunLength::Updates(updates) = training.length
            && warmup > updates
        {
            return bad("schedule.warmup", warmup, "≤ training.updates");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// `optimizer.grad_clipping` is Burn's clipping config, one of two one-key tables; serde's
/// wording for anything else ("expected map with a single key") names neither the key nor the
/// forms, so the shape is checked here first.
fn check_grad_clipping(table: &toml::Table) -> Result<(), String> {
    let Some(value) = table
        .get("optimizer")
        .and_then(toml::Value::as_table)
        .and_then(|optimizer| optimizer.get("grad_clipping"))
    else {
        return Ok(());
    };
    let ok = value.as_table().is_some_and(|clip| {
        clip.len() == 1
            && clip.iter().all(|(key, v)| {
                matches!(key.as_str(), "Norm" | "Value") && (v.is_float() || v.is_integer())
            })
    });
    if ok {
        return Ok(());
    }
    Err(format!(
        "`optimizer.grad_clipping` = {value}: must be one of `{{ Norm = <largest L2 norm> }}` or \
         `{{ Value = <largest |g|> }}` (per tensor, as Burn clips)"
    ))
}
