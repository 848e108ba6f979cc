//! The experiments binary: config → data → model → training → run directory → report.
//!
//! `experiments run CONFIG` trains one config, `sweep` a grid of them, `compare` and `report`
//! put run directories side by side, `surge` fits the learning-rate/batch-size law to a sweep,
//! `study` plans, runs, merges and reports a study file, `data` fetches and inspects datasets.

mod artifacts;
mod cli;
mod config;
mod data;
mod device;
mod error;
mod interrupt;
mod loader;
mod model;
mod report;
mod stats;
mod study;
mod train;

use clap::Parser;

fn main() -> std::process::ExitCode {
    interrupt::install_handler();
    cli::Cli::parse().run()
}
