//! Command-line surface: one sub-module per command group.

mod compare;
mod dashboard;
mod data;
mod report;
mod run;
mod study;
mod surge;
mod tensorboard;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reproduce the balanced-Adam, DualAdam, FAdam and surge studies with Burn.
#[derive(Debug, Parser)]
#[command(name = "experiments", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train one config into `<artifact_dir>/<name>/` (refresh-rule configs: pilot + main).
    ///
    /// Missing datasets are fetched first. In a terminal, Burn's TUI dashboard shows the run;
    /// otherwise one line per evaluation is printed. Ctrl-C stops after the current step and
    /// keeps the last checkpoint; `--resume` continues.
    Run(run::RunArgs),
    /// Train every point of a grid over config keys (`[sweep]` table and/or `--grid`).
    ///
    /// Each point is a run directory `<artifact_dir>/<name>/<key=value,...>`. Finished points
    /// are skipped and interrupted ones resumed, so a sweep can be re-run until complete.
    Sweep(run::SweepArgs),
    /// Compare run directories: a table of their key results, and curves with `--plot`.
    Compare(compare::CompareArgs),
    /// Group run directories into arms (equal up to the seed): mean ± std, curves, HTML page.
    Report(report::ReportArgs),
    /// Fit the surge law to runs over batch size × learning rate, per target training loss.
    Surge(surge::SurgeArgs),
    /// Studies of many runs from a study file: `run` (`--shard I/N`, `--jobs N`), `plan`, `report`,
    /// `merge`, `export`.
    #[command(subcommand)]
    Study(study::StudyCommand),
    /// Compare many runs live in the terminal: one metric per arm (mean, min–max band over
    /// seeds) and a table of every arm's numbers, following runs as they train.
    ///
    /// Reads `experiments` run directories and plain Burn artifact directories from any Burn
    /// project. `q` quits; ←/→ switch metric, ↑/↓ arm, `s` sorts, `l` log scale, `g` arms/runs.
    /// `--once` prints the table as Markdown, `--svg FILE` writes the plot (no terminal needed).
    Dashboard(dashboard::DashboardArgs),
    /// Convert recorded runs into TensorBoard event files (`--out DIR`), to overlay any set.
    Tensorboard(tensorboard::TensorBoardArgs),
    /// Fetch and inspect the real datasets (MNIST, Fashion-MNIST, Shakespeare, Moby Dick).
    #[command(subcommand)]
    Data(data::DataCommand),
}

impl Cli {
    /// Runs the command; errors are printed, and the exit code says whether it worked.
    pub fn run(self) -> ExitCode {
        let result = match self.command {
            Command::Run(args) => run::run(&args),
            Command::Sweep(args) => run::sweep(&args),
            Command::Compare(args) => compare::compare(&args),
            Command::Report(args) => report::report(&args),
            Command::Study(command) => command.run(),
            Command::Surge(args) => surge::surge(&args),
            Command::Tensorboard(args) => tensorboard::tensorboard(&args),
            Command::Dashboard(args) => dashboard::dashboard(&args),
            Command::Data(command) => command.run().map_err(Into::into),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

#[cfg(test)]
mod doc_commands;
