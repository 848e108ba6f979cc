//! The experiments binary: config → data → model → training → run directory → report.
//!
//! `experiments run CONFIG` trains one config, `sweep` a grid of them, `compare` puts run
//! directories side by side, `study` runs, merges and reports the refresh study, `data`
//! fetches and inspects the datasets.

mod artifacts;
mod cli;
mod config;
mod data;
mod device;
mod error;
mod loader;
mod model;
mod report;
mod stats;
mod study;
mod train;

use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C was pressed (a sweep stops after the current run).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

fn main() -> std::process::ExitCode {
    // First Ctrl-C: stop the current run after its step, keeping the last checkpoint.
    // Second: exit at once (the checkpoints on disk are whole either way).
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupt: stopping after the current step (Ctrl-C again to exit now)");
        if let Some(interrupter) = train::ACTIVE_RUN.lock().ok().and_then(|g| g.clone()) {
            interrupter.stop(Some("interrupted by Ctrl-C"));
        }
    });
    cli::Cli::parse().run()
}
