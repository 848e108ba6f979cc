//! The surge study's report: per target training loss the optimal learning rate per batch size,
//! eq. 22's B_noise and eq. 23's ε_max with the surge law's (eq. 13) and the α = ½ law's (eq. 24)
//! predictions beside the measured optima, where the peak lies, and whether it moves to larger
//! batches as the target falls; the heat map; provenance. `report.md`, `report.html` (offline),
//! `surge.svg` and `summary.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn_balanced_adam::surge::{power_law_lr, surge_lr};
use serde::Serialize;

use super::{Optimum, SurgeRun, TargetFit, plot_surge};
use crate::error::ExperimentError;
use crate::report::page::html_page;
use crate::study::provenance::Tally;

/// What the report shows (`summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct SurgeSummary {
    /// The report's title.
    pub title: String,
    /// Batch sizes of the grid, ascending.
    pub batches: Vec<f64>,
    /// Learning rates of the grid, ascending.
    pub lrs: Vec<f64>,
    /// The fits, one per target, in the order given.
    pub fits: Vec<TargetFit>,
    /// Commits, devices, summed run time and count of the runs.
    #[serde(flatten)]
    pub provenance: Tally,
}

fn distinct(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
}

impl SurgeSummary {
    /// The summary of `runs` (with their run records' provenance) for the given fits.
    pub fn new(title: &str, runs: &[SurgeRun], fits: Vec<TargetFit>, provenance: Tally) -> Self {
        Self {
            title: title.into(),
            batches: distinct(runs.iter().map(|r| r.batch).collect()),
            lrs: distinct(runs.iter().map(|r| r.lr).collect()),
            fits,
            provenance: provenance.sorted(),
        }
    }
}

fn target_section(md: &mut String, s: &SurgeSummary, fit: &TargetFit) {
    let _ = writeln!(md, "\n### Target training loss {}\n", fit.target);
    let law = fit.noise_scale.map(|(b_noise, s_min, e_min, r2)| {
        let eps = fit.eps_max.unwrap_or(f64::NAN);
        let eps_half = fit.power_law_eps_max.unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "B_noise = **{b_noise:.1}** (eq. 22; S_min = {s_min:.0} updates, E_min = {e_min:.0} \
             examples, R² = {r2:.3}); ε_max = {eps:.3e} (eq. 23); the α = ½ law's ε_max = {eps_half:.3e}.\n"
        );
        (b_noise, eps, eps_half)
    });
    if law.is_none() {
        let _ = writeln!(
            md,
            "Reached at {} batch sizes: no fit ({}).\n",
            fit.optima.len(),
            fit.error.as_deref().unwrap_or("-")
        );
    }
    if fit.optima.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "| batch | updates to target | examples | measured lr* | eq. 13 (surge) | eq. 24 (α = ½) |\n|---:|---:|---:|---:|---:|---:|"
    );
    for o in &fit.optima {
        let (surge, power) =
            law.map_or(("–".into(), "–".into()), |(b_noise, eps, eps_half)| {
                (
                    format!("{:.3e}", surge_lr(o.batch, b_noise, eps)),
                    format!("{:.3e}", power_law_lr(o.batch, b_noise, eps_half, 0.5)),
                )
            });
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} | {:.3e} | {surge} | {power} |",
            o.batch,
            o.steps,
            o.batch * o.steps as f64,
            o.lr,
        );
    }
    let Some((b_noise, ..)) = law else {
        return;
    };
    let lo = s.batches.first().copied().unwrap_or(f64::NAN);
    let hi = s.batches.last().copied().unwrap_or(f64::NAN);
    let inside = if b_noise < lo || b_noise > hi {
        format!("outside the grid's {lo}…{hi}")
    } else {
        "inside the grid".into()
    };
    if let Some(p) = peak(fit) {
        let falls = fit.optima.last().is_some_and(|last| last.lr < p.lr);
        let _ = writeln!(
            md,
            "\nThe largest measured lr* is {:.3e} at B = {}; the fitted peak B_noise = {b_noise:.1} \
             lies {inside}. Beyond the measured peak the optimal rate {}.",
            p.lr,
            p.batch,
            if falls {
                "falls (the surge shape)"
            } else {
                "does not fall within the grid"
            }
        );
    }
}

/// RMS of log₁₀(predicted / measured lr*) over the optima, for eq. 13 and eq. 24 (the
/// smaller, the better the law fits); `None` without a fit.
fn log_rms_errors(fit: &TargetFit) -> Option<(f64, f64)> {
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
fn peak(fit: &TargetFit) -> Option<&Optimum> {
    fit.optima
        .iter()
        .max_by(|a, b| a.lr.total_cmp(&b.lr).then(b.batch.total_cmp(&a.batch)))
}

fn markdown(s: &SurgeSummary, command: &str, notes: &str) -> String {
    let mut md = format!(
        "# {}\n\nAdam with a constant learning rate over {} batch sizes ({}) × {} learning rates \
         ({:.3e} … {:.3e}), one seed. For each target training loss (the mean over an evaluation \
         interval), every run's updates to the target are the first evaluation at or below it; \
         lr* is the fastest rate per batch size (ties: the smaller); B_noise is eq. 22's least-squares \
         line 1/S = −B_noise/E + 1/S_min through the optima; ε_max is eq. 23 at that B_noise. \
         Regenerate with `{command}`.\n",
        s.title,
        s.batches.len(),
        s.batches
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        s.lrs.len(),
        s.lrs.first().unwrap_or(&f64::NAN),
        s.lrs.last().unwrap_or(&f64::NAN),
    );
    md.push_str("\n## Fitted noise scale per target\n\nlog-RMS: the RMS of log₁₀(predicted / measured lr*) over the batch sizes (0.25 is one grid step of a quarter decade).\n\n| target loss | batch sizes reached | B_noise | R² | ε_max (eq. 23) | measured peak B | log-RMS eq. 13 | log-RMS eq. 24 |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
                "it rises at every step, as the paper predicts"
            } else {
                "it does not rise monotonically, against the paper's prediction"
            }
        );
    }
    md.push_str(
        "\n![Final training loss over batch size × learning rate; markers: lr* per target; \
         bold: eq. 13 fit, faint: eq. 24 fit](surge.svg)\n\nThe heat map's colour is each run's \
         final training loss; runs at different batch sizes saw different numbers of examples, so \
         compare colours down a column, not across.\n\n## Per target\n",
    );
    for fit in &s.fits {
        target_section(&mut md, s, fit);
    }
    md.push_str(notes);
    let p = &s.provenance;
    let _ = writeln!(
        md,
        "\n## Provenance\n\n- runs: {}, {:.0} s of run time in total (summed over runs)\n\
         - commits: {}\n- devices: {}",
        p.runs,
        p.total_run_time_s,
        p.commits.join(", "),
        p.devices.join("; ")
    );
    md
}

/// Writes `summary.json`, `surge.svg`, `report.md` (with `notes` appended before the
/// provenance) and `report.html` into `out`; returns the Markdown report's path.
pub fn write_report(
    runs: &[SurgeRun],
    summary: &SurgeSummary,
    out: &Path,
    command: &str,
    notes: &str,
) -> Result<PathBuf, ExperimentError> {
    std::fs::create_dir_all(out).map_err(ExperimentError::io(out))?;
    let json = serde_json::to_string_pretty(summary).expect("the summary serializes");
    crate::artifacts::write_atomic(&out.join("summary.json"), json.as_bytes())?;
    plot_surge(runs, &summary.fits, &out.join("surge.svg"))?;
    let md = markdown(summary, command, notes);
    let path = out.join("report.md");
    crate::artifacts::write_atomic(&path, md.as_bytes())?;
    let html = html_page(&summary.title, &md, out)?;
    crate::artifacts::write_atomic(&out.join("report.html"), html.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(target: f64, b_noise: f64) -> TargetFit {
        TargetFit {
            target,
            optima: vec![
                Optimum {
                    batch: 8.0,
                    lr: 1e-3,
                    steps: 100,
                },
                Optimum {
                    batch: 64.0,
                    lr: 2e-3,
                    steps: 40,
                },
                Optimum {
                    batch: 512.0,
                    lr: 1e-3,
                    steps: 30,
                },
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
            batches: vec![8.0, 64.0, 512.0],
            lrs: vec![1e-3, 2e-3],
            fits,
            provenance: Tally::default(),
        }
    }

    #[test]
    fn the_reading_says_whether_the_peak_moves_right_as_the_loss_falls() {
        // Given in any order: the report orders targets from early (high loss) to late.
        let rising = markdown(
            &summary(vec![fit(0.6, 40.0), fit(1.0, 10.0), fit(0.8, 20.0)]),
            "c",
            "",
        );
        assert!(rising.contains("1 → 0.8 → 0.6"), "{rising}");
        assert!(rising.contains("10.0 → 20.0 → 40.0: it rises at every step"));
        let not = markdown(
            &summary(vec![fit(1.0, 10.0), fit(0.8, 30.0), fit(0.6, 20.0)]),
            "c",
            "",
        );
        assert!(not.contains("does not rise monotonically"), "{not}");
        // The measured peak (largest lr*) is B = 64, and the rate falls beyond it.
        assert!(rising.contains("at B = 64") && rising.contains("falls (the surge shape)"));
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
}
