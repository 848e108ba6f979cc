//! Collecting run directories from several shards (machines, array jobs) into one tree.

use std::path::{Path, PathBuf};

use crate::artifacts::{RunDir, RunStatus};
use crate::error::ExperimentError;

/// What a merge did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MergeReport {
    /// Finished runs copied into the destination.
    pub copied: usize,
    /// Finished runs the destination already had (kept as they were).
    pub present: usize,
    /// Unfinished runs left out (resume them where they are, then merge again).
    pub unfinished: Vec<PathBuf>,
}

/// Copies every finished run directory under `source` (one with a `summary.json` whose status
/// is not `interrupted`) to the same relative path under `dest`, unless `dest` has a finished
/// run there already.
pub fn merge_runs(source: &Path, dest: &Path) -> Result<MergeReport, ExperimentError> {
    let mut report = MergeReport::default();
    walk(source, Path::new(""), dest, &mut report)?;
    Ok(report)
}

fn finished(dir: &Path) -> Option<bool> {
    let run = RunDir::new(dir);
    if !run.summary_path().is_file() {
        return None;
    }
    Some(
        run.read_summary()
            .is_ok_and(|s| s.status != RunStatus::Interrupted),
    )
}

fn walk(
    source: &Path,
    relative: &Path,
    dest: &Path,
    report: &mut MergeReport,
) -> Result<(), ExperimentError> {
    let here = source.join(relative);
    match finished(&here) {
        Some(true) => {
            let target = dest.join(relative);
            if finished(&target) == Some(true) {
                report.present += 1;
            } else {
                copy_tree(&here, &target)?;
                report.copied += 1;
            }
            return Ok(());
        }
        Some(false) => {
            report.unfinished.push(here);
            return Ok(());
        }
        None => {}
    }
    let entries = std::fs::read_dir(&here).map_err(ExperimentError::io(&here))?;
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        walk(source, &relative.join(name), dest, report)?;
    }
    Ok(())
}

/// Copies a directory tree; the summary last, so that an interrupted copy is not "finished".
fn copy_tree(from: &Path, to: &Path) -> Result<(), ExperimentError> {
    std::fs::create_dir_all(to).map_err(ExperimentError::io(to))?;
    let entries = std::fs::read_dir(from).map_err(ExperimentError::io(from))?;
    let mut summary = None;
    for entry in entries {
        let entry = entry.map_err(ExperimentError::io(from))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry
            .file_type()
            .map_err(ExperimentError::io(&src))?
            .is_dir()
        {
            copy_tree(&src, &dst)?;
        } else if entry.file_name() == "summary.json" {
            summary = Some((src, dst));
        } else {
            std::fs::copy(&src, &dst).map_err(ExperimentError::io(&src))?;
        }
    }
    if let Some((src, dst)) = summary {
        let bytes = std::fs::read(&src).map_err(ExperimentError::io(&src))?;
        crate::artifacts::write_atomic(&dst, &bytes)?;
    }
    Ok(())
}
