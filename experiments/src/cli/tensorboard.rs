//! `tensorboard RUN_DIR... --out DIR`: recorded runs as TensorBoard event files, so that
//! `tensorboard --logdir DIR` overlays them (runs made now also write `<run>/tensorboard/`).

use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;

/// Options of `tensorboard`.
#[derive(Debug, Args)]
pub struct TensorBoardArgs {
    /// Run directories, or directories searched for them (a sweep, a study, `results/…/runs`),
    /// and plain Burn artifact directories (Burn's `FileMetricLogger` logs) from any project.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Where to write `<run name>/events.out.tfevents.0.experiments`; not inside an input.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Converts the runs and says where to point TensorBoard.
pub fn tensorboard(args: &TensorBoardArgs) -> Result<(), ExperimentError> {
    let count = crate::artifacts::tensorboard::export(&args.runs, &args.out)?;
    println!(
        "{count} run(s) converted into {}; view with: tensorboard --logdir {}",
        args.out.display(),
        args.out.display()
    );
    Ok(())
}
