//! Runs the comparison study's runs of one shard, and reads back what the run directories hold.
//!
//! Per workload: every optimizer over the whole learning-rate grid with the search seed (pilots
//! first: the refresh rule's β at a rate comes from its pilot's run at that rate and seed), then
//! each optimizer's chosen rate (lowest final validation loss; never a diverged run) with the other seeds. Finished runs
//! are skipped and interrupted ones resumed, so the command is run again until all is done.

use std::path::Path;

use super::definition::CompareStudy;
use crate::artifacts::{RunDir, RunStatus, RunSummary, read_json};
use crate::config::{BalancedSpec, OptimizerSpec};
use crate::error::ExperimentError;
use crate::study::runs::finished_run;
use crate::study::shard::{Shard, assign_shards};
use crate::train::refresh::{RefreshDecision, decide, pilot_t_es, with_beta};
use crate::train::{RunOptions, run_single};

/// The refresh rule's decision, next to the main run's records in its run directory.
pub const DECISION_FILE: &str = "refresh.json";

/// A unit of sharding: a workload and a group of optimizers (one, with the refresh-rule
/// optimizers whose pilot it is), so a rule never waits for a pilot on another shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The workload (index).
    pub workload: usize,
    /// The optimizers (indices), pilots first.
    pub optimizers: Vec<usize>,
}

/// The units shard `shard` owns, balanced on their cost (updates × planned runs).
pub fn shard_units(study: &CompareStudy, shard: Shard) -> Vec<Unit> {
    let groups: Vec<Vec<usize>> = (0..study.optimizers.len())
        .filter(|&o| study.optimizers[o].pilot.is_none())
        .map(|g| {
            (0..study.optimizers.len())
                .filter(|&o| o == g || study.optimizers[o].pilot == Some(g))
                .collect()
        })
        .collect();
    let mut units = Vec::new();
    let mut costs = Vec::new();
    for (w, workload) in study.workloads.iter().enumerate() {
        for group in &groups {
            let runs: usize = group.iter().map(|&o| study.planned_runs(o)).sum();
            costs.push(crate::study::shard::cost(
                workload.updates(),
                workload.cost_per_update,
                runs,
            ));
            units.push(Unit {
                workload: w,
                optimizers: group.clone(),
            });
        }
    }
    let shard_of = assign_shards(&costs, shard.count);
    units
        .into_iter()
        .zip(shard_of)
        .filter(|(_, s)| *s == shard.index - 1)
        .map(|(u, _)| u)
        .collect()
}

/// The refresh decision recorded in a run directory, if it has one; an unreadable one is an
/// error naming the file, not a decision quietly left out.
pub fn read_decision(dir: &Path) -> Result<Option<RefreshDecision>, ExperimentError> {
    let path = dir.join(DECISION_FILE);
    if path.is_file() {
        read_json(&path).map(Some)
    } else {
        Ok(None)
    }
}

/// What a search run scores: its final validation loss (the model the final seeds are tested
/// as), or +∞ if it diverged or its last evaluation is not finite, so a run that falls apart
/// never wins, however low its loss was before.
pub fn search_score(summary: &RunSummary) -> f64 {
    match (summary.status, summary.final_valid_loss) {
        (RunStatus::Complete, Some(loss)) if loss.is_finite() => loss,
        _ => f64::INFINITY,
    }
}

/// The search-seed scores ([`search_score`]) of optimizer `o` on workload `w`, aligned with the
/// rate grid (`None`: not run yet), and the chosen rate (lowest score; ties go to the smaller
/// rate), once the whole grid is done. If every rate diverged, none is chosen.
pub fn search(
    study: &CompareStudy,
    w: usize,
    o: usize,
) -> Result<(Vec<Option<f64>>, Option<f64>), ExperimentError> {
    let rates = study.rates(o);
    let losses = study
        .lrs
        .iter()
        .map(|&lr| {
            if !rates.contains(&lr) {
                return Ok(None);
            }
            let dir = study.run_dir(w, o, lr, study.search_seed);
            let config = study.run_config(w, o, lr, study.search_seed);
            Ok(finished_run(&dir, &config)?.map(|s| search_score(&s)))
        })
        .collect::<Result<Vec<_>, ExperimentError>>()?;
    if let Some(lr) = study.optimizers[o].lr {
        return Ok((losses, Some(lr))); // a fixed rate is chosen, whatever its score
    }
    let chosen = losses
        .iter()
        .map(|l| l.unwrap_or(f64::NAN))
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .filter(|_| losses.iter().all(Option::is_some))
        .map(|(i, _)| study.lrs[i]);
    Ok((losses, chosen))
}

/// Trains every run of `shard` that is not finished; returns the runs that did not finish.
pub fn run_shard(
    study: &CompareStudy,
    shard: Shard,
    options: &RunOptions,
) -> Result<Vec<String>, ExperimentError> {
    let mut failed = Vec::new();
    for Unit {
        workload: w,
        optimizers,
    } in shard_units(study, shard)
    {
        for &o in &optimizers {
            for lr in study.rates(o) {
                if crate::interrupt::interrupted() {
                    return Ok(failed);
                }
                train(study, w, o, lr, study.search_seed, options, &mut failed)?;
            }
        }
        for &o in &optimizers {
            let Some(lr) = search(study, w, o)?.1 else {
                continue; // a search run failed: no final seeds without the whole grid
            };
            for &seed in &study.seeds {
                if crate::interrupt::interrupted() {
                    return Ok(failed);
                }
                train(study, w, o, lr, seed, options, &mut failed)?;
            }
        }
    }
    Ok(failed)
}

/// Trains one run (for the refresh rule: its pilot first, if that is not there yet).
fn train(
    study: &CompareStudy,
    w: usize,
    o: usize,
    lr: f64,
    seed: u64,
    options: &RunOptions,
    failed: &mut Vec<String>,
) -> Result<(), ExperimentError> {
    let dir = RunDir::new(study.run_dir(w, o, lr, seed));
    let label = format!(
        "{}/{}/{}/lr={lr},seed={seed}",
        study.name, study.workloads[w].name, study.optimizers[o].name
    );
    let mut config = study.run_config(w, o, lr, seed);
    let mut decided = None;
    if let Some(pilot) = study.optimizers[o].pilot {
        train(study, w, pilot, lr, seed, options, failed)?;
        let pilot_dir = study.run_dir(w, pilot, lr, seed);
        let pilot = finished_run(&pilot_dir, &study.run_config(w, pilot, lr, seed))?;
        let OptimizerSpec::BalancedAdam(spec) = &config.optimizer.spec else {
            failed.push(format!("{label}: a refresh arm must be balanced Adam"));
            return Ok(());
        };
        let spec: BalancedSpec = spec.clone();
        let Some(rule) = spec.refresh_rule() else {
            failed.push(format!(
                "{label}: a refresh arm must have beta = \"refresh\""
            ));
            return Ok(());
        };
        let Some(t_es) = pilot.and_then(|p| pilot_t_es(&p, &rule.t_es)) else {
            failed.push(format!("{label}: the pilot has no T_ES"));
            return Ok(());
        };
        let decision = decide(&rule, t_es)?;
        config = with_beta(&config, &spec, decision.beta);
        decided = Some(decision);
    }
    let summary = run_single(&config, &dir, &label, options)?;
    // Written after the run (a run directory starts empty); the same every time it is computed.
    if let Some(decision) = decided {
        dir.write_json(DECISION_FILE, &decision)?;
    }
    if !summary.status.is_finished() {
        failed.push(format!("{label}: {:?}", summary.status));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverged_or_unfinished_search_run_never_wins() {
        let text = crate::artifacts::FIXTURE_SUMMARY.to_string();
        let mut summary: RunSummary = serde_json::from_str(&text).unwrap();
        let last = summary.final_valid_loss.unwrap();
        assert_eq!(
            search_score(&summary),
            last,
            "the final, not the best, loss"
        );
        summary.best_valid_loss = Some(0.0); // low before it diverged
        summary.status = RunStatus::Diverged;
        assert_eq!(search_score(&summary), f64::INFINITY);
        summary.status = RunStatus::Complete;
        summary.final_valid_loss = Some(f64::NAN);
        assert_eq!(search_score(&summary), f64::INFINITY);
    }

    #[test]
    fn a_corrupt_refresh_decision_is_an_error_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_decision(dir.path()).unwrap().is_none());
        std::fs::write(dir.path().join(DECISION_FILE), "{\"beta\": ").unwrap();
        let err = read_decision(dir.path()).unwrap_err().to_string();
        assert!(err.contains(DECISION_FILE), "{err}");
    }
}
