//! Ctrl-C, SIGTERM and SIGHUP, once for the whole binary: the first stops the run in progress
//! after its step (its last checkpoint kept and its status written `interrupted`, so it
//! resumes) and tells sweeps and studies to start nothing new; the second exits at once (the
//! checkpoints on disk are whole either way). Schedulers such as Slurm send SIGTERM before they
//! kill a job, so a preempted run is recorded like a Ctrl-C.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::train::Interrupter;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The interrupter of the run in progress.
static ACTIVE_RUN: Mutex<Option<Interrupter>> = Mutex::new(None);

/// Whether Ctrl-C was pressed (a sweep or study stops after the current run).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Installs the Ctrl-C handler (once, at start).
pub fn install_handler() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!(
            "\ninterrupt: stopping after the current step (Ctrl-C or the signal again to exit now)"
        );
        if let Some(interrupter) = ACTIVE_RUN.lock().ok().and_then(|g| g.clone()) {
            interrupter.stop(Some("interrupted by Ctrl-C or SIGTERM"));
        }
    });
}

/// Makes `interrupter` the one Ctrl-C stops (`None` when the run is over).
pub fn set_active_run(interrupter: Option<Interrupter>) {
    *ACTIVE_RUN.lock().unwrap_or_else(|e| e.into_inner()) = interrupter;
}
