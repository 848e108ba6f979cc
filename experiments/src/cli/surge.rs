//! `surge PATH... --target LOSS...`: the surge law fitted to runs over batch size × learning rate.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::error::ExperimentError;
use crate::report::{find_runs, load_run};
use crate::study::surge::{SurgeRun, TargetFit, fit_target, plot_surge};

/// Options of `surge`.
#[derive(Debug, Args)]
pub struct SurgeArgs {
    /// Run directories, or directories to search (e.g. a sweep over `training.batch_size` and
    /// `schedule.lr` with a constant schedule).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A target training loss (repeatable): early, middle and late in training.
    #[arg(long = "target", required = true, value_name = "LOSS")]
    pub targets: Vec<f64>,
    /// Also write the fits as JSON here.
    #[arg(long, value_name = "FILE.json")]
    pub json: Option<PathBuf>,
    /// Also draw the heat map (final training loss over batch × lr) with the optima and the
    /// fitted laws (eq. 13 bold, eq. 24 faint) into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// Prints, per target, the optimal learning rate per batch size and the fitted B_noise and ε_max.
pub fn surge(args: &SurgeArgs) -> Result<(), ExperimentError> {
    if let Some(bad) = args.targets.iter().find(|t| !t.is_finite()) {
        return Err(ExperimentError::Other(format!(
            "--target {bad}: a target training loss must be a finite number"
        )));
    }
    let mut runs = Vec::new();
    for path in &args.paths {
        if !path.is_dir() {
            return Err(ExperimentError::Other(format!(
                "{}: no such directory",
                path.display()
            )));
        }
        for dir in find_runs(path)? {
            let s = load_run(&dir)?.summary;
            let curve = s
                .trajectory
                .iter()
                .filter_map(|e| Some((e.update, e.train_loss?)))
                .collect();
            runs.push(SurgeRun {
                batch: s.batch_size as f64,
                lr: s.lr,
                curve,
            });
        }
    }
    if runs.is_empty() {
        return Err(ExperimentError::Other(
            "no run directory (with a summary.json) under the paths".into(),
        ));
    }
    let fits: Vec<TargetFit> = args.targets.iter().map(|&t| fit_target(&runs, t)).collect();
    print!("{}", table(&fits));
    if let Some(path) = &args.plot {
        plot_surge(&runs, &fits, path)?;
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&fits).expect("fits serialize");
        crate::artifacts::write_atomic(path, json.as_bytes())?;
    }
    Ok(())
}

fn table(fits: &[TargetFit]) -> String {
    let mut out = String::new();
    for fit in fits {
        let _ = writeln!(out, "target training loss {}:", fit.target);
        for o in &fit.optima {
            let _ = writeln!(
                out,
                "  B = {:>6}: lr* = {:.3e} ({} updates)",
                o.batch, o.lr, o.steps
            );
        }
        match (fit.noise_scale, fit.eps_max, &fit.error) {
            (Some((b_noise, s_min, _, r2)), Some(eps), _) => {
                let _ = writeln!(
                    out,
                    "  B_noise = {b_noise:.1} (S_min = {s_min:.0}, R² = {r2:.3}), ε_max = {eps:.3e}"
                );
            }
            (_, _, Some(err)) => {
                let _ = writeln!(out, "  no fit: {err}");
            }
            _ => {}
        }
    }
    out
}
