//! `report PATH... --out DIR`: runs grouped into arms, as Markdown, SVG and one offline HTML page.

use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;
use crate::report::arms::group_arms;
use crate::report::document::write_report;
use crate::report::{load_runs, shell_line};

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
    let inputs: Vec<&std::path::Path> = args.paths.iter().map(|p| p.as_path()).collect();
    super::check_out_not_above("--out", &args.out, &inputs)?;
    let runs = load_runs(&args.paths)?;
    let arms = group_arms(&runs);
    let mut words: Vec<String> = vec!["experiments".into(), "report".into()];
    words.extend(args.paths.iter().map(|p| p.display().to_string()));
    words.extend(["--out".into(), args.out.display().to_string()]);
    words.extend(["--title".into(), args.title.clone()]);
    let command = shell_line(&words);
    write_report(&args.title, &arms, &args.out, &command)?;
    println!(
        "{}: {} runs in {} arms",
        args.out.join("report.html").display(),
        runs.len(),
        arms.len()
    );
    Ok(())
}
