//! The one report writer: a report is a bundle (title, Markdown, a JSON summary, SVG figures,
//! optional notes) written as `summary.json`, the figures, `report.md` and a self-contained
//! `report.html` (figures inlined, opens offline). Every file is written atomically, figures
//! first, so a report that fails half-way never leaves a page pointing at a missing figure.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::page::html_page;
use crate::error::ExperimentError;

/// One report, everything in memory until [`ReportBundle::write`].
#[derive(Debug, Clone)]
pub struct ReportBundle {
    /// The page title.
    pub title: String,
    /// The computed report (Markdown); figures are shown as `![alt](name.svg)`.
    pub body: String,
    /// The reader's notes (Markdown, e.g. `--notes FILE`), placed after the computed reading and
    /// before the provenance.
    pub notes: String,
    /// The provenance section (Markdown), last.
    pub provenance: String,
    /// `summary.json`: every number of the report.
    pub summary: String,
    /// The figures: file name and SVG text.
    pub figures: Vec<(String, String)>,
}

impl ReportBundle {
    /// A bundle with `summary` serialized (pretty JSON) and no figures, notes or provenance.
    pub fn new(title: impl Into<String>, body: String, summary: &impl Serialize) -> Self {
        Self {
            title: title.into(),
            body,
            notes: String::new(),
            provenance: String::new(),
            summary: serde_json::to_string_pretty(summary).expect("a report summary serializes"),
            figures: Vec::new(),
        }
    }

    /// The whole Markdown report: body, notes, provenance.
    pub fn markdown(&self) -> String {
        format!("{}{}{}", self.body, self.notes, self.provenance)
    }

    /// Writes the bundle into `out` (created if missing); returns the path of `report.md`.
    pub fn write(&self, out: &Path) -> Result<PathBuf, ExperimentError> {
        for (name, _) in &self.figures {
            if name.contains(['/', '\\']) || !name.ends_with(".svg") {
                return Err(ExperimentError::Report {
                    what: format!("figure {name:?}"),
                    message: "a report's figures are SVG files in its directory".into(),
                });
            }
        }
        let markdown = self.markdown();
        let html = html_page(&self.title, &markdown, |name| {
            self.figures
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, svg)| svg.as_str())
        })?;
        if out.exists() && !out.is_dir() {
            return Err(ExperimentError::Argument {
                flag: format!("--out {}", out.display()),
                message: "is a file; a report is a directory of files, give a directory".into(),
            });
        }
        std::fs::create_dir_all(out).map_err(ExperimentError::io(out))?;
        for (name, svg) in &self.figures {
            crate::artifacts::write_atomic(&out.join(name), svg.as_bytes())?;
        }
        crate::artifacts::write_atomic(&out.join("summary.json"), self.summary.as_bytes())?;
        let path = out.join("report.md");
        crate::artifacts::write_atomic(&path, markdown.as_bytes())?;
        crate::artifacts::write_atomic(&out.join("report.html"), html.as_bytes())?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_writes_every_file_with_figures_inlined_and_notes_before_provenance() {
        let dir = tempfile::tempdir().unwrap();
        let mut bundle = ReportBundle::new(
            "T <1>",
            "# T\n\n![curves](a.svg)\n".into(),
            &serde_json::json!({"x": 1.5}),
        );
        bundle.notes = "\nNOTES\n".into();
        bundle.provenance = "\n## Provenance\n".into();
        bundle
            .figures
            .push(("a.svg".into(), "<svg id=\"a\"></svg>".into()));
        let path = bundle.write(dir.path()).unwrap();
        let md = std::fs::read_to_string(&path).unwrap();
        assert!(
            md.find("NOTES").unwrap() < md.find("## Provenance").unwrap(),
            "{md}"
        );
        let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(
            html.contains("<svg id=\"a\">") && html.contains("T &lt;1&gt;"),
            "{html}"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(json["x"], 1.5);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.svg")).unwrap(),
            "<svg id=\"a\"></svg>"
        );
        // A figure the Markdown shows but the bundle lacks: nothing is written.
        let empty = tempfile::tempdir().unwrap();
        bundle.figures.clear();
        assert!(bundle.write(empty.path()).is_err());
        assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    }
}
