//! The surge study's report: per target training loss the optimal learning rate per batch size,
//! eq. 22's B_noise and eq. 23's ε_max with the surge law's (eq. 13) and the α = ½ law's (eq. 24)
//! predictions beside the measured optima, where the peak lies, and whether it moves to larger
//! batches as the target falls; the heat map; provenance. `report.md`, `report.html` (offline),
//! `surge.svg` and `summary.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn_balanced_adam::surge::{power_law_lr, surge_lr};

use super::fit::{Optimum, SurgeRun, TargetFit};
use super::plot::plot_surge;
use super::sections::{claims_section, target_section};
use super::summary::SurgeSummary;
use crate::error::ExperimentError;
use crate::report::bundle::ReportBundle;

/// RMS of log₁₀(predicted / measured lr*) over the optima, for eq. 13 and eq. 24 (the
/// smaller, the better the law fits); `None` without a fit.
pub(super) fn log_rms_errors(fit: &TargetFit) -> Option<(f64, f64)> {
    let (b_noise, ..) = fit.noise_scale?;
    let (eps, eps_half) = (fit.eps_max?, fit.power_law_eps_max?);
    let n = fit.optima.len() as f64;
    let rms = |law: &dyn Fn(f64) -> f64| {
        let sum: f64 = fit
            .optima
            .iter()
            .map(|o| (law(o.batch) / o.lr).log10().powi(2))
            .sum();
        (sum / n).sqrt()
    };
    Some((
        rms(&|b| surge_lr(b, b_noise, eps)),
        rms(&|b| power_law_lr(b, b_noise, eps_half, 0.5)),
    ))
}

/// The batch size with the largest lr* (ties: the smallest such batch).
pub(super) fn peak(fit: &TargetFit) -> Option<&Optimum> {
    fit.optima
        .iter()
        .max_by(|a, b| a.lr.total_cmp(&b.lr).then(b.batch.total_cmp(&a.batch)))
}

fn markdown(s: &SurgeSummary, command: &str) -> String {
    let method = if s.fine {
        format!(
            "Every run recorded its training loss at fine resolution (block means over ≤ 5 \
             updates); the analysis smooths it with a centred moving average over at least \
             {:.0} examples and interpolates where it first crosses each target",
            super::fit::SMOOTH_EXAMPLES
        )
    } else {
        "These runs recorded only the training loss averaged over each evaluation interval: a \
         crossing is interpolated between two evaluations, so its resolution is the evaluation \
         spacing"
            .to_string()
    };
    let mut md = format!(
        "# {}\n\n{} with a {} learning rate over {} batch sizes ({}) × {} learning rates \
         ({:.3e} … {:.3e}), up to {} seed(s) per cell (seeds {}). {method}. lr* is the rate with the fewest \
         updates to the target, averaged over the seeds that all reached it; its near-tie set \
         holds every rate not resolvably slower: per seed (all rates of a seed share its \
         initialization and batch order), its excess log-updates over the fastest are within \
         the 95% t bound of the seed noise pooled over the batch size's rates, or closer than \
         the curves' resolution; *detectable slowdown* is the smallest excess the seeds detect \
         with 80% power. B_noise \
         is eq. 22's least-squares line 1/S = −B_noise/E + 1/S_min through the optima; ε_max is \
         eq. 23 at that B_noise. Regenerate with `{command}`.\n",
        crate::report::markdown_text(&s.title),
        optimizer_words(&s.optimizer),
        s.schedule.replace('_', " + "),
        s.batches.len(),
        s.batches
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        s.lrs.len(),
        s.lrs.first().unwrap_or(&f64::NAN),
        s.lrs.last().unwrap_or(&f64::NAN),
        s.seeds,
        s.seed_values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    );
    claims_section(&mut md, s);
    md.push_str("\n## Fitted noise scale per target\n\nlog-RMS: the RMS of log₁₀(predicted / measured lr*) over the batch sizes, in decades (compare with the grid's step).\n\n| target loss | batch sizes reached | B_noise | R² | ε_max (eq. 23) | measured peak B | log-RMS eq. 13 | log-RMS eq. 24 |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for fit in &s.fits {
        let peak = peak(fit).map_or("–".into(), |p| p.batch.to_string());
        let (b, r2) = fit
            .noise_scale
            .map_or(("–".into(), "–".into()), |(b, _, _, r2)| {
                (format!("{b:.1}"), format!("{r2:.3}"))
            });
        let eps = fit.eps_max.map_or("–".into(), |e| format!("{e:.3e}"));
        let (e13, e24) = log_rms_errors(fit).map_or(("–".into(), "–".into()), |(a, b)| {
            (format!("{a:.3}"), format!("{b:.3}"))
        });
        let _ = writeln!(
            md,
            "| {} | {} | {b} | {r2} | {eps} | {peak} | {e13} | {e24} |",
            fit.target,
            fit.optima.len()
        );
    }
    let fitted: Vec<(f64, f64)> = s
        .fits
        .iter()
        .filter_map(|f| Some((f.target, f.noise_scale?.0)))
        .collect();
    if fitted.len() >= 2 {
        let mut by_loss = fitted.clone();
        by_loss.sort_by(|a, b| b.0.total_cmp(&a.0)); // early (high loss) first
        let rises = by_loss.windows(2).all(|w| w[1].1 > w[0].1);
        let _ = writeln!(
            md,
            "\nAs the target loss falls ({}), B_noise goes {}: {}.",
            by_loss
                .iter()
                .map(|(t, _)| t.to_string())
                .collect::<Vec<_>>()
                .join(" → "),
            by_loss
                .iter()
                .map(|(_, b)| format!("{b:.1}"))
                .collect::<Vec<_>>()
                .join(" → "),
            if rises {
                "it rises at every step (the claims table says whether that exceeds the seed noise)"
            } else {
                "it does not rise at every step (the claims table says whether the overall change \
                 exceeds the seed noise)"
            }
        );
    }
    md.push_str(
        "\n![Final training loss over batch size × learning rate; markers: lr* per target; \
         bold: eq. 13 fit, faint: eq. 24 fit](surge.svg)\n\nThe heat map's colour is each run's \
         final training loss; runs at different batch sizes saw different numbers of examples, so \
         compare colours down a column, not across.\n\n## Per target\n",
    );
    for ((fit, shape), per_rate) in s.fits.iter().zip(&s.shapes).zip(&s.shapes_per_rate) {
        target_section(&mut md, s, fit, (shape.as_ref(), per_rate.as_ref()));
    }
    md
}

/// The provenance section.
fn provenance(s: &SurgeSummary) -> String {
    let p = &s.provenance;
    format!(
        "\n## Provenance\n\n- runs: {}, {:.0} s of run time in total (summed over runs)\n\
         {}\n- devices: {}\n",
        p.runs,
        p.total_run_time_s,
        p.commit_lines(),
        p.devices.join("; ")
    )
}

/// Writes the report bundle (`summary.json`, `surge.svg`, `report.md` with `notes` before the
/// provenance, `report.html`) into `out`; returns the path of `report.md`.
pub fn write_report(
    runs: &[SurgeRun],
    summary: &SurgeSummary,
    out: &Path,
    command: &str,
    notes: &str,
) -> Result<PathBuf, ExperimentError> {
    let mut bundle = ReportBundle::new(summary.title.clone(), markdown(summary, command), summary);
    bundle.notes = notes.to_string();
    bundle.provenance = provenance(summary);
    bundle
        .figures
        .push(("surge.svg".into(), plot_surge(runs, &summary.fits)?));
    bundle.write(out)
}

/// An optimizer kind as the report's prose names it.
fn optimizer_words(kind: &str) -> String {
    match kind {
        "adam" => "Adam".into(),
        "adamw" => "AdamW".into(),
        "balanced_adam" => "Balanced Adam".into(),
        "inv_adam" => "InvAdam".into(),
        "dual_adam" => "DualAdam".into(),
        "fadam" => "FAdam".into(),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::provenance::RunsProvenance;
    use crate::report::surge::claims::{claims, shape};
    use crate::report::surge::fit::TieTest;
    use crate::stats::Verdict;

    fn optimum(batch: f64, lr: f64, steps: f64, ties: Vec<f64>) -> Optimum {
        Optimum {
            batch,
            lr,
            steps,
            steps_sd: Some(1.0),
            seeds: 3,
            ties_per_rate: ties.clone(),
            ties,
            grid_step: 0.125,
            detectable_pct: Some(10.0),
            bounded: (true, true),
            bounded_per_rate: (true, true),
        }
    }

    fn fit(target: f64, b_noise: f64) -> TargetFit {
        TargetFit {
            target,
            optima: vec![
                optimum(8.0, 1e-3, 100.0, vec![1e-3]),
                optimum(64.0, 2e-3, 40.0, vec![2e-3]),
                // The fall to 1e-3 is within the near-tie set, which reaches 2e-3.
                optimum(512.0, 1e-3, 30.0, vec![1e-3, 2e-3]),
            ],
            noise_scale: Some((b_noise, 30.0, 100.0, 0.99)),
            eps_max: Some(2e-3),
            power_law_eps_max: Some(2e-3),
            error: None,
        }
    }

    fn summary(fits: Vec<TargetFit>) -> SurgeSummary {
        SurgeSummary {
            title: "t".into(),
            optimizer: "adam".into(),
            schedule: "constant".into(),
            batches: vec![8.0, 64.0, 512.0],
            lrs: vec![1e-3, 2e-3],
            seeds: 3,
            seed_values: vec![42, 43, 44],
            fine: true,
            shapes: fits.iter().map(shape).collect(),
            shapes_per_rate: fits
                .iter()
                .map(|f| shape(&f.under(TieTest::PerRate)))
                .collect(),
            claims: claims(&[], &fits),
            fits,
            provenance: RunsProvenance::default(),
        }
    }

    #[test]
    fn the_reading_says_what_the_near_tie_sets_resolve() {
        // Given in any order: the report orders targets from early (high loss) to late.
        let rising = markdown(
            &summary(vec![fit(0.6, 40.0), fit(1.0, 10.0), fit(0.8, 20.0)]),
            "c",
        );
        assert!(rising.contains("1 → 0.8 → 0.6"), "{rising}");
        assert!(rising.contains("10.0 → 20.0 → 40.0: it rises at every step"));
        // The peak is B = 64; the rise is resolved, the fall at B = 512 is not (its near-tie
        // set reaches the peak's rate).
        assert!(
            rising.contains("largest measured lr* is at B = 64"),
            "{rising}"
        );
        assert!(rising.contains("a rise from a smaller batch to the peak is resolved"));
        assert!(rising.contains("a fall beyond the peak is resolved at none"));
        let s = summary(vec![fit(1.0, 10.0)]);
        assert_eq!(s.claims.rise.verdict, Verdict::Supported);
        assert_ne!(s.claims.fall.verdict, Verdict::Supported);
        assert!(rising.contains("1e-3 … 2.000e-3") || rising.contains("1.000e-3 … 2.000e-3"));
        // eq. 13 at the fitted law, per batch: 2 ε_max √(B·B_noise)/(B + B_noise).
        let expected = format!("{:.3e}", surge_lr(8.0, 10.0, 2e-3));
        assert!(rising.contains(&expected), "{expected}");
        // Predictions equal to the measurements have zero log error.
        let mut exact = fit(1.0, 64.0);
        for o in &mut exact.optima {
            o.lr = surge_lr(o.batch, 64.0, 2e-3);
        }
        let (e13, e24) = log_rms_errors(&exact).unwrap();
        assert!(e13 < 1e-12 && e24 > 0.01, "{e13} {e24}");
    }

    /// Sets both tie tests' near-tie set of optimum `i`.
    fn set_ties(fit: &mut TargetFit, i: usize, ties: Vec<f64>) {
        fit.optima[i].ties_per_rate = ties.clone();
        fit.optima[i].ties = ties;
    }

    #[test]
    fn a_resolved_fall_supports_the_claim_and_a_flat_optimum_at_large_batch_contradicts_it() {
        let mut falls = fit(1.0, 64.0);
        set_ties(&mut falls, 2, vec![1e-3]);
        let s = summary(vec![falls]);
        assert_eq!(s.shapes[0].as_ref().unwrap().resolved_fall, vec![512.0]);
        assert_eq!(s.claims.fall.verdict, Verdict::Supported);
        // B = 512 ≥ 4·B_noise(=20), optimum at the peak's rate, eq. 13 predicts a fall of
        // log10(lr(64)/lr(512)) > 0.125 decade there: contradicted.
        let mut flat = fit(1.0, 20.0);
        flat.optima[2].lr = 2e-3;
        set_ties(&mut flat, 2, vec![2e-3, 4e-3]);
        let s = summary(vec![flat.clone()]);
        assert_eq!(
            s.shapes[0].as_ref().unwrap().no_fall_where_predicted,
            vec![512.0]
        );
        assert_eq!(s.claims.fall.verdict, Verdict::Contradicted);
        // One target resolving the fall and another excluding it: no verdict either way.
        let mut falls = fit(1.2, 64.0);
        set_ties(&mut falls, 2, vec![1e-3]);
        let s = summary(vec![falls, flat]);
        assert_eq!(s.claims.fall.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn a_shape_verdict_stands_only_if_the_per_rate_tests_give_it_too() {
        // The pooled SD resolves the fall at B = 512; its own SD leaves the peak's rate tied.
        let mut falls = fit(1.0, 64.0);
        falls.optima[2].ties = vec![1e-3];
        let s = summary(vec![falls]);
        assert_eq!(s.claims.fall.pooled, Verdict::Supported);
        assert_eq!(s.claims.fall.per_rate, Verdict::Inconclusive);
        assert_eq!(s.claims.fall.verdict, Verdict::Inconclusive);
        assert!(
            s.shapes_per_rate[0]
                .as_ref()
                .unwrap()
                .resolved_fall
                .is_empty()
        );
        // The pooled SD excludes eq. 13's fall; the per-rate set reaches down to the predicted
        // rate (2e-3 · (√512/532)/(√64/84) ≈ 8.9e-4 from the peak's 2e-3 at B = 64).
        let mut flat = fit(1.0, 20.0);
        flat.optima[2].lr = 2e-3;
        flat.optima[2].ties = vec![2e-3, 4e-3];
        flat.optima[2].ties_per_rate = vec![5e-4, 1e-3, 2e-3, 4e-3];
        let s = summary(vec![flat]);
        assert_eq!(s.claims.fall.pooled, Verdict::Contradicted);
        assert_eq!(s.claims.fall.per_rate, Verdict::Inconclusive);
        assert_eq!(s.claims.fall.verdict, Verdict::Inconclusive);
        let md = markdown(&s, "c");
        assert!(
            md.contains("pooled SD: contradicted; per-rate tests: inconclusive"),
            "{md}"
        );
    }
}
