//! Runs the refresh study's runs of one shard, and reads back what the run directories hold.
//!
//! Per workload: the first seed over the whole β grid (its `pilot_beta` run is the pilot whose
//! trajectory gives T_ES), then the other seeds for the near-optimal window: the first seed's
//! `seed_window` best β, the pilot β and the rule's β. Finished runs are skipped and interrupted
//! ones resumed, so the command is simply run again until everything is done.

use burn_balanced_adam::t_es::{TesEstimate, TesEstimator};

use super::analysis::{WorkloadLosses, rule_beta, seed_adjusted_losses};
use super::definition::{RefreshStudy, StudyWorkload};
use crate::artifacts::{RunDir, RunStatus, RunSummary};
use crate::error::ExperimentError;
use crate::study::runs::finished_run;
use crate::study::shard::{Shard, assign_shards};
use crate::train::refresh::pilot_t_es;
use crate::train::{RunOptions, run_single};

/// The workloads shard `shard` owns (whole workloads, so a shard never waits on another).
pub fn shard_workloads(study: &RefreshStudy, shard: Shard) -> Vec<&StudyWorkload> {
    // The grid and the second-seed window are about the same share of every workload.
    let costs: Vec<u64> = study.workloads.iter().map(StudyWorkload::cost).collect();
    let shard_of = assign_shards(&costs, shard.count);
    study
        .workloads
        .iter()
        .zip(shard_of)
        .filter(|(_, s)| *s == shard.index - 1)
        .map(|(w, _)| w)
        .collect()
}

/// What one workload's run directories hold: per grid β, the finished runs of each seed.
#[derive(Debug, Clone)]
pub struct WorkloadRuns<'a> {
    /// The workload.
    pub workload: &'a StudyWorkload,
    /// Aligned with the study's `betas`: `(seed, summary)` of each finished run.
    pub runs: Vec<Vec<(u64, RunSummary)>>,
}

/// The minimum recorded validation loss of a run (+∞ if it never had a finite one).
pub fn min_valid_loss(summary: &RunSummary) -> f64 {
    summary
        .best_valid_loss
        .filter(|l| l.is_finite())
        .unwrap_or(f64::INFINITY)
}

impl WorkloadRuns<'_> {
    /// Reads the finished runs (complete or diverged) of `workload`.
    pub fn read<'a>(
        study: &RefreshStudy,
        workload: &'a StudyWorkload,
    ) -> Result<WorkloadRuns<'a>, ExperimentError> {
        let mut runs = Vec::with_capacity(study.betas.len());
        for &beta in &study.betas {
            let mut finished = Vec::new();
            for &seed in &study.seeds {
                let dir = study.run_dir(&workload.name, beta, seed);
                let config = study.run_config(workload, beta, seed);
                if let Some(summary) = finished_run(&dir, &config)? {
                    finished.push((seed, summary));
                }
            }
            runs.push(finished);
        }
        Ok(WorkloadRuns { workload, runs })
    }

    fn first_seed_loss(&self, study: &RefreshStudy, i: usize) -> Option<f64> {
        self.runs[i]
            .iter()
            .find(|(seed, _)| *seed == study.seeds[0])
            .map(|(_, s)| min_valid_loss(s))
    }

    /// Whether every grid β has its first-seed run.
    pub fn grid_done(&self, study: &RefreshStudy) -> bool {
        (0..study.betas.len()).all(|i| self.first_seed_loss(study, i).is_some())
    }

    /// T_ES from the pilot's trajectory ([`pilot_t_es`]: the rule's one convention), with the
    /// study's early-stopping patience.
    pub fn pilot_t_es(&self, study: &RefreshStudy) -> Option<TesEstimate> {
        let i = study.betas.iter().position(|&b| b == study.pilot_beta)?;
        let (_, pilot) = self.runs[i].iter().find(|(s, _)| *s == study.seeds[0])?;
        let estimator = TesEstimator {
            patience: (study.pilot_patience > 0).then_some(study.pilot_patience),
            ..TesEstimator::default()
        };
        pilot_t_es(pilot, &estimator)
    }

    /// The β values that get the other seeds (ascending): the first seed's best
    /// `seed_window`, the pilot's β and the rule's β.
    pub fn window(&self, study: &RefreshStudy) -> Vec<f64> {
        let mut order: Vec<usize> = (0..study.betas.len()).collect();
        let loss = |i| self.first_seed_loss(study, i).unwrap_or(f64::INFINITY);
        order.sort_by(|&a, &b| loss(a).total_cmp(&loss(b)));
        let mut window: Vec<f64> = order
            .iter()
            .take(study.seed_window)
            .map(|&i| study.betas[i])
            .collect();
        window.push(study.pilot_beta);
        if let Some(t) = self.pilot_t_es(study) {
            window.push(rule_beta(t.t_es as f64, study.r0, &study.betas));
        }
        window.sort_by(f64::total_cmp);
        window.dedup();
        window
    }

    /// The runs this workload makes: the grid with the first seed, then the window with the
    /// other seeds (before the grid is done, the largest window: `seed_window` + pilot + rule).
    pub fn planned_runs(&self, study: &RefreshStudy) -> usize {
        let window = if self.grid_done(study) {
            self.window(study).len()
        } else {
            (study.seed_window + 2).min(study.betas.len())
        };
        study.betas.len() + window * (study.seeds.len() - 1)
    }

    /// The analysis' input: L(β) over the finished seeds, each seed's offset removed
    /// ([`seed_adjusted_losses`]), with those offsets; `None` until the grid is done.
    pub fn losses(&self, study: &RefreshStudy) -> Option<(WorkloadLosses, Vec<(u64, f64)>)> {
        if !self.grid_done(study) {
            return None;
        }
        let (loss, offsets) = seed_adjusted_losses(&self.seed_losses(), study.seeds[0]);
        let losses = WorkloadLosses {
            name: self.workload.name.clone(),
            betas: study.betas.clone(),
            loss,
            t_es: self.pilot_t_es(study)?.t_es as f64,
        };
        Some((losses, offsets))
    }

    /// Per grid β, `(seed, minimum validation loss)` of each finished run.
    pub fn seed_losses(&self) -> Vec<Vec<(u64, f64)>> {
        self.runs
            .iter()
            .map(|point| {
                point
                    .iter()
                    .map(|(seed, s)| (*seed, min_valid_loss(s)))
                    .collect()
            })
            .collect()
    }

    /// The first seed's L(β) alone: one training subset and validation split per workload.
    pub fn first_seed_losses(&self, study: &RefreshStudy) -> Option<WorkloadLosses> {
        let loss = (0..study.betas.len())
            .map(|i| self.first_seed_loss(study, i))
            .collect::<Option<Vec<f64>>>()?;
        Some(WorkloadLosses {
            name: self.workload.name.clone(),
            betas: study.betas.clone(),
            loss,
            t_es: self.pilot_t_es(study)?.t_es as f64,
        })
    }
}

/// Trains every run of `shard` that is not finished; returns the runs that did not finish.
pub fn run_shard(
    study: &RefreshStudy,
    shard: Shard,
    options: &RunOptions,
) -> Result<Vec<String>, ExperimentError> {
    let mut failed = Vec::new();
    let mut train = |w: &StudyWorkload, beta: f64, seed: u64| -> Result<(), ExperimentError> {
        let dir = RunDir::new(study.run_dir(&w.name, beta, seed));
        let label = format!("{}/{}/beta={beta},seed={seed}", study.name, w.name);
        let summary = run_single(&study.run_config(w, beta, seed), &dir, &label, options)?;
        if !matches!(summary.status, RunStatus::Complete | RunStatus::Diverged) {
            failed.push(format!("{label}: {:?}", summary.status));
        }
        Ok(())
    };
    for workload in shard_workloads(study, shard) {
        for &beta in &study.betas {
            if crate::interrupt::interrupted() {
                return Ok(failed);
            }
            train(workload, beta, study.seeds[0])?;
        }
        let runs = WorkloadRuns::read(study, workload)?;
        if !runs.grid_done(study) {
            continue; // a grid run failed: no window without the whole first seed
        }
        for beta in runs.window(study) {
            for &seed in &study.seeds[1..] {
                if crate::interrupt::interrupted() {
                    return Ok(failed);
                }
                train(workload, beta, seed)?;
            }
        }
    }
    Ok(failed)
}
