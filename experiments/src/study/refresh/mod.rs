//! The refresh study (`kind = "refresh"`): per workload, balanced Adam over a β grid with one
//! seed, then more seeds near the optimum; does the refresh rule's β (from a pilot run's T_ES)
//! land where the grid's best β is?
//!
//! [`definition`] (study file) → [`runner`] (a shard's runs, resumable) → [`analysis`] (L(β),
//! the rule, gaps; [`budget`]: the budget rule beside it) → [`report`] (noise floors, claims with verdicts, plots, summary JSON).

pub mod analysis;
pub mod budget;
pub mod definition;
pub mod report;
pub mod runner;

use std::path::{Path, PathBuf};

use definition::RefreshStudy;
use runner::{WorkloadRuns, run_shard, shard_workloads};

use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::study::{Analysis, Shard, Study, StudyAnalysis, StudyKind, WorkloadPlan};
use crate::train::RunOptions;

impl Study for RefreshStudy {
    fn kind(&self) -> StudyKind {
        StudyKind::Refresh
    }

    fn root(&self) -> &Path {
        &self.root
    }

    fn plan(&self, shard: Shard) -> Result<Vec<WorkloadPlan>, ExperimentError> {
        shard_workloads(self, shard)
            .into_iter()
            .map(|w| {
                let runs = WorkloadRuns::read(self, w)?;
                Ok(WorkloadPlan {
                    label: format!(
                        "{} ({} updates × {} β)",
                        w.name,
                        w.updates(),
                        self.betas.len()
                    ),
                    updates_per_run: w.updates(),
                    runs_done: runs.runs_done(),
                    runs_planned: runs.planned_runs(self),
                })
            })
            .collect()
    }

    fn run_shard(
        &self,
        shard: Shard,
        options: &RunOptions,
    ) -> Result<Vec<String>, ExperimentError> {
        run_shard(self, shard, options)
    }

    fn runs(&self) -> Vec<(PathBuf, ExperimentConfig)> {
        let mut runs = Vec::new();
        for w in &self.workloads {
            for &beta in &self.betas {
                for &seed in &self.seeds {
                    runs.push((
                        self.run_dir(&w.name, beta, seed),
                        self.run_config(w, beta, seed),
                    ));
                }
                // The rate check trains the rule's β, known once the pilot has run: any β; at a
                // re-tuned rate, with every seed.
                let retuned = self.retuned_lr(w);
                for lr in self.rate_check_lrs(w) {
                    let seeds = if retuned == Some(lr) {
                        &self.seeds[..]
                    } else {
                        &self.seeds[..1]
                    };
                    for &seed in seeds {
                        runs.push((
                            self.rate_run_dir(&w.name, beta, lr, seed),
                            self.rate_run_config(w, beta, lr, seed),
                        ));
                    }
                }
            }
        }
        runs
    }

    fn analyse(&self) -> Result<Box<dyn StudyAnalysis + '_>, ExperimentError> {
        let summary = report::summarize(self)?;
        Ok(Analysis::boxed(self, summary, report::write_report))
    }
}
