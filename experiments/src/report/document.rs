//! `experiments report`: arms of run directories as `report.md`, a self-contained `report.html`
//! (tables and inline SVG, no external files, opens offline), `curves.svg` and `summary.json`.

use std::fmt::Write as _;
use std::path::Path;

use super::arms::{Arm, Spread};
use super::plot::plot_arm_curves;
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Markdown report.
pub fn markdown(title: &str, arms: &[Arm], command: &str) -> String {
    let mut md = format!(
        "# {title}\n\nMean ± sample standard deviation over seeds. Regenerate with `{command}`.\n\n"
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

/// The HTML page, with the SVG inlined.
pub fn html(title: &str, arms: &[Arm], command: &str, svg: &str) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
         body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}\
         table{{border-collapse:collapse;font-size:14px}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}</style></head><body>\n<h1>{t}</h1>\n\
         <p>Mean ± sample standard deviation over seeds. Regenerate with <code>{c}</code>.</p>\n<table>\n<tr>",
        t = escape(title),
        c = escape(command)
    );
    for c in COLUMNS {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr>\n");
    for arm in arms {
        h.push_str("<tr>");
        for cell in row(arm) {
            let _ = write!(h, "<td>{}</td>", escape(&cell));
        }
        h.push_str("</tr>\n");
    }
    // The SVG file starts with its own `<svg` element (no XML prolog), so it inlines as is.
    let _ = write!(
        h,
        "</table>\n<h2>Validation curves</h2>\n{svg}\n</body></html>\n"
    );
    h
}

/// Writes `summary.json`, `curves.svg`, `report.md` and `report.html` into `out`.
pub fn write_report(
    title: &str,
    arms: &[Arm],
    out: &Path,
    command: &str,
) -> Result<(), ExperimentError> {
    std::fs::create_dir_all(out).map_err(ExperimentError::io(out))?;
    let json = serde_json::to_string_pretty(arms).expect("arms serialize");
    crate::artifacts::write_atomic(&out.join("summary.json"), json.as_bytes())?;
    let svg_path = out.join("curves.svg");
    plot_arm_curves(arms, &svg_path)?;
    let svg = std::fs::read_to_string(&svg_path).map_err(ExperimentError::io(&svg_path))?;
    crate::artifacts::write_atomic(
        &out.join("report.md"),
        markdown(title, arms, command).as_bytes(),
    )?;
    crate::artifacts::write_atomic(
        &out.join("report.html"),
        html(title, arms, command, &svg).as_bytes(),
    )
}
