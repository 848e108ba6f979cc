//! The experiments workspace as a library: config → data → model → training → run directory →
//! report, and studies. The `experiments` binary is [`main`]; the training benchmark
//! (`benches/train.rs`) measures the loop through [`throughput`].

mod artifacts;
mod cli;
mod config;
pub mod dashboard;
mod data;
mod device;
mod error;
mod interrupt;
mod loader;
mod model;
mod progress;
mod report;
mod stats;
mod study;
pub mod throughput;
mod train;

use clap::Parser;

/// The `experiments` command line: parses the arguments, runs the command, and says by the
/// exit code whether it worked.
pub fn main() -> std::process::ExitCode {
    // Burn puts loaded optimizer state on `Device::default()`, which would open wgpu (and make
    // Mesa's Vulkan loader print "XDG_RUNTIME_DIR is invalid" on a resume) whenever the wgpu
    // feature is compiled in; the state moves to the gradients' device at the next step anyway,
    // so the default stays on the CPU unless the user names one.
    if std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: called first thing in the binary's `main`, before any other thread exists.
        unsafe { std::env::set_var("BURN_DEVICE", "flex") };
    }
    // Rust ignores SIGPIPE, so a write to a closed pipe (`experiments study plan … | head`)
    // would panic; the default action ends the program quietly, as other command-line tools do.
    #[cfg(unix)]
    // SAFETY: called before any other thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    interrupt::install_handler();
    cli::Cli::parse().run()
}
