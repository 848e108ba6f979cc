//! What the surge report shows (`summary.json`): the grid, the fits per target, what the
//! near-tie sets resolve, the claims with their verdicts, provenance.

use serde::Serialize;

use super::poolable::Setup;

use super::claims::{Shape, SurgeClaims, claims, shape};
use super::fit::{SurgeRun, TargetFit, TieTest};
use crate::artifacts::provenance::RunsProvenance;

/// What the report shows (`summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct SurgeSummary {
    /// The report's title.
    pub title: String,
    /// The runs' optimizer (`optimizer.kind`) and schedule (`schedule.kind`), which they share.
    pub optimizer: String,
    /// See `optimizer`.
    pub schedule: String,
    /// Batch sizes of the grid, ascending.
    pub batches: Vec<f64>,
    /// Learning rates of the grid, ascending.
    pub lrs: Vec<f64>,
    /// Most seeds behind one (batch, lr) cell.
    pub seeds: usize,
    /// The seeds that ran, ascending.
    pub seed_values: Vec<u64>,
    /// Whether every run recorded the fine-resolution training loss (else the crossing times
    /// come from per-evaluation means, at the evaluation grid's resolution).
    pub fine: bool,
    /// The fits, one per target, in the order given.
    pub fits: Vec<TargetFit>,
    /// What each target's near-tie sets resolve, aligned with `fits`.
    pub shapes: Vec<Option<Shape>>,
    /// The same with the per-rate tests' near-tie sets.
    pub shapes_per_rate: Vec<Option<Shape>>,
    /// The paper's claims with their verdicts.
    pub claims: SurgeClaims,
    /// Commits, devices, summed run time and count of the runs.
    #[serde(flatten)]
    pub provenance: RunsProvenance,
}

fn distinct(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
}

impl SurgeSummary {
    /// The summary of `runs` (with their run records' provenance) for the given fits.
    pub fn new(
        title: &str,
        setup: &Setup,
        runs: &[SurgeRun],
        fits: Vec<TargetFit>,
        provenance: RunsProvenance,
    ) -> Self {
        let seeds = runs
            .iter()
            .map(|r| {
                runs.iter()
                    .filter(|x| x.batch == r.batch && x.lr == r.lr)
                    .count()
            })
            .max()
            .unwrap_or(0);
        let mut seed_values: Vec<u64> = runs.iter().map(|r| r.seed).collect();
        seed_values.sort_unstable();
        seed_values.dedup();
        Self {
            title: title.into(),
            optimizer: setup.optimizer.clone(),
            schedule: setup.schedule.clone(),
            seed_values,
            batches: distinct(runs.iter().map(|r| r.batch).collect()),
            lrs: distinct(runs.iter().map(|r| r.lr).collect()),
            seeds,
            fine: runs.iter().all(|r| r.fine),
            shapes: fits.iter().map(shape).collect(),
            shapes_per_rate: fits
                .iter()
                .map(|f| shape(&f.under(TieTest::PerRate)))
                .collect(),
            claims: claims(runs, &fits),
            fits,
            provenance: provenance.sorted(),
        }
    }
}
