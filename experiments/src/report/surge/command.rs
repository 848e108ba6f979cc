//! `experiments surge`'s operation: the runs loaded and checked to be one setup, the law fitted
//! per target, printed, and written as a report bundle, JSON or plot as asked.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::report::write_report;
use super::{SurgeRun, SurgeSummary, TargetFit, check_poolable, fit_target, plot_surge};
use crate::artifacts::provenance::RunsProvenance;
use crate::error::ExperimentError;
use crate::report::{load_runs, shell_line};

/// What `experiments surge` was asked for.
#[derive(Debug, Clone)]
pub struct SurgeRequest {
    /// Run directories, or directories to search.
    pub paths: Vec<PathBuf>,
    /// The target training losses.
    pub targets: Vec<f64>,
    /// Also write the fits as JSON here.
    pub json: Option<PathBuf>,
    /// Also draw the heat map with the optima and the fitted laws here.
    pub plot: Option<PathBuf>,
    /// Write the whole report bundle here.
    pub out: Option<PathBuf>,
    /// The report's title.
    pub title: String,
    /// A Markdown file appended to the report.
    pub notes: Option<PathBuf>,
}

/// Prints, per target, the optimal learning rate per batch size and the fitted B_noise and ε_max.
pub fn surge(args: &SurgeRequest) -> Result<(), ExperimentError> {
    if let Some(bad) = args.targets.iter().find(|t| !t.is_finite() || **t <= 0.0) {
        return Err(ExperimentError::Argument {
            flag: format!("--target {bad}"),
            message: "a target training loss must be a positive, finite number".into(),
        });
    }
    if let Some(out) = &args.out {
        let inputs: Vec<&std::path::Path> = args.paths.iter().map(|p| p.as_path()).collect();
        crate::artifacts::outputs::check_out_dir(out, &inputs)?;
    }
    let views = load_runs(&args.paths)?;
    let dirs: Vec<PathBuf> = views.iter().map(|v| v.dir.clone()).collect();
    let setup = check_poolable(&dirs).map_err(|message| ExperimentError::Input { message })?;
    let mut tally = RunsProvenance::default();
    let mut runs = Vec::new();
    for view in &views {
        tally.add(&view.summary);
        runs.push(SurgeRun::from_summary(&view.summary));
    }
    let fits: Vec<TargetFit> = args.targets.iter().map(|&t| fit_target(&runs, t)).collect();
    print!("{}", table(&fits));
    let unfitted: Vec<String> = fits
        .iter()
        .filter(|f| f.noise_scale.is_none())
        .map(|f| {
            format!(
                "target {}: {}",
                f.target,
                f.error.as_deref().unwrap_or("no fit")
            )
        })
        .collect();
    let none_fitted = unfitted.len() == fits.len();
    if let Some(path) = &args.plot {
        let svg = plot_surge(&runs, &fits)?;
        crate::artifacts::write_atomic(path, svg.as_bytes())?;
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&fits).expect("fits serialize");
        crate::artifacts::write_atomic(path, json.as_bytes())?;
    }
    if let Some(out) = &args.out {
        let notes = match &args.notes {
            Some(path) => std::fs::read_to_string(path).map_err(ExperimentError::io(path))?,
            None => String::new(),
        };
        let summary = SurgeSummary::new(&args.title, &setup, &runs, fits, tally);
        let path = write_report(&runs, &summary, out, &command(args), &notes)?;
        println!("{}", path.display());
    }
    // Outputs are written (they show why), but a report with no fitted law is not a success.
    if none_fitted {
        let why = unfitted;
        return Err(ExperimentError::Input {
            message: format!(
                "no target could be fitted (pick targets the runs reach, between their initial and \
             final training losses):\n  {}",
                why.join("\n  ")
            ),
        });
    }
    Ok(())
}

/// The command line that regenerates the report.
fn command(args: &SurgeRequest) -> String {
    let mut words: Vec<String> = vec!["experiments".into(), "surge".into()];
    words.extend(args.paths.iter().map(|p| p.display().to_string()));
    for t in &args.targets {
        words.extend(["--target".into(), t.to_string()]);
    }
    words.extend(["--title".into(), args.title.clone()]);
    if let Some(n) = &args.notes {
        words.extend(["--notes".into(), n.display().to_string()]);
    }
    if let Some(o) = &args.out {
        words.extend(["--out".into(), o.display().to_string()]);
    }
    shell_line(&words)
}

fn table(fits: &[TargetFit]) -> String {
    let mut out = String::new();
    for fit in fits {
        let _ = writeln!(out, "target training loss {}:", fit.target);
        for o in &fit.optima {
            let (lo, hi) = o.tie_range();
            let _ = writeln!(
                out,
                "  B = {:>6}: lr* = {:.3e} ({:.1} updates, {} seeds; near-ties {lo:.3e} … {hi:.3e})",
                o.batch, o.lr, o.steps, o.seeds
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
