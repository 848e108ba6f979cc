//! Runs the refresh study's runs of one shard, and reads back what the run directories hold.
//!
//! Per workload: the first seed over the whole β grid (its `pilot_beta` run is the pilot whose
//! trajectory gives T_ES), then the other seeds for the near-optimal window: the first seed's
//! `seed_window` best β, the pilot β and the rule's β; then every seed for the β whose plain mean
//! over its seeds is lowest (so no single-seed β is the oracle of any averaging convention); then
//! the rate check (`rule_lrs`: the rule's β at other rates, first seed). Finished runs are skipped
//! and interrupted ones resumed, so the command is simply run again until everything is done.

use burn_balanced_adam::t_es::{TesEstimate, TesEstimator};

use super::analysis::{WorkloadLosses, rule_beta, seed_adjusted_losses};
use super::definition::{RefreshStudy, RefreshWorkload};
use crate::artifacts::{RunDir, RunSummary};
use crate::error::ExperimentError;
use crate::study::runs::finished_run;
use crate::study::shard::{Shard, assign_shards};
use crate::train::refresh::pilot_t_es;
use crate::train::{RunOptions, run_single};

/// The workloads shard `shard` owns (whole workloads, so a shard never waits on another).
pub fn shard_workloads(study: &RefreshStudy, shard: Shard) -> Vec<&RefreshWorkload> {
    // The grid and the second-seed window are about the same share of every workload.
    let costs: Vec<u64> = study.workloads.iter().map(RefreshWorkload::cost).collect();
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
    pub workload: &'a RefreshWorkload,
    /// Aligned with the study's `betas`: `(seed, summary)` of each finished run.
    pub runs: Vec<Vec<(u64, RunSummary)>>,
    /// The rate check's finished runs: `(rate, summary)` of the rule's β with the first seed.
    pub rate_runs: Vec<(f64, RunSummary)>,
    /// At the family's re-tuned rate: `(β, seed, summary)` of the rule's and the pilot's runs.
    pub retuned_runs: Vec<(f64, u64, RunSummary)>,
    /// How many of the runs at other rates ([`RefreshStudy::rate_points`]) are finished.
    pub rate_points_done: usize,
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
        workload: &'a RefreshWorkload,
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
        let mut read = WorkloadRuns {
            workload,
            runs,
            rate_runs: Vec::new(),
            retuned_runs: Vec::new(),
            rate_points_done: 0,
        };
        if let Some(rule) = read.rule_beta(study) {
            let retuned = study.retuned_lr(workload);
            for (beta, lr, seed) in study.rate_points(workload, rule) {
                let dir = study.rate_run_dir(&workload.name, beta, lr, seed);
                let config = study.rate_run_config(workload, beta, lr, seed);
                let Some(summary) = finished_run(&dir, &config)? else {
                    continue;
                };
                read.rate_points_done += 1;
                // The rule's β at the first seed is the rate check's; at a re-tuned rate it is
                // also one of that rate's comparison runs.
                if beta == rule && seed == study.seeds[0] {
                    read.rate_runs.push((lr, summary.clone()));
                }
                if Some(lr) == retuned {
                    read.retuned_runs.push((beta, seed, summary));
                }
            }
        }
        Ok(read)
    }

    /// The rule's grid β from the pilot's T_ES (`None` before the pilot has finished).
    pub fn rule_beta(&self, study: &RefreshStudy) -> Option<f64> {
        let t = self.pilot_t_es(study)?;
        Some(rule_beta(t.t_es as f64, study.r0, &study.betas))
    }

    /// The β with the lowest plain mean of L over the seeds it has, and the seeds it lacks, if it
    /// lacks any (`None` before the grid is done or when that β has every seed).
    pub fn plain_oracle_missing(&self, study: &RefreshStudy) -> Option<(f64, Vec<u64>)> {
        if !self.grid_done(study) {
            return None;
        }
        let mean = |point: &[(u64, RunSummary)]| {
            point.iter().map(|(_, s)| min_valid_loss(s)).sum::<f64>() / point.len() as f64
        };
        let best = (0..study.betas.len())
            .min_by(|&a, &b| mean(&self.runs[a]).total_cmp(&mean(&self.runs[b])))?;
        let missing: Vec<u64> = study
            .seeds
            .iter()
            .copied()
            .filter(|seed| !self.runs[best].iter().any(|(s, _)| s == seed))
            .collect();
        (!missing.is_empty()).then(|| (study.betas[best], missing))
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
        window.extend(self.rule_beta(study));
        window.sort_by(f64::total_cmp);
        window.dedup();
        window
    }

    /// The β that get the other seeds: the window and every β that already has more than one
    /// seed, ascending (the plain-mean oracle's are added as they are trained).
    pub fn seeded(&self, study: &RefreshStudy) -> Vec<f64> {
        let mut seeded = self.window(study);
        seeded.extend(
            (0..study.betas.len())
                .filter(|&i| self.runs[i].len() > 1)
                .map(|i| study.betas[i]),
        );
        seeded.sort_by(f64::total_cmp);
        seeded.dedup();
        seeded
    }

    /// The runs this workload makes: the grid with the first seed, the window with the other
    /// seeds (before the grid is done, the largest window: `seed_window` + pilot + rule), every β
    /// already given more seeds or owed them as the plain-mean oracle, and the rate check.
    pub fn planned_runs(&self, study: &RefreshStudy) -> usize {
        let seeded = if self.grid_done(study) {
            let mut seeded = self.seeded(study);
            seeded.extend(self.plain_oracle_missing(study).map(|(beta, _)| beta));
            seeded.sort_by(f64::total_cmp);
            seeded.dedup();
            seeded.len()
        } else {
            (study.seed_window + 2).min(study.betas.len())
        };
        // The runs at other rates, once the rule's β is known; before, as many as the rule's β
        // not being the pilot's gives.
        let rates = match self.rule_beta(study) {
            Some(rule) => study.rate_points(self.workload, rule).len(),
            None => {
                let check = study.rate_check_lrs(self.workload).len();
                check
                    + study
                        .retuned_lr(self.workload)
                        .map_or(0, |_| 2 * study.seeds.len() - 1)
            }
        };
        study.betas.len() + seeded * (study.seeds.len() - 1) + rates
    }

    /// The finished runs: grid, seeds and the runs at other rates.
    pub fn runs_done(&self) -> usize {
        self.runs.iter().map(Vec::len).sum::<usize>() + self.rate_points_done
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
    // Trains one run (β, at the workload's rate or at `lr`, `seed`) unless interrupted;
    // `Ok(false)`: stop here.
    let mut train = |w: &RefreshWorkload,
                     beta: f64,
                     lr: Option<f64>,
                     seed: u64|
     -> Result<bool, ExperimentError> {
        if crate::interrupt::interrupted() {
            return Ok(false);
        }
        let (config, dir) = match lr {
            None => (
                study.run_config(w, beta, seed),
                study.run_dir(&w.name, beta, seed),
            ),
            Some(lr) => (
                study.rate_run_config(w, beta, lr, seed),
                study.rate_run_dir(&w.name, beta, lr, seed),
            ),
        };
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let label = format!("{}/{}/{name}", study.name, w.name);
        let summary = run_single(&config, &RunDir::new(&dir), &label, options)?;
        if !summary.status.is_finished() {
            failed.push(format!("{label}: {:?}", summary.status));
        }
        Ok(true)
    };
    for workload in shard_workloads(study, shard) {
        for &beta in &study.betas {
            if !train(workload, beta, None, study.seeds[0])? {
                return Ok(failed);
            }
        }
        let runs = WorkloadRuns::read(study, workload)?;
        if !runs.grid_done(study) {
            continue; // a grid run failed: no window without the whole first seed
        }
        // The window, and every β already given more seeds (a plain-mean oracle of an earlier
        // invocation or another shard): a re-run visits every run the plan counts.
        for beta in runs.seeded(study) {
            for &seed in &study.seeds[1..] {
                if !train(workload, beta, None, seed)? {
                    return Ok(failed);
                }
            }
        }
        // A β given more seeds moves its plain mean and may hand the minimum to another
        // single-seed β: repeat until the minimum has every seed (or its runs failed).
        let mut seeded = Vec::new();
        while let Some((beta, missing)) =
            WorkloadRuns::read(study, workload)?.plain_oracle_missing(study)
        {
            if seeded.contains(&beta.to_bits()) {
                break; // its runs did not finish: `failed` says so
            }
            seeded.push(beta.to_bits());
            for seed in missing {
                if !train(workload, beta, None, seed)? {
                    return Ok(failed);
                }
            }
        }
        // The rate check, and a re-tuned family's runs at its new rate.
        let Some(rule) = WorkloadRuns::read(study, workload)?.rule_beta(study) else {
            continue;
        };
        for (beta, lr, seed) in study.rate_points(workload, rule) {
            if !train(workload, beta, Some(lr), seed)? {
                return Ok(failed);
            }
        }
    }
    Ok(failed)
}
