//! `dashboard PATH… [--metric NAME] [--group arm|run] [--once] [--svg FILE]`: parses and hands
//! off to [`crate::dashboard`].

use std::path::PathBuf;

use clap::Args;

use crate::dashboard::board::Grouping;
use crate::dashboard::{DashboardOptions, exec};
use crate::error::ExperimentError;

/// Options of `dashboard`.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Run directories or trees of them: `experiments` runs, sweeps, studies, committed records,
    /// and plain Burn artifact directories (Burn's `FileMetricLogger` logs).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The metric shown first: `Loss` (validation), `valid Accuracy`, `train Loss`,
    /// `train Learning Rate`, … (←/→ switch in the view).
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// One row per arm (runs equal up to the seed) or per run.
    #[arg(long, value_enum, default_value = "arm")]
    pub group: Grouping,
    /// Print the table as Markdown and exit (no terminal needed).
    #[arg(long)]
    pub once: bool,
    /// Write the overlay plot (mean and min–max band per arm) to this SVG file and exit.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// Runs the dashboard.
pub fn dashboard(args: &DashboardArgs) -> Result<(), ExperimentError> {
    exec(&DashboardOptions {
        paths: args.paths.clone(),
        metric: args.metric.clone(),
        grouping: args.group,
        once: args.once,
        svg: args.svg.clone(),
    })
}
