//! The refresh study's report, from its run directories alone: [`summary`] (every number,
//! `summary.json`), [`evidence`] and [`verdicts`] (noise floors, claims with verdicts),
//! [`markdown`] (our table beside the paper's) and [`plots`], written as one report bundle.

mod evidence;
mod markdown;
mod plots;
mod rates;
mod robust_markdown;
mod robustness;
mod summary;
mod verdicts;

use std::path::{Path, PathBuf};

pub use summary::{RefreshStudySummary, summarize};

use crate::artifacts::provenance::provenance_markdown;
use crate::error::ExperimentError;
use crate::report::bundle::ReportBundle;
use crate::study::refresh::definition::RefreshStudy;

/// Writes the report bundle (`summary.json`, the plots, `report.md` with `notes` before the
/// provenance, `report.html`) into `out`; returns the path of `report.md`.
pub fn write_report(
    study: &RefreshStudy,
    summary: &RefreshStudySummary,
    out: &Path,
    command: &str,
    notes: &str,
) -> Result<PathBuf, ExperimentError> {
    let title = format!(
        "The refresh rule on our workloads ({} profile)",
        summary.profile
    );
    let mut bundle = ReportBundle::new(title, markdown::markdown(study, summary, command), summary);
    bundle.notes = notes.to_string();
    bundle.provenance = provenance_markdown(
        &summary.provenance,
        &summary.invocations,
        &study.root,
        "study run",
    );
    if !summary.workloads.is_empty() {
        bundle
            .figures
            .push(("loss-vs-beta.svg".into(), plots::loss_vs_beta(summary)?));
        if let Some(svg) = plots::gap_vs_r0(summary)? {
            bundle.figures.push(("gap-vs-r0.svg".into(), svg));
        }
    }
    bundle.write(out)
}
