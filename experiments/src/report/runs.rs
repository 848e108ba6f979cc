//! Run directories as reports read them: a run's summary (and refresh decision), the run
//! directories under a path, and `compare`'s side-by-side table.

use std::path::{Path, PathBuf};

use crate::artifacts::refresh::{RefreshDecision, RefreshSummary};
use crate::artifacts::{RunSummary, read_json};
use crate::error::ExperimentError;

/// A run directory's results, as a report reads them.
#[derive(Debug, Clone)]
pub struct RunView {
    /// The run directory.
    pub dir: PathBuf,
    /// The (main) run's summary.
    pub summary: RunSummary,
    /// The refresh rule's decision, for refresh runs.
    pub refresh: Option<RefreshDecision>,
}

/// Reads `summary.json` of a single run or of a refresh-rule run.
pub fn load_run(dir: &Path) -> Result<RunView, ExperimentError> {
    let path = dir.join("summary.json");
    if !path.is_file() {
        return Err(ExperimentError::RunDir {
            dir: dir.to_path_buf(),
            message: "no summary.json: not a run directory, or the run has not finished (resume it with --resume)".into(),
        });
    }
    let value: serde_json::Value = read_json(&path)?;
    let parse_err = |err: serde_path_to_error::Error<serde_json::Error>| ExperimentError::RunDir {
        dir: dir.to_path_buf(),
        message: format!("summary.json: field `{}`: {}", err.path(), err.inner()),
    };
    if value.get("refresh").is_some() {
        let s: RefreshSummary = serde_path_to_error::deserialize(value).map_err(parse_err)?;
        Ok(RunView {
            dir: dir.to_path_buf(),
            summary: s.main,
            refresh: Some(s.refresh),
        })
    } else {
        Ok(RunView {
            dir: dir.to_path_buf(),
            summary: serde_path_to_error::deserialize(value).map_err(parse_err)?,
            refresh: None,
        })
    }
}

fn fmt_opt(value: Option<f64>, digits: usize) -> String {
    value.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// The side-by-side table of `compare`, as Markdown.
pub fn comparison_table(runs: &[RunView]) -> String {
    let header = [
        "run",
        "status",
        "optimizer",
        "β",
        "lr",
        "batch",
        "updates",
        "best valid loss",
        "at update",
        "T_ES",
        "final valid loss",
        "test loss",
        "test acc %",
        "test ppl",
        "wall s",
    ];
    let mut rows = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for run in runs {
        let s = &run.summary;
        let beta = match &run.refresh {
            Some(r) => format!("{} (rule, T_ES {})", r.beta, r.t_es.t_es),
            None => s.beta.map_or("-".into(), |b| b.to_string()),
        };
        rows.push(vec![
            run.dir
                .file_name()
                .map_or(s.name.clone(), |n| n.to_string_lossy().into_owned()),
            format!("{:?}", s.status).to_lowercase(),
            s.optimizer.clone(),
            beta,
            format!("{}", s.lr),
            s.batch_size.to_string(),
            format!("{}/{}", s.updates_done, s.updates_planned),
            fmt_opt(s.best_valid_loss, 4),
            s.best_update.map_or("-".into(), |u| u.to_string()),
            s.t_es.map_or("-".into(), |t| t.t_es.to_string()),
            fmt_opt(s.final_valid_loss, 4),
            fmt_opt(s.test.as_ref().map(|t| t.loss), 4),
            fmt_opt(s.test.as_ref().and_then(|t| t.accuracy), 2),
            fmt_opt(s.test.as_ref().and_then(|t| t.perplexity), 3),
            format!("{:.1}", s.wall_time_s),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let line = |row: &Vec<String>| {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut out = line(&rows[0]) + "\n";
    out += &format!(
        "|{}|\n",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in &rows[1..] {
        out += &(line(row) + "\n");
    }
    out
}

/// Every run under `paths` ([`collect_runs`]), read: the one loader of the reports' inputs.
pub fn load_runs(paths: &[PathBuf]) -> Result<Vec<RunView>, ExperimentError> {
    collect_runs(paths)?
        .iter()
        .map(|dir| load_run(dir))
        .collect()
}

/// The run directories under `paths` (each a run, or a tree searched for runs), each once, in
/// the order first found: a path given twice, a symbolic link to a tree already given, or a run
/// inside another given tree counts once (compared by canonical path). A path that is not a
/// directory, or paths that hold no run, are errors naming them. The one collector of every
/// command that reads runs.
pub fn collect_runs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ExperimentError> {
    crate::artifacts::collect_dirs(
        paths,
        &crate::artifacts::is_run_dir,
        "run directory (with a summary.json)",
    )
}

/// `experiments compare`: the named run directories (each once, however named) side by side,
/// and their validation curves drawn into `plot` when given. A named file (a sweep's glob may
/// catch a plot or notes beside the runs) is skipped with a note; a missing path is an error.
pub fn compare_runs(paths: &[PathBuf], plot: Option<&Path>) -> Result<(), ExperimentError> {
    let mut dirs = Vec::new();
    for path in paths {
        if path.is_dir() {
            dirs.push(path.clone());
        } else if path.exists() {
            eprintln!("skipping {}: not a run directory", path.display());
        } else {
            return Err(ExperimentError::Input {
                message: format!("{}: no such run directory", path.display()),
            });
        }
    }
    let runs = crate::artifacts::unique_dirs(dirs)?
        .iter()
        .map(|dir| load_run(dir))
        .collect::<Result<Vec<_>, _>>()?;
    if runs.is_empty() {
        return Err(ExperimentError::Input {
            message: "no run directory among the arguments".into(),
        });
    }
    print!("{}", comparison_table(&runs));
    if let Some(path) = plot {
        let svg = super::plot_validation_curves(&runs)?;
        crate::artifacts::write_atomic(path, svg.as_bytes())?;
        println!("plot: {}", path.display());
    }
    Ok(())
}
