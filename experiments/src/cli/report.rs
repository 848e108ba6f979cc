//! `report PATH... --out DIR`: runs grouped into arms, as Markdown, SVG and one offline HTML page.

use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run directories, or directories to search for them (a sweep's root, a study's root).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// The report's title.
    #[arg(long, default_value = "Optimizer comparison")]
    pub title: String,
}

/// Writes the report.
pub fn report(args: &ReportArgs) -> Result<(), ExperimentError> {
    crate::report::document::report_runs(&args.paths, &args.out, &args.title)
}
