//! Command-line surface: one sub-module per command group.

mod compare;
mod dashboard;
mod data;
mod report;
mod run;
mod study;
mod surge;
mod tensorboard;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::ExperimentError;

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
            Command::Data(command) => command
                .run()
                .map_err(|e| crate::error::ExperimentError::Other(e.to_string())),
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

/// Refuses a report's `--out` directory that is one of the directories the command reads, or
/// lies inside one: a report never writes into the runs it reads (a run's `summary.json` would
/// be overwritten, and the report's own files would be read back as runs next time).
pub(crate) fn check_out_dir(out: &Path, inputs: &[&Path]) -> Result<(), ExperimentError> {
    let out_abs = absolute(out);
    for input in inputs {
        let input_abs = absolute(input);
        if out_abs.starts_with(&input_abs) {
            return Err(ExperimentError::Other(format!(
                "--out {}: it is, or lies inside, {}, which this command reads; write the report \
                 elsewhere (e.g. next to it)",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// [`check_out_dir`], and `out` must not be above an input either (a command whose output
/// directories are named after its inputs, or a report asked to land in the tree it reads):
/// `flag` names the option in the message.
pub(crate) fn check_out_not_above(
    flag: &str,
    out: &Path,
    inputs: &[&Path],
) -> Result<(), ExperimentError> {
    if out.exists() && !out.is_dir() {
        return Err(ExperimentError::Other(format!(
            "{flag} {}: is a file; it must be a directory (created if missing)",
            out.display()
        )));
    }
    let out_abs = absolute(out);
    for input in inputs {
        let input_abs = absolute(input);
        if out_abs.starts_with(&input_abs) || input_abs.starts_with(&out_abs) {
            return Err(ExperimentError::Other(format!(
                "{flag} {}: it is, lies inside or holds {}, which this command reads; write \
                 elsewhere (e.g. next to it)",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// `path` made absolute with symbolic links resolved as far as it exists.
fn absolute(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => break,
        }
    }
    let mut abs = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        abs.push(name);
    }
    abs
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
