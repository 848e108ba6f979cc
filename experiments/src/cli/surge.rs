//! `surge PATH... --target LOSS...`: the surge law fitted to runs over batch size × learning rate.

use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;
use crate::report::surge::command::SurgeRequest;

/// Options of `surge`.
#[derive(Debug, Args)]
pub struct SurgeArgs {
    /// Run directories, or directories to search (e.g. a sweep over `training.batch_size` and
    /// `schedule.lr` with a constant schedule).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A target training loss (repeatable): early, middle and late in training.
    #[arg(long = "target", required = true, value_name = "LOSS", num_args = 1..)]
    pub targets: Vec<f64>,
    /// Also write the fits as JSON here.
    #[arg(long, value_name = "FILE.json")]
    pub json: Option<PathBuf>,
    /// Also draw the heat map (final training loss over batch × lr) with the optima and the
    /// fitted laws (eq. 13 bold, eq. 24 faint) into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Write the whole report here: `report.md`, `report.html` (offline), `surge.svg`,
    /// `summary.json`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The report's title.
    #[arg(long, default_value = "The surge study")]
    pub title: String,
    /// A Markdown file appended to the report (the written reading).
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,
}

/// Prints, per target, the optimal learning rate per batch size and the fitted B_noise and ε_max.
pub fn surge(args: &SurgeArgs) -> Result<(), ExperimentError> {
    crate::report::surge::command::surge(&SurgeRequest {
        paths: args.paths.clone(),
        targets: args.targets.clone(),
        json: args.json.clone(),
        plot: args.plot.clone(),
        out: args.out.clone(),
        title: args.title.clone(),
        notes: args.notes.clone(),
    })
}
