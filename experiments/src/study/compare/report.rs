//! The comparison study's report: per workload the table of arms (mean ± std over seeds), the
//! paired differences from the baseline, the learning-rate search and the validation curves;
//! a computed reading; provenance. Written as `report.md`, `report.html` (offline, SVG inlined),
//! `curves-<workload>.svg` and `summary.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::analysis::{CompareSummary, CompareWorkloadLine, OptimizerLine, Paired};
use super::definition::CompareStudy;
use crate::artifacts::provenance::provenance_markdown;
use crate::error::ExperimentError;
use crate::report::arms::{Arm, Spread};
use crate::report::bundle::ReportBundle;
use crate::report::document::{COLUMNS, row};
use crate::report::plot_arm_curves;
use crate::stats::{ALPHA, ClaimCheck, format_p};

fn paired_cell(p: &Option<Paired>, digits: usize) -> String {
    match p {
        None => "–".into(),
        Some(p) => format!(
            "{:+.digits$} ± {:.digits$} ({}/{} better)",
            p.diff.mean, p.diff.std, p.better, p.diff.n,
        ),
    }
}

/// The t-test's columns: 95% interval, p, Holm-adjusted p, detectable difference.
fn test_cells(p: &Option<Paired>, digits: usize) -> String {
    match p.as_ref().and_then(|p| p.test.map(|t| (t, p.p_holm))) {
        None => "– | – | – | –".into(),
        Some((t, holm)) => format!(
            "{} | {} | {}{} | {:.digits$}",
            t.ci.show(digits),
            format_p(t.p),
            holm.map_or("–".into(), format_p),
            if holm.is_some_and(|q| q < ALPHA) {
                " *"
            } else {
                ""
            },
            t.detectable,
        ),
    }
}

fn workload_section(md: &mut String, s: &CompareSummary, w: &CompareWorkloadLine) {
    let _ = writeln!(md, "\n## {}\n\n{}.\n", w.name, w.description);
    let _ = writeln!(
        md,
        "| optimizer | lr | {} |\n|---|---:|{}",
        COLUMNS[1..].join(" | "),
        "---:|".repeat(COLUMNS.len() - 1)
    );
    for o in &w.optimizers {
        let lr = o.chosen_lr.map_or("–".into(), |lr| {
            format!("{lr}{}", if o.at_edge { " (edge)" } else { "" })
        });
        let cells = o.arm.as_ref().map_or_else(
            || vec!["no finished runs".to_string()],
            |a| row(a)[1..].to_vec(),
        );
        let _ = writeln!(md, "| {} | {lr} | {} |", o.name, cells.join(" | "));
    }
    let (metric, unit, digits) = if w.language {
        ("test loss", "", 4)
    } else {
        ("test accuracy", " (points)", 2)
    };
    let _ = writeln!(
        md,
        "\nPer seed, minus {} (mean ± std over the shared seeds; \"better\" counts seeds), with the \
         paired t-test: 95% interval of the mean difference, p, p after Holm's correction over \
         the report's comparisons of that metric (* below 0.05), and the smallest difference \
         these seeds detect (80% power):\n\n\
         | optimizer | Δ {metric}{unit} | 95% interval | p | p (Holm) | detectable | Δ (test − train loss) | 95% interval | p | p (Holm) | detectable |\n\
         |---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|",
        s.baseline
    );
    for o in w
        .optimizers
        .iter()
        .filter(|o| o.name != s.baseline || o.compared_with.is_some())
    {
        // An optimizer compared with another than the baseline says so in its name cell.
        let name = match &o.compared_with {
            Some(other) => format!("{} (minus {other})", o.name),
            None => o.name.clone(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            name,
            paired_cell(&o.vs_baseline, digits),
            test_cells(&o.vs_baseline, digits),
            paired_cell(&o.gap_vs_baseline, 4),
            test_cells(&o.gap_vs_baseline, 4),
        );
    }
    for o in w.optimizers.iter().filter(|o| !o.refresh.is_empty()) {
        let picks: Vec<String> = o
            .refresh
            .iter()
            .map(|(seed, t, beta)| format!("seed {seed}: T_ES {t} → β {beta}"))
            .collect();
        let _ = writeln!(md, "\n{}: {}.", o.name, picks.join("; "));
    }
    let _ = writeln!(
        md,
        "\nLearning-rate search (seed {}): final validation loss per rate (what the choice uses; \
         \"diverged\" never wins); **bold** = chosen.\n\n\
         | optimizer | {} |\n|---|{}",
        s.search_seed,
        s.lrs
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(s.lrs.len())
    );
    for o in &w.optimizers {
        let cells: Vec<String> = o
            .search
            .iter()
            .map(|(lr, loss)| match loss {
                None => "–".into(),
                Some(l) if Some(*lr) == o.chosen_lr => format!("**{l:.4}**"),
                Some(l) if l.is_finite() => format!("{l:.4}"),
                Some(_) => "diverged".into(),
            })
            .collect();
        let _ = writeln!(md, "| {} | {} |", o.name, cells.join(" | "));
    }
    let exposures: Vec<String> = w
        .optimizers
        .iter()
        .filter_map(|o| Some(format!("{} {:.3}", o.name, o.decay_exposure?)))
        .collect();
    if !exposures.is_empty() {
        let _ = writeln!(
            md,
            "
Weight-decay exposure η·λ·T at the chosen rate (peak rate × λ × updates): {}.",
            exposures.join(", ")
        );
    }
    let _ = writeln!(
        md,
        "\n![validation curves of {}](curves-{}.svg)",
        w.name, w.name
    );
}

/// The reading the numbers support, computed: the papers' claims with their verdicts, then per
/// workload the best optimizer by mean and which optimizers differ from the baseline after
/// Holm's correction.
fn reading(s: &CompareSummary) -> String {
    let mut md = String::from(
        "\n## What the numbers say (computed)\n\n\
         The papers' claims, per workload. Effects are oriented so that positive is what the paper \
         claims; the verdict is *supported* when the 95% interval lies above zero, \
         *contradicted* when it lies below, *inconclusive* otherwise, and inconclusive whenever \
         the Holm-adjusted p (the p column) is 0.05 or more. *detectable*: the smallest effect \
         these seeds find with 80% power.\n\n",
    );
    md.push_str(ClaimCheck::HEADER);
    for c in &s.claims {
        md.push_str(&c.row(3));
    }
    md.push('\n');
    for w in &s.workloads {
        let metric = |o: &OptimizerLine| -> Option<Spread> {
            let a: &Arm = o.arm.as_ref()?;
            if w.language {
                a.test_loss
            } else {
                a.test_accuracy
            }
        };
        let best = w
            .optimizers
            .iter()
            .filter_map(|o| Some((o, metric(o)?)))
            .max_by(|a, b| {
                let (x, y) = (a.1.mean, b.1.mean);
                if w.language {
                    y.total_cmp(&x)
                } else {
                    x.total_cmp(&y)
                }
            });
        let Some((best, spread)) = best else {
            continue;
        };
        let sig: Vec<String> = w
            .optimizers
            .iter()
            .filter_map(|o| {
                let p = o.vs_baseline.as_ref().filter(|p| p.significant)?;
                let good = if w.language {
                    p.diff.mean < 0.0
                } else {
                    p.diff.mean > 0.0
                };
                // An arm compared with another optimizer than the baseline says which.
                let than = o
                    .compared_with
                    .as_ref()
                    .map_or(String::new(), |other| format!(" than {other}"));
                Some(format!(
                    "{} ({}{than})",
                    o.name,
                    if good { "better" } else { "worse" }
                ))
            })
            .collect();
        let _ = writeln!(
            md,
            "- **{}**: best mean {} is {} ({}); differing from {} after Holm's correction (p < 0.05): {}.",
            w.name,
            if w.language {
                "test loss"
            } else {
                "test accuracy"
            },
            best.name,
            Spread::show(Some(spread), 4),
            s.baseline,
            if sig.is_empty() {
                "none".into()
            } else {
                sig.join(", ")
            }
        );
    }
    md
}

fn markdown(s: &CompareSummary, command: &str) -> String {
    let mut md = format!(
        "# Optimizer comparison ({} profile)\n\n\
         Every optimizer searched the same learning-rate grid ({} rates: {}) with seed {} and kept \
         the rate of lowest final validation loss (the model that is tested; a diverged run never \
         wins; ties: the smaller rate); the final seeds {:?} then ran at that rate (the search \
         seed's run is reused when it is one of them). Tables show mean ± sample standard \
         deviation over those seeds: the arms' noise floor. Training {}; differences are taken \
         per seed. The refresh rule's T_ES \
         is the rule's own estimator on its pilot's validation trajectory (here early stopping \
         with patience 10 evaluations, as in the refresh study). Regenerate with `{command}`.\n",
        s.profile,
        s.lrs.len(),
        s.lrs
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        s.search_seed,
        s.seeds,
        crate::study::workload::seed_changes(
            s.workloads.iter().map(|w| (w.name.as_str(), w.data_seed))
        ),
    );
    for w in &s.workloads {
        workload_section(&mut md, s, w);
    }
    md.push_str(&reading(s));
    md
}

/// Writes the report bundle (`summary.json`, the curves, `report.md` with `notes` before the
/// provenance, `report.html`) into `out`; returns the path of `report.md`.
pub fn write_report(
    study: &CompareStudy,
    s: &CompareSummary,
    out: &Path,
    command: &str,
    notes: &str,
) -> Result<PathBuf, ExperimentError> {
    let title = format!("Optimizer comparison ({} profile)", s.profile);
    let mut bundle = ReportBundle::new(title, markdown(s, command), s);
    bundle.notes = notes.to_string();
    bundle.provenance =
        provenance_markdown(&s.provenance, &s.invocations, &study.root, "study run");
    for w in &s.workloads {
        let arms: Vec<Arm> = w.optimizers.iter().filter_map(|o| o.arm.clone()).collect();
        if !arms.is_empty() {
            let svg = plot_arm_curves(&arms)?;
            bundle.figures.push((format!("curves-{}.svg", w.name), svg));
        }
    }
    bundle.write(out)
}
