//! The refresh study's summary (`summary.json`), computed from its run directories alone: L(β)
//! per workload, the gap table, R₀ and T_ES-noise sensitivity, the evidence and provenance.

use serde::Serialize;

use crate::error::ExperimentError;
use crate::study::refresh::analysis::{
    Aggregate, MethodRow, NoiseRow, WorkloadLosses, gap_table, noise_sensitivity, r0_sensitivity,
    rule_beta,
};
use crate::study::refresh::budget::{self, BudgetComparison};
use crate::study::refresh::definition::RefreshStudy;
use crate::study::refresh::runner::WorkloadRuns;

use super::evidence::{self, Evidence};
use super::verdicts;
use crate::artifacts::provenance::{Invocation, RunsProvenance};

/// Seed of the T_ES-noise draws (fixed, so the report regenerates identically).
pub(super) const NOISE_SEED: u64 = 2024;

/// One workload's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshWorkloadLine {
    /// Name, model, dataset, planned updates, batch size.
    pub name: String,
    /// `cnn`, `vit`, `gpt`.
    pub model: String,
    /// Dataset.
    pub dataset: String,
    /// Planned updates per run.
    pub updates: u64,
    /// Batch size.
    pub batch_size: usize,
    /// The data seed fixed across the training seeds (`data.seed`), if any: then every seed
    /// sees the same training subset and validation set, and only initialization and batch
    /// order vary; without it each seed also draws its own split.
    pub data_seed: Option<u64>,
    /// Parameters of the model.
    pub parameters: usize,
    /// The measurements the analysis used.
    pub losses: WorkloadLosses,
    /// Seeds behind each L(β).
    pub seeds_per_beta: Vec<usize>,
    /// Each extra seed's offset from the first seed, removed before averaging.
    pub seed_offsets: Vec<(u64, f64)>,
    /// Per grid β, `(seed, minimum validation loss)` of each finished run: the replicates the
    /// noise floor is measured from.
    pub seed_losses: Vec<Vec<(u64, f64)>>,
    /// The rule's β.
    pub rule_beta: f64,
    /// The oracle's β and loss.
    pub oracle: (f64, f64),
    /// Sum of the runs' wall times, seconds.
    pub wall_time_s: f64,
    /// Updates per second of its runs (training and evaluation), for sizing a study.
    pub updates_per_s: f64,
}

/// Everything the report shows (`summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct RefreshStudySummary {
    /// Study and profile.
    pub study: String,
    /// Profile.
    pub profile: String,
    /// The profile's scale of run lengths (and of R₀).
    pub length_scale: f64,
    /// R₀ of the rule (scaled with the profile's run lengths).
    pub r0: f64,
    /// The fixed baseline and pilot β.
    pub pilot_beta: f64,
    /// Workloads with a complete grid.
    pub workloads: Vec<RefreshWorkloadLine>,
    /// Workloads still missing runs.
    pub incomplete: Vec<String>,
    /// The gap table.
    pub table: Vec<MethodRow>,
    /// The gap table of the first seed alone.
    pub table_first_seed: Vec<MethodRow>,
    /// The rule's aggregates per R₀.
    pub r0_sweep: Vec<(f64, Aggregate)>,
    /// The rule under T_ES noise.
    pub noise: Vec<NoiseRow>,
    /// The gap table over the workloads whose T_ES lies in the paper's range.
    pub table_in_regime: Vec<MethodRow>,
    /// The budget rule (T = planned updates, no pilot) beside the pilot rule.
    pub budget_rule: Option<BudgetComparison>,
    /// Noise floors, paired differences with intervals, the claims' verdicts, R*, the trend.
    pub evidence: Option<Evidence>,
    /// The claims under every averaging convention and a cross-fitted oracle.
    pub robustness: Option<super::robustness::Robustness>,
    /// The rate check: the family rates re-tuned at the rule's β, and the comparisons at both.
    pub rate_confound: Option<super::rates::RateConfound>,
    /// Commits, devices, summed run time and count of the finished runs.
    #[serde(flatten)]
    pub provenance: RunsProvenance,
    /// The `study run` invocations that trained them (wall clock per shard).
    pub invocations: Vec<Invocation>,
}

impl crate::study::KindSummary for RefreshStudySummary {
    fn finished_runs(&self) -> usize {
        self.provenance.runs
    }

    fn account(&self) -> String {
        format!(
            "{} workloads complete, {} incomplete, {} runs",
            self.workloads.len(),
            self.incomplete.len(),
            self.provenance.runs
        )
    }
}

/// Reads the study's run directories and computes the summary.
pub fn summarize(study: &RefreshStudy) -> Result<RefreshStudySummary, ExperimentError> {
    let mut workloads = Vec::new();
    let mut incomplete = Vec::new();
    let mut tally = RunsProvenance::default();
    for workload in &study.workloads {
        let runs = WorkloadRuns::read(study, workload)?;
        let (mut wall, mut updates) = (0.0, 0);
        let mut parameters = 0;
        for (_, s) in runs.runs.iter().flatten() {
            wall += s.wall_time_s;
            updates += s.updates_done;
            parameters = s.parameters;
            tally.add(s);
        }
        // The rate check's runs are the study's too (the rule's β at the first seed and a
        // re-tuned rate is one run, counted once).
        let rule = runs.rule_beta(study);
        for (_, s) in &runs.rate_runs {
            tally.add(s);
        }
        for (beta, seed, s) in &runs.retuned_runs {
            if !(Some(*beta) == rule && *seed == study.seeds[0]) {
                tally.add(s);
            }
        }
        let Some((losses, seed_offsets)) = runs.losses(study) else {
            incomplete.push(workload.name.clone());
            continue;
        };
        let config = &workload.config;
        workloads.push(RefreshWorkloadLine {
            name: workload.name.clone(),
            model: config.model.kind().into(),
            dataset: config.data.dataset.to_string(),
            updates: workload.updates(),
            batch_size: config.training.batch_size,
            data_seed: config.data.seed,
            parameters,
            seeds_per_beta: runs.runs.iter().map(Vec::len).collect(),
            seed_offsets,
            seed_losses: runs.seed_losses(),
            rule_beta: rule_beta(losses.t_es, study.r0, &study.betas),
            oracle: losses.oracle(),
            losses,
            wall_time_s: wall,
            updates_per_s: updates as f64 / wall.max(1e-9),
        });
    }
    let tally = tally.sorted();
    let losses: Vec<WorkloadLosses> = workloads.iter().map(|w| w.losses.clone()).collect();
    let mut first_seed = Vec::new();
    for w in &workloads {
        let workload = study
            .workloads
            .iter()
            .find(|x| x.name == w.name)
            .expect("listed");
        if let Some(l) = WorkloadRuns::read(study, workload)?.first_seed_losses(study) {
            first_seed.push(l);
        }
    }
    let table_first_seed = if first_seed.is_empty() {
        Vec::new()
    } else {
        gap_table(&first_seed, study.r0, study.pilot_beta)
    };
    let (table, r0_sweep, noise) = if losses.is_empty() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            gap_table(&losses, study.r0, study.pilot_beta),
            r0_sensitivity(&losses, &study.r0_sweep),
            noise_sensitivity(
                &losses,
                study.r0,
                &study.noise_sigmas,
                study.noise_draws,
                NOISE_SEED,
            ),
        )
    };
    let in_regime: Vec<WorkloadLosses> = losses
        .iter()
        .filter(|w| (evidence::PAPER_T_ES.0..=evidence::PAPER_T_ES.1).contains(&w.t_es))
        .cloned()
        .collect();
    let table_in_regime = if in_regime.is_empty() {
        Vec::new()
    } else {
        gap_table(&in_regime, study.r0, study.pilot_beta)
    };
    let budget_rule = (!workloads.is_empty()).then(|| {
        let updates: Vec<u64> = workloads.iter().map(|w| w.updates).collect();
        budget::compare(&losses, &updates, study.r0)
    });
    let evidence = (!workloads.is_empty()).then(|| {
        let runs: Vec<Vec<Vec<(u64, f64)>>> =
            workloads.iter().map(|w| w.seed_losses.clone()).collect();
        let meta: Vec<(String, u64)> = workloads
            .iter()
            .map(|w| (w.model.clone(), w.updates))
            .collect();
        verdicts::evidence(&super::evidence::EvidenceInput {
            losses: &losses,
            runs: &runs,
            meta: &meta,
            first_seed: study.seeds[0],
            r0: study.r0,
            fixed_beta: study.pilot_beta,
        })
    });
    let robustness = evidence.as_ref().map(|e| {
        super::robustness::robustness(
            &workloads,
            &e.workloads,
            study.pilot_beta,
            &study.seeds,
            &study.r0_sweep,
        )
        .with_main(&e.claims)
    });
    let rate_confound = super::rates::rate_confound(study);
    Ok(RefreshStudySummary {
        study: study.name.clone(),
        profile: study.profile.clone(),
        length_scale: study.length_scale,
        r0: study.r0,
        pilot_beta: study.pilot_beta,
        workloads,
        incomplete,
        table,
        table_first_seed,
        r0_sweep,
        noise,
        table_in_regime,
        budget_rule,
        evidence,
        robustness,
        rate_confound,
        provenance: tally,
        invocations: Invocation::read_all(&study.root)?,
    })
}
