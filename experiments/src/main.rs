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
    // Burn puts loaded optimizer state on `Device::default()`, which would open wgpu (and make
    // Mesa's Vulkan loader print "XDG_RUNTIME_DIR is invalid" on a resume) whenever the wgpu
    // feature is compiled in; the state moves to the gradients' device at the next step anyway,
    // so the default stays on the CPU unless the user names one.
    if std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: first statement of `main`, before any other thread exists.
        unsafe { std::env::set_var("BURN_DEVICE", "flex") };
    }
    interrupt::install_handler();
    cli::Cli::parse().run()
}
