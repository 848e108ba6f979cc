//! `compare RUN_DIR...`: the runs' key results side by side, and their curves with `--plot`.

use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;
use crate::report::{comparison_table, load_run, plot_validation_curves};

/// Options of `compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run directories (a sweep's points: `runs/<sweep>/*`).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Also draw the validation-loss curves into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// Prints the comparison table (Markdown) and writes the plot.
pub fn compare(args: &CompareArgs) -> Result<(), ExperimentError> {
    let mut dirs = Vec::new();
    for path in &args.runs {
        if path.is_dir() {
            dirs.push(path.clone());
        } else if path.exists() {
            // A sweep's glob (`runs/<sweep>/*`) may catch a plot or notes next to the runs.
            eprintln!("skipping {}: not a run directory", path.display());
        } else {
            return Err(ExperimentError::Other(format!(
                "{}: no such run directory",
                path.display()
            )));
        }
    }
    // A run named twice (or through a link) is one run.
    let runs = crate::artifacts::unique_dirs(dirs)?
        .iter()
        .map(|dir| load_run(dir))
        .collect::<Result<Vec<_>, _>>()?;
    if runs.is_empty() {
        return Err(ExperimentError::Other(
            "no run directory among the arguments".into(),
        ));
    }
    print!("{}", comparison_table(&runs));
    if let Some(path) = &args.plot {
        let svg = plot_validation_curves(&runs)?;
        crate::artifacts::write_atomic(path, svg.as_bytes())?;
        println!("plot: {}", path.display());
    }
    Ok(())
}
