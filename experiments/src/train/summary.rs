//! A finished (or stopped) launch → `summary.json`: the trajectory read back from Burn's logs,
//! T_ES, status, test results, the fine-resolution training loss and provenance.

use burn::tensor::Device;
use burn_balanced_adam::t_es::{TesEstimator, ValidationPoint};

use super::guard;
use super::launch::Launched;
use super::plan::Plan;
use crate::artifacts::curve::{block_means, per_update_losses};
use crate::artifacts::logs::{epochs_logged, split_log, split_value, test_value};
use crate::artifacts::{Evaluation, RunDir, RunStatus, RunSummary, TestResult, provenance};
use crate::config::{ExperimentConfig, OptimizerSpec};
use crate::error::ExperimentError;

/// The validation trajectory from Burn's logs: one evaluation per `valid/epoch-N` directory,
/// N = 1, 2, … without a gap. A value that is missing or malformed is an error naming the file,
/// never a shorter trajectory; only a run that `stopped` early may lack its last evaluation's
/// loss (it stopped during that evaluation).
fn read_trajectory(
    path: &std::path::Path,
    plan: &Plan,
    stopped: bool,
) -> Result<Vec<Evaluation>, ExperimentError> {
    let epochs = epochs_logged(path, "valid")?;
    let mut trajectory = Vec::with_capacity(epochs);
    for epoch in 1..=epochs {
        let Some(valid_loss) = split_value(path, "valid", "Loss", epoch)? else {
            if stopped && epoch == epochs {
                break;
            }
            return Err(ExperimentError::RunDir {
                dir: split_log(path, "valid", "Loss", epoch),
                message: format!(
                    "missing or empty, but the run logged {epochs} evaluations: its trajectory \
                     would have a hole"
                ),
            });
        };
        trajectory.push(Evaluation {
            update: (epoch as u64 * plan.every).min(plan.total),
            valid_loss,
            valid_accuracy: split_value(path, "valid", "Accuracy", epoch)?,
            train_loss: split_value(path, "train", "Loss", epoch)?,
        });
    }
    Ok(trajectory)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn summarize(
    config: &ExperimentConfig,
    dir: &RunDir,
    label: &str,
    plan: &Plan,
    launched: &Launched,
    parameters: usize,
    wall_time_s: f64,
    devices: &[Device],
) -> Result<RunSummary, ExperimentError> {
    let path = &dir.path;
    let stopped = launched.error.is_some() || launched.interrupted.is_some();
    let trajectory = read_trajectory(path, plan, stopped)?;
    let points: Vec<ValidationPoint> = trajectory
        .iter()
        .map(|e| ValidationPoint {
            update: e.update,
            loss: e.valid_loss,
        })
        .collect();
    let estimator = match &config.optimizer.spec {
        OptimizerSpec::BalancedAdam(spec) => spec.t_es.clone(),
        _ => TesEstimator::default(),
    };
    let t_es = estimator.estimate(&points).ok();
    let best = points
        .iter()
        .filter(|p| p.loss.is_finite())
        .min_by(|a, b| a.loss.total_cmp(&b.loss));
    let (status, message) = match (&launched.error, &launched.interrupted) {
        (Some(error), _) => (RunStatus::Failed, Some(error.clone())),
        (None, Some(reason)) if guard::is_divergence(reason) => {
            (RunStatus::Diverged, Some(reason.clone()))
        }
        (None, Some(reason)) => (
            RunStatus::Interrupted,
            Some(format!(
                "{reason}; continue with `experiments run <config> --resume`"
            )),
        ),
        (None, None) => (RunStatus::Complete, None),
    };
    let test = match launched.tested {
        true => test_value(path, label, "Loss")?,
        false => None,
    };
    let test = match test {
        Some(loss) => Some(TestResult {
            loss,
            accuracy: test_value(path, label, "Accuracy")?,
            perplexity: test_value(path, label, "Perplexity")?,
        }),
        None => None,
    };
    let updates_done = trajectory.last().map_or(0, |e| e.update);
    // Only whole evaluation intervals: a diverged run's last, partial interval is left out.
    let train_curve = match config.training.train_loss_every {
        Some(every) => Some(block_means(
            &per_update_losses(path, trajectory.len(), plan.every, plan.total)?,
            every,
        )),
        None => None,
    };
    Ok(RunSummary {
        status,
        message,
        name: label.to_string(),
        model: config.model.kind().to_string(),
        dataset: config.data.dataset.to_string(),
        optimizer: config.optimizer.kind().to_string(),
        beta: config.optimizer.fixed_beta(),
        lr: config.schedule.peak_lr(),
        batch_size: config.training.batch_size,
        seed: config.seed,
        parameters,
        updates_planned: plan.total,
        updates_done,
        eval_every: plan.every,
        stopped_early: status == RunStatus::Complete && updates_done < plan.total,
        wall_time_s,
        best_valid_loss: best.map(|p| p.loss),
        best_update: best.map(|p| p.update),
        final_valid_loss: trajectory.last().map(|e| e.valid_loss),
        t_es,
        test,
        trajectory,
        train_curve,
        segments: Vec::new(),
        provenance: provenance(
            config
                .device_names()
                .iter()
                .map(ToString::to_string)
                .collect(),
            devices.iter().map(|d| format!("{d:?}")).collect(),
        ),
    })
}

pub(super) fn write_trajectory_csv(
    dir: &RunDir,
    summary: &RunSummary,
) -> Result<(), ExperimentError> {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    let mut csv = String::from("update,valid_loss,valid_accuracy,train_loss\n");
    for e in &summary.trajectory {
        csv += &format!(
            "{},{},{},{}\n",
            e.update,
            e.valid_loss,
            opt(e.valid_accuracy),
            opt(e.train_loss)
        );
    }
    crate::artifacts::write_atomic(&dir.path.join("trajectory.csv"), csv.as_bytes())
}
