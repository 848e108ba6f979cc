//! Collecting run directories from several shards (machines, array jobs) into one tree.

use std::path::{Path, PathBuf};

use crate::artifacts::{RunDir, RunStatus};
use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::study::runs::check_member;

/// Checks every finished run under `source` against the study's `members` (relative directory
/// and config, [`crate::study::Study::members`]): a run at a path the study does not have, or
/// whose config is not the study's for that path, is refused by name (all of them listed), and
/// nothing is copied.
pub fn check_members(
    source: &Path,
    members: &[(PathBuf, ExperimentConfig)],
) -> Result<(), ExperimentError> {
    if !source.is_dir() {
        return Err(ExperimentError::Input {
            message: format!(
                "{}: no such directory (a study root: `<artifact_dir>/<name>/<profile>`)",
                source.display()
            ),
        });
    }
    let mut finished = Vec::new();
    finished_dirs(source, Path::new(""), &mut finished)?;
    let mut refused = Vec::new();
    for relative in finished {
        let dir = source.join(&relative);
        match members.iter().find(|(path, _)| *path == relative) {
            None => refused.push(format!(
                "{}: not a run of this study (no run of the study file has this path)",
                dir.display()
            )),
            Some((_, config)) => {
                if let Err(e) = check_member(&dir, config) {
                    refused.push(e.to_string());
                }
            }
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::RunDir {
            dir: source.to_path_buf(),
            message: format!(
                "{} runs do not belong to this study, nothing was copied:\n  {}",
                refused.len(),
                refused.join("\n  ")
            ),
        })
    }
}

/// The finished run directories under `source/relative` (relative to `source`).
fn finished_dirs(
    source: &Path,
    relative: &Path,
    out: &mut Vec<PathBuf>,
) -> Result<(), ExperimentError> {
    let here = source.join(relative);
    if let Some(done) = finished(&here) {
        if done {
            out.push(relative.to_path_buf());
        }
        return Ok(());
    }
    for name in subdirectories(&here)? {
        finished_dirs(source, &relative.join(name), out)?;
    }
    Ok(())
}

/// The names of the directories in `dir`, sorted.
fn subdirectories(dir: &Path) -> Result<Vec<std::ffi::OsString>, ExperimentError> {
    let entries = std::fs::read_dir(dir).map_err(ExperimentError::io(dir))?;
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name())
        .collect();
    names.sort();
    Ok(names)
}

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
/// run there already; an unfinished one there is replaced. The source's training invocations
/// (`invocations.jsonl`, the provenance of its runs) are added to the destination's.
pub fn merge_runs(source: &Path, dest: &Path) -> Result<MergeReport, ExperimentError> {
    let mut report = MergeReport::default();
    walk(source, Path::new(""), dest, Copy::Whole, &mut report)?;
    merge_invocations(source, dest)?;
    Ok(report)
}

/// Appends the lines of `source/invocations.jsonl` that `dest/invocations.jsonl` lacks.
fn merge_invocations(source: &Path, dest: &Path) -> Result<(), ExperimentError> {
    let from = source.join("invocations.jsonl");
    if !from.is_file() {
        return Ok(());
    }
    let to = dest.join("invocations.jsonl");
    let theirs = std::fs::read_to_string(&from).map_err(ExperimentError::io(&from))?;
    let mut ours = if to.is_file() {
        std::fs::read_to_string(&to).map_err(ExperimentError::io(&to))?
    } else {
        String::new()
    };
    let known: std::collections::HashSet<String> = ours.lines().map(str::to_string).collect();
    let new: Vec<&str> = theirs
        .lines()
        .filter(|l| !l.trim().is_empty() && !known.contains(*l))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    if !ours.is_empty() && !ours.ends_with('\n') {
        ours.push('\n');
    }
    for line in new {
        ours.push_str(line);
        ours.push('\n');
    }
    std::fs::create_dir_all(dest).map_err(ExperimentError::io(dest))?;
    crate::artifacts::write_atomic(&to, ours.as_bytes())
}

/// Like [`merge_runs`], but copies only each run's records (`summary.json`, which holds the
/// trajectory, and `config.toml`), plus the study's `invocations.jsonl`: what a report needs,
/// small enough to commit next to the report so that it regenerates from a clean checkout.
pub fn export_records(source: &Path, dest: &Path) -> Result<MergeReport, ExperimentError> {
    let mut report = MergeReport::default();
    walk(source, Path::new(""), dest, Copy::Records, &mut report)?;
    let log = source.join("invocations.jsonl");
    if log.is_file() {
        std::fs::create_dir_all(dest).map_err(ExperimentError::io(dest))?;
        std::fs::copy(&log, dest.join("invocations.jsonl")).map_err(ExperimentError::io(&log))?;
    }
    Ok(report)
}

/// What of a run directory to copy.
#[derive(Clone, Copy, PartialEq)]
enum Copy {
    Whole,
    Records,
}

/// A run's records; `refresh.json` is the comparison study's refresh-rule decision.
const RECORDS: [&str; 3] = ["config.toml", "refresh.json", "summary.json"];

fn finished(dir: &Path) -> Option<bool> {
    let run = RunDir::new(dir);
    // A report bundle's summary.json is no run's: look beneath it.
    if !crate::artifacts::is_run_dir(dir) {
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
    what: Copy,
    report: &mut MergeReport,
) -> Result<(), ExperimentError> {
    let here = source.join(relative);
    match finished(&here) {
        Some(true) => {
            let target = dest.join(relative);
            if finished(&target) == Some(true) {
                report.present += 1;
            } else {
                // An unfinished run here (interrupted on this machine) gives way to the finished
                // one, without leaving its checkpoints mixed into the copy.
                if target.exists() {
                    std::fs::remove_dir_all(&target).map_err(ExperimentError::io(&target))?;
                }
                match what {
                    Copy::Whole => copy_tree(&here, &target)?,
                    Copy::Records => copy_records(&here, &target)?,
                }
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
    for name in subdirectories(&here)? {
        walk(source, &relative.join(name), dest, what, report)?;
    }
    Ok(())
}

/// Copies a run's records; the summary last.
fn copy_records(from: &Path, to: &Path) -> Result<(), ExperimentError> {
    std::fs::create_dir_all(to).map_err(ExperimentError::io(to))?;
    for name in RECORDS {
        let src = from.join(name);
        if !src.is_file() {
            continue;
        }
        let bytes = std::fs::read(&src).map_err(ExperimentError::io(&src))?;
        crate::artifacts::write_atomic(&to.join(name), &bytes)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A run directory with a whole summary of `status` and a checkpoint file named `marker`.
    fn write_run(dir: &Path, status: &str, marker: &str) {
        std::fs::create_dir_all(dir.join("checkpoint")).unwrap();
        std::fs::write(dir.join("checkpoint").join(marker), marker).unwrap();
        let summary = serde_json::json!({
            "status": status, "message": null, "name": "w", "model": "cnn", "dataset": "mnist",
            "optimizer": "balanced_adam", "beta": 0.9, "lr": 0.001, "batch_size": 32, "seed": 1,
            "parameters": 10, "updates_planned": 10, "updates_done": 10, "eval_every": 5,
            "stopped_early": false, "wall_time_s": 1.0, "best_valid_loss": 0.5,
            "best_update": 10, "final_valid_loss": 0.5, "t_es": null, "test": null,
            "trajectory": [],
            "provenance": {
                "experiments_version": "0", "burn_version": "0.22.1", "git_commit": null,
                "git_dirty": null, "devices": [], "device_description": [], "command": [],
                "cpus": 1
            }
        });
        std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
    }

    #[test]
    fn merging_adds_the_sources_invocations_once() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(a.path().join("invocations.jsonl"), "{\"x\":1}\n{\"x\":2}\n").unwrap();
        std::fs::write(b.path().join("invocations.jsonl"), "{\"x\":2}").unwrap();
        merge_runs(a.path(), b.path()).unwrap();
        merge_runs(a.path(), b.path()).unwrap();
        let merged = std::fs::read_to_string(b.path().join("invocations.jsonl")).unwrap();
        assert_eq!(merged, "{\"x\":2}\n{\"x\":1}\n");
    }

    #[test]
    fn finished_runs_replace_unfinished_ones_and_never_finished_ones() {
        let (src, dest) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_run(&src.path().join("w/replaces"), "complete", "new");
        write_run(&dest.path().join("w/replaces"), "interrupted", "stale");
        write_run(&src.path().join("w/kept"), "complete", "theirs");
        write_run(&dest.path().join("w/kept"), "diverged", "ours");
        write_run(&src.path().join("w/unfinished"), "interrupted", "partial");
        let report = merge_runs(src.path(), dest.path()).unwrap();
        assert_eq!((report.copied, report.present), (1, 1));
        assert_eq!(report.unfinished, vec![src.path().join("w/unfinished")]);
        let d = dest.path().join("w");
        assert!(d.join("replaces/checkpoint/new").exists());
        assert!(
            !d.join("replaces/checkpoint/stale").exists(),
            "no stale checkpoint mixed in"
        );
        assert!(
            d.join("kept/checkpoint/ours").exists() && !d.join("kept/checkpoint/theirs").exists()
        );
        assert!(!d.join("unfinished").exists());
        // An export takes the records only.
        let export = tempfile::tempdir().unwrap();
        let r = export_records(dest.path(), export.path()).unwrap();
        assert_eq!(r.copied, 2);
        assert!(export.path().join("w/replaces/summary.json").is_file());
        assert!(!export.path().join("w/replaces/checkpoint").exists());
        // Merging again changes nothing.
        let again = merge_runs(src.path(), dest.path()).unwrap();
        assert_eq!((again.copied, again.present), (0, 2));
    }
}
