//! Recorded runs and plain Burn artifact directories as event files: `experiments tensorboard`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tfrecord::{EventMeta, EventWriter, EventWriterConfig};

use super::{file_version, tag, test_scalars, tf_error};
use crate::artifacts::{RunDir, RunSummary};
use crate::error::ExperimentError;

/// A recorded run as one event file's bytes: validation loss and accuracy and the training
/// loss at each evaluation (the fine training-loss curve where the run kept one), and the test
/// scalars at the last update. The record keeps only the run's total wall time, so event times
/// are that time spread evenly over the updates, from 0.
pub fn convert(summary: &RunSummary) -> Result<Vec<u8>, tfrecord::Error> {
    let mut bytes = Vec::new();
    {
        let mut writer = EventWriter::from_writer(&mut bytes, EventWriterConfig::default())?;
        let seconds_per_update = match summary.updates_done {
            0 => 0.0,
            n => summary.wall_time_s / n as f64,
        };
        let at = |update: u64| EventMeta::new(update as i64, update as f64 * seconds_per_update);
        writer.write_event(file_version(0.0))?;
        for point in &summary.trajectory {
            writer.write_scalar("valid/loss", at(point.update), point.valid_loss as f32)?;
            if let Some(accuracy) = point.valid_accuracy {
                writer.write_scalar("valid/accuracy", at(point.update), accuracy as f32)?;
            }
        }
        match &summary.train_curve {
            Some(curve) => {
                for (i, loss) in curve.loss.iter().enumerate() {
                    if let Some(loss) = loss {
                        writer.write_scalar(
                            "train/loss",
                            at((i as u64 + 1) * curve.every),
                            *loss,
                        )?;
                    }
                }
            }
            None => {
                for point in &summary.trajectory {
                    if let Some(loss) = point.train_loss {
                        writer.write_scalar("train/loss", at(point.update), loss as f32)?;
                    }
                }
            }
        }
        if let Some(test) = &summary.test {
            for (name, value) in test_scalars(test) {
                let tag = tag("test", name);
                writer.write_scalar(tag, at(summary.updates_done), value as f32)?;
            }
        }
        writer.flush()?;
    }
    Ok(bytes)
}

/// A run directory: `config.toml` and `summary.json` (study reports, which hold only a
/// `summary.json`, are searched, not taken).
fn is_run(dir: &Path) -> bool {
    dir.join("config.toml").is_file() && crate::artifacts::is_run_dir(dir)
}

/// A plain Burn artifact directory (Burn's metric logs, no `experiments` records).
fn is_burn_run(dir: &Path) -> bool {
    !dir.join("summary.json").exists()
        && !dir.join("config.toml").exists()
        && crate::artifacts::burn_logs::BurnLogs::present(dir)
}

/// A plain Burn run's logs as one event file's bytes: every numeric metric's epoch values at
/// the optimizer update where the epoch ended (one batch per update: Burn's logs do not say
/// whether gradients were accumulated). The logs keep no times: event times are 0.
pub fn convert_burn_logs(dir: &Path) -> Result<Vec<u8>, ExperimentError> {
    let mut logs = crate::artifacts::burn_logs::BurnLogs::new(dir);
    let bad = |e: crate::artifacts::burn_logs::LogError| ExperimentError::RunDir {
        dir: dir.to_path_buf(),
        message: e.to_string(),
    };
    logs.poll().map_err(bad)?;
    if let Some(err) = logs.half_written() {
        return Err(bad(err));
    }
    let (series, _) = logs.series(1);
    let mut bytes = Vec::new();
    let write = |bytes: &mut Vec<u8>| -> Result<(), tfrecord::Error> {
        let mut writer = EventWriter::from_writer(bytes, EventWriterConfig::default())?;
        writer.write_event(file_version(0.0))?;
        for (metric, points) in &series {
            let tag = tag(metric.split.name(), &metric.name);
            for &(update, value) in points {
                writer.write_scalar(
                    tag.as_str(),
                    EventMeta::new(update as i64, 0.0),
                    value as f32,
                )?;
            }
        }
        writer.flush()
    };
    write(&mut bytes).map_err(tf_error(dir))?;
    Ok(bytes)
}

/// Converts every run at or below `inputs` into `out/<run name>/`, one event file each (written
/// atomically, under a fixed name, so converting again replaces it); returns how many. Run
/// names must be unique across the inputs. `out` may not be, lie inside or hold an input.
pub fn export(inputs: &[PathBuf], out: &Path) -> Result<usize, ExperimentError> {
    let input_paths: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    crate::artifacts::outputs::check_out_not_above("--out", out, &input_paths)?;
    let runs = crate::artifacts::collect_dirs(
        inputs,
        &|dir| is_run(dir) || is_burn_run(dir),
        "run directory (config.toml + summary.json, or a Burn artifact directory)",
    )?;
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut converted = Vec::with_capacity(runs.len());
    for path in runs {
        let (name, bytes) = if is_burn_run(&path) {
            let name = path
                .canonicalize()
                .ok()
                .and_then(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "burn".into());
            (name, convert_burn_logs(&path)?)
        } else {
            let summary = RunDir { path: path.clone() }.read_summary()?;
            let bytes = convert(&summary).map_err(tf_error(&path))?;
            (summary.name, bytes)
        };
        if let Some(earlier) = seen.insert(name.clone(), path.clone()) {
            return Err(ExperimentError::Input {
                message: format!(
                    "two runs are named {:?}: {} and {}; convert them separately",
                    name,
                    earlier.display(),
                    path.display()
                ),
            });
        }
        converted.push((name, bytes));
    }
    for (name, bytes) in &converted {
        let dir = out.join(name);
        std::fs::create_dir_all(&dir).map_err(ExperimentError::io(&dir))?;
        crate::artifacts::write_atomic(&dir.join("events.out.tfevents.0.experiments"), bytes)?;
    }
    Ok(converted.len())
}
