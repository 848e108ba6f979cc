//! The refresh study's report, from its run directories alone: `summary.json` (every number),
//! `report.md` (our table beside the paper's) and SVG plots.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::analysis::{
    Aggregate, MethodRow, NoiseRow, WorkloadLosses, gap_table, noise_sensitivity, r0_sensitivity,
    rule_beta,
};
use super::definition::RefreshStudy;
use super::runner::WorkloadRuns;
use crate::error::ExperimentError;

mod plots;

use super::provenance::{Invocation, Tally, provenance_markdown};

/// Seed of the T_ES-noise draws (fixed, so the report regenerates identically).
const NOISE_SEED: u64 = 2024;

/// One workload's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadLine {
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
    /// Parameters of the model.
    pub parameters: usize,
    /// The measurements the analysis used.
    pub losses: WorkloadLosses,
    /// Seeds behind each L(β).
    pub seeds_per_beta: Vec<usize>,
    /// Each extra seed's offset from the first seed, removed before averaging.
    pub seed_offsets: Vec<(u64, f64)>,
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
pub struct StudySummary {
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
    pub workloads: Vec<WorkloadLine>,
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
    /// Commits, devices, summed run time and count of the finished runs.
    #[serde(flatten)]
    pub provenance: Tally,
    /// The `study refresh` invocations that trained them (wall clock per shard).
    pub invocations: Vec<Invocation>,
}

/// Reads the study's run directories and computes the summary.
pub fn summarize(study: &RefreshStudy) -> Result<StudySummary, ExperimentError> {
    let mut workloads = Vec::new();
    let mut incomplete = Vec::new();
    let mut tally = Tally::default();
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
        let Some((losses, seed_offsets)) = runs.losses(study) else {
            incomplete.push(workload.name.clone());
            continue;
        };
        let config = &workload.config;
        workloads.push(WorkloadLine {
            name: workload.name.clone(),
            model: config.model.kind().into(),
            dataset: config.data.dataset.clone(),
            updates: workload.updates(),
            batch_size: config.training.batch_size,
            parameters,
            seeds_per_beta: runs.runs.iter().map(Vec::len).collect(),
            seed_offsets,
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
    Ok(StudySummary {
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
        provenance: tally,
        invocations: Invocation::read_all(&study.root)?,
    })
}

/// Writes `summary.json`, `report.md` and the plots into `out`; returns the report's path.
pub fn write_report(
    study: &RefreshStudy,
    summary: &StudySummary,
    out: &Path,
    command: &str,
) -> Result<PathBuf, ExperimentError> {
    std::fs::create_dir_all(out).map_err(ExperimentError::io(out))?;
    let json = serde_json::to_string_pretty(summary).expect("the summary serializes");
    crate::artifacts::write_atomic(&out.join("summary.json"), json.as_bytes())?;
    if !summary.workloads.is_empty() {
        plots::loss_vs_beta(summary, &out.join("loss-vs-beta.svg"))?;
        plots::gap_vs_r0(summary, &out.join("gap-vs-r0.svg"))?;
    }
    let path = out.join("report.md");
    crate::artifacts::write_atomic(&path, markdown(study, summary, command).as_bytes())?;
    Ok(path)
}

/// The paper's three claims, checked against our table in words (computed, never fixed text).
fn reading(s: &StudySummary) -> String {
    let (Some(rule), Some(fixed)) = (s.table.first(), s.table.get(1)) else {
        return String::new();
    };
    let (r, f) = (&rule.aggregate, &fixed.aggregate);
    let cut = if f.max > 0.0 {
        100.0 * (1.0 - r.max / f.max)
    } else {
        0.0
    };
    let verdict = |holds: bool| {
        if holds {
            "holds here"
        } else {
            "does not hold here"
        }
    };
    format!(
        "\n## Reading\n\n\
         - Worst case: the rule's max gap is {:.3}% against {:.3}% for β = {} ({}{:.1}%; the paper: \
         −33.4%). The claim that the rule cuts the worst case {}.\n\
         - Mean: {:.3}% against {:.3}% (the paper found the rule slightly worse on the mean).\n\
         - Within 1% of the oracle: {}/{} workloads with the rule, {}/{} with β = {} (the paper: \
         11/11 and 9/11). The claim that the rule keeps every run within 1% {}.\n",
        r.max,
        f.max,
        s.pilot_beta,
        if cut >= 0.0 { "−" } else { "+" },
        cut.abs(),
        verdict(r.max < f.max),
        r.mean,
        f.mean,
        r.under_1pct,
        r.n,
        f.under_1pct,
        f.n,
        s.pilot_beta,
        verdict(r.under_1pct == r.n),
    )
}

fn gap_rows(md: &mut String, rows: &[MethodRow]) {
    md.push_str(
        "| method | mean gap % | max gap % | CVaR % | runs < 1% |\n|---|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let a = &row.aggregate;
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} | {}/{} |",
            row.method, a.mean, a.max, a.cvar, a.under_1pct, a.n
        );
    }
}

fn markdown(study: &RefreshStudy, s: &StudySummary, command: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# The refresh rule on our workloads ({} profile)\n",
        s.profile
    );
    let _ = writeln!(
        md,
        "Balanced Adam (β₁ = β₂ = β) over the β grid on {} workloads; the rule picks \
         β = 1 − R₀/T_ES (R₀ = {}) from the T_ES of the β = {} run (the pilot), snapped to the \
         grid. L(β) is a run's minimum validation loss, averaged over its seeds after removing each \
         extra seed's offset from the first (seeds change the training subset and, for images, \
         the validation split; the offsets are in `summary.json`); \
         gap = 100·(L(β) − L*)/L*. Run lengths and R₀ are scaled by {} in this profile. \
         Regenerate with `{command}`.\n",
        s.workloads.len(),
        s.r0,
        s.pilot_beta,
        s.length_scale,
    );
    if !s.incomplete.is_empty() {
        let _ = writeln!(
            md,
            "**Incomplete workloads, left out:** {}.\n",
            s.incomplete.join(", ")
        );
    }
    if s.workloads.is_empty() {
        md.push_str("No workload has its whole grid yet.\n");
        return md;
    }
    md.push_str("## Gap table (ours)\n\n");
    gap_rows(&mut md, &s.table);
    md.push_str(
        "\nThe same from the first seed alone (no averaging; one training subset and validation \
         split per workload):\n\n",
    );
    gap_rows(&mut md, &s.table_first_seed);
    md.push_str(
        "\n## The paper's table (11 experiments)\n\n| method | mean gap % | max gap % | CVaR % | runs < 1% |\n|---|---:|---:|---:|---:|\n\
         | fixed β = 0.94377 | 0.290 | 1.328 | 1.059 | 9/11 |\n| refresh R₀ = 1000 | 0.307 | 0.885 | 0.713 | 11/11 |\n",
    );
    md.push_str(&reading(s));
    md.push_str("\n## Workloads\n\n| workload | model | data | params | updates | batch | updates/s | T_ES | rule β | oracle β | L* | gap rule % | gap 0.94377 % |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for w in &s.workloads {
        let gap = |b| w.losses.gap(b).map_or("–".into(), |g| format!("{g:.3}"));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {:.4} | {} | {} |",
            w.name,
            w.model,
            w.dataset,
            w.parameters,
            w.updates,
            w.batch_size,
            w.updates_per_s,
            w.losses.t_es,
            w.rule_beta,
            w.oracle.0,
            w.oracle.1,
            gap(w.rule_beta),
            gap(s.pilot_beta),
        );
    }
    md.push_str("\nL(β) per workload (x axis evenly spaced in log(1 − β)); green ring: the oracle, red: the \
         rule's β, grey: β = 0.94377.\n\n![validation loss vs β](loss-vs-beta.svg)\n\n## Gap vs R₀\n\n| R₀ | mean gap % | max gap % | CVaR % | runs < 1% |\n|---:|---:|---:|---:|---:|\n");
    for (r0, a) in &s.r0_sweep {
        let _ = writeln!(
            md,
            "| {r0} | {:.3} | {:.3} | {:.3} | {}/{} |",
            a.mean, a.max, a.cvar, a.under_1pct, a.n
        );
    }
    let _ = writeln!(
        md,
        "\n![gap vs R₀](gap-vs-r0.svg)\n\n## T_ES noise\n\nT_ES · (1 + σz), z ~ N(0, 1), {} draws per σ (seed {NOISE_SEED}).\n\n\
         | σ | mean gap % | max gap % (mean) | max gap % (worst draw) | runs < 1% (mean) | β changed |\n|---:|---:|---:|---:|---:|---:|",
        study.noise_draws
    );
    for n in &s.noise {
        let _ = writeln!(
            md,
            "| {:.0}% | {:.3} | {:.3} | {:.3} | {:.2} | {:.0}% |",
            n.sigma * 100.0,
            n.mean_gap,
            n.max_gap,
            n.worst_max_gap,
            n.under_1pct,
            n.changed * 100.0
        );
    }
    md.push_str(&provenance_markdown(
        &s.provenance,
        &s.invocations,
        &study.root,
        "study refresh",
    ));
    md
}
