//! `study run --jobs N`: the shards 1/N … N/N as child processes of this binary, supervised
//! here while their combined progress is drawn.

use std::path::Path;
use std::process::Command;

use super::{Shard, Study};
use crate::error::ExperimentError;

/// `--jobs N`, at most one job per workload (the unit a shard takes): more would sit idle.
pub fn capped_jobs(study: &dyn Study, jobs: usize) -> Result<usize, ExperimentError> {
    let units = study.plan(Shard::ALL)?.len().max(1);
    if jobs > units {
        eprintln!(
            "note: --jobs {jobs} capped at {units}: the study has {units} workloads to share out"
        );
        return Ok(units);
    }
    Ok(jobs)
}

/// Runs shards 1/N … N/N of `study run FILE` as child processes of this binary and waits for
/// all of them, drawing their combined progress (the children draw none).
pub fn run_jobs(
    study: &dyn Study,
    file: &Path,
    profile: &str,
    jobs: usize,
    root: Option<&Path>,
    progress: bool,
) -> Result<(), ExperimentError> {
    let exe = std::env::current_exe().map_err(|source| ExperimentError::Spawn {
        what: "this binary (its path is unknown)".into(),
        source,
    })?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = (cpus / jobs).max(1).to_string();
    let mut children = Vec::new();
    for index in 1..=jobs {
        let mut command = Command::new(&exe);
        command
            .args(["study", "run"])
            .arg(file)
            .args(["--profile", profile])
            .args(["--shard", &format!("{index}/{jobs}")])
            .arg("--no-progress");
        if let Some(root) = root {
            command.arg("--root").arg(root);
        }
        if std::env::var_os("RAYON_NUM_THREADS").is_none() {
            command.env("RAYON_NUM_THREADS", &threads);
        }
        let child = command.spawn().map_err(|source| ExperimentError::Spawn {
            what: format!("shard {index}/{jobs}"),
            source,
        })?;
        children.push((index, child));
    }
    let shards: Vec<Shard> = (1..=jobs)
        .map(|index| Shard { index, count: jobs })
        .collect();
    super::watch(study, &shards, progress, || {
        children
            .iter_mut()
            .all(|(_, child)| matches!(child.try_wait(), Ok(Some(_)) | Err(_)))
    });
    let mut failed = Vec::new();
    for (index, mut child) in children {
        match child.wait() {
            Ok(status) if status.success() => {}
            Ok(status) => failed.push(format!("shard {index}/{jobs}: {status}")),
            Err(e) => failed.push(format!("shard {index}/{jobs}: {e}")),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::Unfinished {
            what: "shards",
            total: jobs,
            failed,
        })
    }
}
