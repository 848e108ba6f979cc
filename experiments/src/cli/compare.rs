//! `compare RUN_DIR...`: the runs' key results side by side, and their curves with `--plot`.

use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;

/// Options of `compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run directories (a sweep's points: `runs/<sweep>/*`).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Also draw the validation-loss curves into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// Prints the comparison table (Markdown) and writes the plot.
pub fn compare(args: &CompareArgs) -> Result<(), ExperimentError> {
    crate::report::runs::compare_runs(&args.runs, args.plot.as_deref())
}
