//! The `[training]` table: batch size, run length (updates or epochs, exactly one), evaluation
//! interval, early stopping, and the fine-resolution training loss.

use serde::{Deserialize, Serialize};

/// How long a run trains: `training.updates` or `training.epochs`, exactly one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunLength {
    /// This many optimizer updates.
    Updates(u64),
    /// This many passes over the training set.
    Epochs(u64),
}

impl RunLength {
    /// The planned updates, if the length is given in updates.
    pub fn updates(self) -> Option<u64> {
        match self {
            RunLength::Updates(n) => Some(n),
            RunLength::Epochs(_) => None,
        }
    }
}

/// How long to train and how often to evaluate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "TrainingFile", into = "TrainingFile")]
pub struct TrainingConfig {
    /// Samples per optimizer update (split across `devices` when there are several).
    pub batch_size: usize,
    /// Micro-batches per update: each update's `batch_size` samples go through the model in
    /// this many equal parts whose gradients are averaged (Burn's gradient accumulation), so
    /// the update is the same as one whole batch's to rounding, in less memory. 1: off.
    pub grad_accumulation: usize,
    /// Run length (`updates` or `epochs` in the file).
    pub length: RunLength,
    /// Evaluate on the validation split every this many updates.
    pub eval_every: u64,
    /// Stop after this many evaluations without a new best validation loss (0: never).
    pub patience: usize,
    /// Batch size for validation and test.
    pub eval_batch_size: usize,
    /// Record the training loss at fine resolution in `summary.json` (`train_curve`): the mean
    /// over each block of this many updates, 1–5. Absent: only the per-evaluation mean.
    pub train_loss_every: Option<u64>,
}

/// The `[training]` table as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainingFile {
    batch_size: usize,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    grad_accumulation: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updates: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    epochs: Option<u64>,
    eval_every: u64,
    #[serde(default)]
    patience: usize,
    #[serde(default = "default_eval_batch")]
    eval_batch_size: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    train_loss_every: Option<u64>,
}

impl TryFrom<TrainingFile> for TrainingConfig {
    type Error = String;

    fn try_from(file: TrainingFile) -> Result<Self, String> {
        let length = match (file.updates, file.epochs) {
            (Some(n), None) => RunLength::Updates(n),
            (None, Some(n)) => RunLength::Epochs(n),
            (Some(_), Some(_)) => {
                return Err(
                    "`training.updates/epochs`: both are set; give exactly one of the two".into(),
                );
            }
            (None, None) => {
                return Err(
                    "`training.updates/epochs`: neither is set; give exactly one of the two".into(),
                );
            }
        };
        if file.grad_accumulation == 0 || !file.batch_size.is_multiple_of(file.grad_accumulation) {
            return Err(format!(
                "`training.grad_accumulation` = {}: must be ≥ 1 and divide `training.batch_size` \
                 = {} (each update's batch is split into that many equal micro-batches)",
                file.grad_accumulation, file.batch_size
            ));
        }
        Ok(Self {
            batch_size: file.batch_size,
            grad_accumulation: file.grad_accumulation,
            length,
            eval_every: file.eval_every,
            patience: file.patience,
            eval_batch_size: file.eval_batch_size,
            train_loss_every: file.train_loss_every,
        })
    }
}

impl From<TrainingConfig> for TrainingFile {
    fn from(c: TrainingConfig) -> Self {
        let (updates, epochs) = match c.length {
            RunLength::Updates(n) => (Some(n), None),
            RunLength::Epochs(n) => (None, Some(n)),
        };
        Self {
            batch_size: c.batch_size,
            grad_accumulation: c.grad_accumulation,
            updates,
            epochs,
            eval_every: c.eval_every,
            patience: c.patience,
            eval_batch_size: c.eval_batch_size,
            train_loss_every: c.train_loss_every,
        }
    }
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn default_eval_batch() -> usize {
    256
}
