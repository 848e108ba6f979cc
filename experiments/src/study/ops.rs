//! The study commands' operations: `experiments study run | plan | report | merge | export`
//! parse their arguments and hand off here, whatever the study's kind.

use std::path::{Path, PathBuf};

use super::Shard;
use super::merge::{check_members, export_records, merge_runs};
use crate::artifacts::outputs::{check_out_dir, check_out_not_above};
use crate::error::ExperimentError;

/// Which part of a study this process trains.
#[derive(Debug, Clone, Copy)]
pub struct ShardChoice {
    /// Only this shard (`--shard I/N`).
    pub shard: Option<Shard>,
    /// Otherwise the shards 1/N … N/N as this many processes (`--jobs N`; capped at the
    /// study's workloads).
    pub jobs: usize,
    /// Draw a progress bar.
    pub progress: bool,
}

/// `study run` (`plan`: print each shard's workloads and how many of their runs are finished
/// instead), with the runs under `root` instead of the study's own root when given.
pub fn run(
    file: &Path,
    profile: &str,
    root: Option<&Path>,
    choice: ShardChoice,
    plan: bool,
) -> Result<(), ExperimentError> {
    let study = super::load(file, profile, root)?;
    let jobs = super::jobs::capped_jobs(study.as_ref(), choice.jobs)?;
    if plan {
        let count = choice.shard.map_or(jobs, |s| s.count);
        let parts = (1..=count).map(|index| Shard { index, count });
        for part in parts.filter(|p| choice.shard.is_none_or(|s| s == *p)) {
            for workload in study.plan(part)? {
                println!("shard {}/{count}: {workload}", part.index);
            }
        }
        return Ok(());
    }
    if jobs > 1 {
        return super::jobs::run_jobs(study.as_ref(), file, profile, jobs, root, choice.progress);
    }
    super::train_and_record(
        study.as_ref(),
        choice.shard.unwrap_or(Shard::ALL),
        choice.progress,
    )
}

/// Where `study report` reads and writes.
#[derive(Debug, Clone, Default)]
pub struct ReportPaths {
    /// The runs, if not under the study's root (e.g. an export).
    pub runs: Option<PathBuf>,
    /// The output directory (default: the kind's results directory for the profile).
    pub out: Option<PathBuf>,
    /// A Markdown file appended after the computed reading.
    pub notes: Option<PathBuf>,
}

/// `study report`: analyses the finished runs and prints where the report went.
pub fn report(file: &Path, profile: &str, paths: &ReportPaths) -> Result<(), ExperimentError> {
    let study = super::load(file, profile, paths.runs.as_deref())?;
    if !study.root().is_dir() {
        return Err(ExperimentError::Input {
            message: format!(
                "{}: no such directory; the study's runs go there (`experiments study run {}`), \
             or pass an export with --runs",
                study.root().display(),
                file.display()
            ),
        });
    }
    let notes = match &paths.notes {
        Some(path) => std::fs::read_to_string(path).map_err(ExperimentError::io(path))?,
        None => String::new(),
    };
    let out = paths
        .out
        .clone()
        .unwrap_or_else(|| Path::new(study.kind().results_dir()).join(profile));
    check_out_dir(&out, &[study.root()])?;
    let mut command = format!(
        "experiments study report {} --profile {profile}",
        file.display()
    );
    for (flag, value) in [("--runs", &paths.runs), ("--notes", &paths.notes)] {
        if let Some(v) = value {
            command += &format!(" {flag} {}", v.display());
        }
    }
    command += &format!(" --out {}", out.display());
    println!("{}", study.report(&out, &command, &notes)?);
    Ok(())
}

/// `study merge`: every source checked first, so a refused run leaves the tree as it was.
pub fn merge(file: &Path, profile: &str, sources: &[PathBuf]) -> Result<(), ExperimentError> {
    let study = super::load(file, profile, None)?;
    let members = study.members();
    for source in sources {
        check_members(source, &members)?;
    }
    for source in sources {
        let r = merge_runs(source, study.root())?;
        println!(
            "{}: {} runs copied, {} already present, {} unfinished left out",
            source.display(),
            r.copied,
            r.present,
            r.unfinished.len()
        );
    }
    Ok(())
}

/// What `study export` copies: a study's runs, or every run under a directory.
#[derive(Debug, Clone)]
pub enum ExportSource {
    /// The runs of the study file at the profile (checked to be the study's).
    Study {
        /// The study file.
        file: PathBuf,
        /// Its budget profile.
        profile: String,
    },
    /// The run directories under this directory (e.g. a sweep's); no study file is read.
    Dir(PathBuf),
}

/// `study export`: the finished runs' records copied to `to`.
pub fn export(source: &ExportSource, to: &Path) -> Result<(), ExperimentError> {
    let from = match source {
        ExportSource::Dir(dir) => dir.clone(),
        ExportSource::Study { file, profile } => {
            let study = super::load(file, profile, None)?;
            check_members(study.root(), &study.members())?;
            study.root().to_path_buf()
        }
    };
    check_out_not_above("--to", to, &[&from]).map_err(|err| match err {
        ExperimentError::Argument { flag, message } => ExperimentError::Argument {
            flag: format!("study export: {flag}"),
            message,
        },
        other => other,
    })?;
    let r = export_records(&from, to)?;
    println!(
        "{}: records of {} runs exported ({} unfinished left out)",
        to.display(),
        r.copied + r.present,
        r.unfinished.len()
    );
    Ok(())
}
