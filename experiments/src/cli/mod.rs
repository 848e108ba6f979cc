//! Command-line surface: one sub-module per command group.

mod data;

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
    /// Fetch and inspect the real datasets (MNIST, Fashion-MNIST, Shakespeare, Moby Dick).
    #[command(subcommand)]
    Data(data::DataCommand),
}

impl Cli {
    /// Runs the command; errors are printed, and the exit code says whether it worked.
    pub fn run(self) -> ExitCode {
        let result = match self.command {
            Command::Data(command) => command.run(),
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
