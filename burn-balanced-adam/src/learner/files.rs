//! The after-the-fact path: the validation trajectory from the metric log files Burn's
//! `FileMetricLogger` wrote.

use std::fs;
use std::path::Path;

use burn::train::metric::NumericEntry;

use super::TrajectoryError;
use crate::t_es::ValidationPoint;

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
