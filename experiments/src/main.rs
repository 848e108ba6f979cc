//! The experiments binary. Today: `data fetch` and `data info`; training runs, sweeps and
//! reports arrive with the experiments issue.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    cli::Cli::parse().run()
}
