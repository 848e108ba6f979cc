//! Runs grouped into arms (the same config up to the seed) with mean ± spread over seeds.

use serde::Serialize;

use super::runs::RunView;
use crate::artifacts::RunStatus;

/// Mean, sample standard deviation and count of some values (the finite ones).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for one value).
    pub std: f64,
    /// How many values.
    pub n: usize,
}

impl Spread {
    /// Of the finite `values`; `None` if there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Some(Spread {
            mean,
            std: var.sqrt(),
            n,
        })
    }

    /// `mean ± std` with `digits` decimals (the mean alone for one value: no spread to show).
    pub fn show(spread: Option<Spread>, digits: usize) -> String {
        match spread {
            None => "–".into(),
            Some(s) if s.n == 1 => format!("{:.digits$}", s.mean),
            Some(s) => format!("{:.digits$} ± {:.digits$}", s.mean, s.std),
        }
    }
}

/// One arm: every run that differs only in its seed.
#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    /// `optimizer β=… lr=…` on `model/dataset, batch …`.
    pub label: String,
    /// Model and dataset.
    pub workload: String,
    /// The runs' resolved config without `seed`, `name` and `artifact_dir`: what makes the arm.
    pub config: String,
    /// Seeds of the finished runs.
    pub seeds: Vec<u64>,
    /// Runs that did not complete (diverged, failed, interrupted), by seed.
    pub not_complete: Vec<(u64, String)>,
    /// Test accuracy, %.
    pub test_accuracy: Option<Spread>,
    /// Test loss.
    pub test_loss: Option<Spread>,
    /// Test perplexity.
    pub test_perplexity: Option<Spread>,
    /// Lowest validation loss.
    pub best_valid_loss: Option<Spread>,
    /// Mean training loss over the last evaluation interval.
    pub final_train_loss: Option<Spread>,
    /// Generalization gap: test loss − final training loss, per seed.
    pub generalization_gap: Option<Spread>,
    /// Wall time per run, s.
    pub wall_time_s: Option<Spread>,
    /// Validation curve: `(update, mean, min, max)` over seeds, at the updates all seeds share.
    pub curve: Vec<(u64, f64, f64, f64)>,
}

/// The run's `config.toml` (of its main run, for a refresh run) without the keys that differ
/// between seeds of one arm; empty if the run directory has none.
fn config_identity(run: &RunView) -> String {
    let path = [
        run.dir.join("config.toml"),
        run.dir.join("main/config.toml"),
    ]
    .into_iter()
    .find(|p| p.is_file());
    match path.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(text) => identity_of(&text),
        None => String::new(),
    }
}

/// A `config.toml` text without the keys that differ between seeds of one arm (`seed`, `name`,
/// `artifact_dir`): runs with equal identities form one arm (the text itself if it is not TOML).
pub fn identity_of(text: &str) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return text.to_string();
    };
    for key in ["seed", "name", "artifact_dir"] {
        table.remove(key);
    }
    table.to_string()
}

fn arm_key(run: &RunView) -> (String, String) {
    let s = &run.summary;
    (
        format!("{}/{}", s.model, s.dataset),
        arm_label(s, run.refresh.is_some()),
    )
}

/// An arm's label from one of its runs' summary: `optimizer β=… lr=… (model/dataset, batch …,
/// … updates)` (`β=rule` for a refresh-rule run).
pub fn arm_label(s: &crate::artifacts::RunSummary, refresh: bool) -> String {
    let beta = match (refresh, s.beta) {
        (true, _) => " β=rule".to_string(),
        (false, Some(b)) => format!(" β={b}"),
        (false, None) => String::new(),
    };
    format!(
        "{}{beta} lr={} ({}/{}, batch {}, {} updates)",
        s.optimizer, s.lr, s.model, s.dataset, s.batch_size, s.updates_planned
    )
}

/// Groups `runs` into arms (the same resolved config up to the seed), in order of first
/// appearance. Arms whose short labels coincide (e.g. two FAdam settings at one learning rate)
/// get `variant 2, 3, …` appended; their `config` tells them apart.
pub fn group_arms(runs: &[RunView]) -> Vec<Arm> {
    let mut keys: Vec<(String, String, String)> = Vec::new();
    let mut members: Vec<Vec<&RunView>> = Vec::new();
    for run in runs {
        let (workload, label) = arm_key(run);
        let key = (workload, label, config_identity(run));
        match keys.iter().position(|k| *k == key) {
            Some(i) => members[i].push(run),
            None => {
                keys.push(key);
                members.push(vec![run]);
            }
        }
    }
    let mut arms: Vec<Arm> = Vec::new();
    for ((workload, label, config), runs) in keys.into_iter().zip(members) {
        let same = arms.iter().filter(|a| a.label.starts_with(&label)).count();
        let label = if same == 0 {
            label
        } else {
            format!("{label} variant {}", same + 1)
        };
        arms.push(arm(workload, label, config, &runs));
    }
    arms
}

/// One arm from its runs (their seeds' statistics; the label and config as given).
pub fn arm(workload: String, label: String, config: String, runs: &[&RunView]) -> Arm {
    let (done, rest): (Vec<&RunView>, Vec<&RunView>) = runs
        .iter()
        .partition(|r| r.summary.status == RunStatus::Complete);
    let stat = |f: &dyn Fn(&RunView) -> Option<f64>| Spread::of(done.iter().filter_map(|r| f(r)));
    let final_train = |r: &RunView| r.summary.trajectory.last().and_then(|e| e.train_loss);
    let test = |r: &RunView| r.summary.test.clone();
    Arm {
        label,
        workload,
        config,
        seeds: done.iter().map(|r| r.summary.seed).collect(),
        not_complete: rest
            .iter()
            .map(|r| {
                (
                    r.summary.seed,
                    format!("{:?}", r.summary.status).to_lowercase(),
                )
            })
            .collect(),
        test_accuracy: stat(&|r| test(r)?.accuracy),
        test_loss: stat(&|r| Some(test(r)?.loss)),
        test_perplexity: stat(&|r| test(r)?.perplexity),
        best_valid_loss: stat(&|r| r.summary.best_valid_loss),
        final_train_loss: stat(&final_train),
        generalization_gap: stat(&|r| Some(test(r)?.loss - final_train(r)?)),
        wall_time_s: stat(&|r| Some(r.summary.wall_time_s)),
        curve: curve(&done),
    }
}

/// Mean, min and max validation loss over seeds at every update that all of them evaluated.
fn curve(runs: &[&RunView]) -> Vec<(u64, f64, f64, f64)> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .summary
        .trajectory
        .iter()
        .filter_map(|e| {
            let values: Vec<f64> = runs
                .iter()
                .map(|r| {
                    r.summary
                        .trajectory
                        .iter()
                        .find(|x| x.update == e.update)
                        .map(|x| x.valid_loss)
                })
                .collect::<Option<Vec<f64>>>()?;
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((e.update, mean, min, max))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_the_sample_statistics_of_the_finite_values() {
        let s = Spread::of([1.0, 3.0, f64::NAN]).unwrap();
        assert_eq!((s.mean, s.n), (2.0, 2));
        assert!((s.std - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(Spread::of([5.0]).unwrap().std, 0.0);
        assert!(Spread::of([f64::INFINITY]).is_none());
        assert_eq!(Spread::show(Spread::of([1.0, 3.0]), 1), "2.0 ± 1.4");
        assert_eq!(Spread::show(Spread::of([1.0]), 2), "1.00");
        assert_eq!(Spread::show(None, 2), "–");
    }
}
