//! A finished (or stopped) launch → `summary.json`: the trajectory read back from Burn's logs,
//! T_ES, status, test results, the fine-resolution training loss and provenance.

use burn::tensor::Device;
use burn_balanced_adam::t_es::{TesEstimator, ValidationPoint};

use super::launch::Launched;
use super::{Plan, guard};
use crate::artifacts::curve::{block_means, per_update_losses};
use crate::artifacts::logs::{split_value, test_value};
use crate::artifacts::{Evaluation, RunDir, RunStatus, RunSummary, TestResult, provenance};
use crate::config::{ExperimentConfig, OptimizerSpec};
use crate::error::ExperimentError;

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
    let trajectory: Vec<Evaluation> = (1..)
        .map_while(|epoch| {
            let valid_loss = split_value(path, "valid", "Loss", epoch)?;
            Some(Evaluation {
                update: (epoch as u64 * plan.every).min(plan.total),
                valid_loss,
                valid_accuracy: split_value(path, "valid", "Accuracy", epoch),
                train_loss: split_value(path, "train", "Loss", epoch),
            })
        })
        .collect();
    let points: Vec<ValidationPoint> = trajectory
        .iter()
        .map(|e| ValidationPoint {
            update: e.update,
            loss: e.valid_loss,
        })
        .collect();
    let estimator = match &config.optimizer {
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
        (None, Some(reason)) if reason.starts_with(guard::NON_FINITE_REASON) => {
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
    let test = launched
        .tested
        .then(|| test_value(path, label, "Loss"))
        .flatten()
        .map(|loss| TestResult {
            loss,
            accuracy: test_value(path, label, "Accuracy"),
            perplexity: test_value(path, label, "Perplexity"),
        });
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
        dataset: config.data.dataset.clone(),
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
        provenance: provenance(
            config.device_names(),
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
