//! The optimizer comparison (`kind = "compare"`): every optimizer searches the same
//! learning-rate grid on each workload, then runs its chosen rate with several seeds.
//!
//! [`definition`] (study file) → [`runner`] (a shard's runs, resumable) → [`analysis`] (arms,
//! paired differences from the baseline) → [`report`] (Markdown, offline HTML, curves, JSON).

pub mod analysis;
pub mod definition;
pub mod report;
pub mod runner;

use std::path::{Path, PathBuf};

use definition::CompareStudy;

use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::study::{Analysis, Shard, Study, StudyAnalysis, StudyKind, WorkloadPlan};
use crate::train::RunOptions;

impl Study for CompareStudy {
    fn kind(&self) -> StudyKind {
        StudyKind::Compare
    }

    fn root(&self) -> &Path {
        &self.root
    }

    fn plan(&self, shard: Shard) -> Result<Vec<WorkloadPlan>, ExperimentError> {
        runner::shard_units(self, shard)
            .into_iter()
            .map(|unit| {
                let workload = &self.workloads[unit.workload];
                let mut done = 0;
                for &o in &unit.optimizers {
                    // The planned runs only: the search seed at every rate, the other seeds at
                    // the chosen rate (a finished run at a rate no longer chosen, e.g. after
                    // the grid grew, is not one of them).
                    let chosen = runner::search(self, unit.workload, o)?.1;
                    for (lr, seed) in self.run_points(o) {
                        if seed != self.search_seed && Some(lr) != chosen {
                            continue;
                        }
                        let dir = self.run_dir(unit.workload, o, lr, seed);
                        let config = self.run_config(unit.workload, o, lr, seed);
                        done +=
                            usize::from(crate::study::runs::finished_run(&dir, &config)?.is_some());
                    }
                }
                let names: Vec<&str> = unit
                    .optimizers
                    .iter()
                    .map(|&o| self.optimizers[o].name.as_str())
                    .collect();
                Ok(WorkloadPlan {
                    label: format!(
                        "{} ({} updates), {}",
                        workload.name,
                        workload.updates(),
                        names.join(" + ")
                    ),
                    updates_per_run: workload.updates(),
                    runs_done: done,
                    runs_planned: unit.optimizers.iter().map(|&o| self.planned_runs(o)).sum(),
                })
            })
            .collect()
    }

    fn run_shard(
        &self,
        shard: Shard,
        options: &RunOptions,
    ) -> Result<Vec<String>, ExperimentError> {
        runner::run_shard(self, shard, options)
    }

    fn runs(&self) -> Vec<(PathBuf, ExperimentConfig)> {
        let mut runs = Vec::new();
        for w in 0..self.workloads.len() {
            for o in 0..self.optimizers.len() {
                for (lr, seed) in self.run_points(o) {
                    runs.push((
                        self.run_dir(w, o, lr, seed),
                        self.run_config(w, o, lr, seed),
                    ));
                }
            }
        }
        runs
    }

    fn analyse(&self) -> Result<Box<dyn StudyAnalysis + '_>, ExperimentError> {
        let summary = analysis::summarize(self)?;
        Ok(Analysis::boxed(self, summary, report::write_report))
    }
}
