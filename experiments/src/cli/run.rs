//! `run CONFIG` and `sweep CONFIG`: the arguments, resolved into configs by
//! [`ConfigSource`], handed to [`crate::train::sweep`].

use std::path::PathBuf;

use clap::Args;

use crate::config::ConfigSource;
use crate::error::ExperimentError;
use crate::train::RunOptions;
use crate::train::sweep::run_points;

/// Options shared by `run` and `sweep`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment config (TOML).
    pub config: PathBuf,
    /// Change a config key for this invocation, e.g. `--set optimizer.beta=0.9` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Continue an interrupted run from its last checkpoint; finished runs are skipped.
    #[arg(long)]
    pub resume: bool,
    /// Stop (resumably) at the first evaluation at or after this many updates.
    #[arg(long, value_name = "UPDATES")]
    pub stop_after: Option<u64>,
    /// Print one line per evaluation instead of the TUI dashboard, even in a terminal.
    #[arg(long)]
    pub no_tui: bool,
}

impl RunArgs {
    fn options(&self) -> RunOptions {
        RunOptions {
            resume: self.resume,
            stop_after: self.stop_after,
            no_tui: self.no_tui,
        }
    }

    fn source(&self) -> ConfigSource<'_> {
        ConfigSource {
            file: &self.config,
            set: &self.set,
        }
    }
}

/// Runs one config: a single run, or pilot + main for the refresh rule.
pub fn run(args: &RunArgs) -> Result<(), ExperimentError> {
    crate::train::sweep::run(&args.source().config()?, &args.options())
}

/// Extra options of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// A grid axis, e.g. `--grid optimizer.beta=0.9,0.99,0.999` (repeatable; adds to the
    /// config's [sweep] table).
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub grid: Vec<String>,
}

/// Runs every point of the grid into `<artifact_dir>/<name>/<key=value,...>`; finished points
/// are skipped, interrupted ones resumed.
pub fn sweep(args: &SweepArgs) -> Result<(), ExperimentError> {
    let (base, points) = args.run.source().sweep(&args.grid)?;
    let options = RunOptions {
        resume: true,
        ..args.run.options()
    };
    run_points(&base.name, &base.run_dir(), &points, &options)
}
