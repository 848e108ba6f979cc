//! `experiments report`: arms of run directories as a report bundle ([`super::bundle`]):
//! `report.md`, a self-contained `report.html`, `curves.svg` and `summary.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::arms::{Arm, Spread, group_arms};
use super::bundle::ReportBundle;
use super::plot::plot_arm_curves;
use super::{load_runs, shell_line};
use crate::artifacts::outputs::check_out_not_above;
use crate::error::ExperimentError;

/// The columns of an arm's table row.
pub const COLUMNS: [&str; 9] = [
    "arm",
    "seeds",
    "test acc %",
    "test loss",
    "test ppl",
    "best valid loss",
    "train loss (final)",
    "test − train loss",
    "wall s / run",
];

/// An arm's table row (aligned with [`COLUMNS`]).
pub fn row(arm: &Arm) -> [String; 9] {
    let mut seeds = format!("{}", arm.seeds.len());
    if !arm.not_complete.is_empty() {
        let others: Vec<String> = arm
            .not_complete
            .iter()
            .map(|(s, why)| format!("{s}: {why}"))
            .collect();
        let _ = write!(seeds, " (+ {})", others.join(", "));
    }
    [
        arm.label.clone(),
        seeds,
        Spread::show(arm.test_accuracy, 2),
        Spread::show(arm.test_loss, 4),
        Spread::show(arm.test_perplexity, 3),
        Spread::show(arm.best_valid_loss, 4),
        Spread::show(arm.final_train_loss, 4),
        Spread::show(arm.generalization_gap, 4),
        Spread::show(arm.wall_time_s, 1),
    ]
}

/// The Markdown report.
pub fn markdown(title: &str, arms: &[Arm], command: &str) -> String {
    let mut md = format!(
        "# {}\n\nMean ± sample standard deviation over seeds. Regenerate with `{command}`.\n\n",
        super::markdown_text(title)
    );
    md.push_str(&format!(
        "| {} |\n|{}\n",
        COLUMNS.join(" | "),
        "---|".repeat(COLUMNS.len())
    ));
    for arm in arms {
        md.push_str(&format!("| {} |\n", row(arm).join(" | ")));
    }
    md.push_str("\n![validation curves](curves.svg)\n");
    md
}

/// Writes the report bundle (`summary.json`, `curves.svg`, `report.md`, `report.html`) into
/// `out`.
pub fn write_report(
    title: &str,
    arms: &[Arm],
    out: &Path,
    command: &str,
) -> Result<(), ExperimentError> {
    let mut bundle = ReportBundle::new(title, markdown(title, arms, command), &arms);
    bundle
        .figures
        .push(("curves.svg".into(), plot_arm_curves(arms)?));
    bundle.write(out).map(drop)
}

/// `experiments report`: the runs under `paths` grouped into arms and written to `out` (never
/// into, inside or above an input); prints where the page went.
pub fn report_runs(paths: &[PathBuf], out: &Path, title: &str) -> Result<(), ExperimentError> {
    let inputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    check_out_not_above("--out", out, &inputs)?;
    let runs = load_runs(paths)?;
    let arms = group_arms(&runs);
    let mut words: Vec<String> = vec!["experiments".into(), "report".into()];
    words.extend(paths.iter().map(|p| p.display().to_string()));
    words.extend(["--out".into(), out.display().to_string()]);
    words.extend(["--title".into(), title.to_string()]);
    write_report(title, &arms, out, &shell_line(&words))?;
    println!(
        "{}: {} runs in {} arms",
        out.join("report.html").display(),
        runs.len(),
        arms.len()
    );
    Ok(())
}
