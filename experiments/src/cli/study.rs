//! `study refresh | compare | merge | export | report | compare-report`: the refresh-rule and
//! optimizer-comparison studies, sharded, merged and reported.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};

mod compare;

use crate::error::ExperimentError;
use crate::study::Shard;
use crate::study::compare::definition::CompareStudy;
use crate::study::definition::RefreshStudy;
use crate::study::merge::{export_records, merge_runs};
use crate::study::provenance::Invocation;
use crate::study::report::{summarize, write_report};
use crate::study::runner::{WorkloadRuns, run_shard, shard_workloads};
use crate::train::RunOptions;

/// Study commands.
#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// Train the refresh study's runs (all, or one shard); finished runs are skipped.
    Refresh(RefreshArgs),
    /// Train the optimizer comparison's runs (`configs/study-compare.toml`): the same rate grid
    /// for every optimizer, then its chosen rate with each seed; finished runs are skipped.
    Compare(RefreshArgs),
    /// Report the optimizer comparison: tables, paired differences, curves, offline HTML.
    CompareReport(compare::CompareReportArgs),
    /// Copy finished run directories of other shards (machines) into this study's tree.
    Merge(MergeArgs),
    /// Copy the finished runs' records (summary with trajectory, config) to a directory to commit.
    Export(ExportArgs),
    /// Analyse the run directories: gap table, R₀ and T_ES-noise sensitivity, plots, report.
    Report(ReportArgs),
}

/// The study file and profile.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// The study definition [default: configs/study-refresh.toml, for `compare`
    /// configs/study-compare.toml].
    pub config: Option<PathBuf>,
    /// Budget profile: `small` (a pipeline check) or `full`.
    #[arg(long, default_value = "full")]
    pub profile: String,
}

impl StudyArgs {
    /// The study file: the one given, or `default`.
    fn path(&self, default: &str) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from(default))
    }
}

const REFRESH_FILE: &str = "configs/study-refresh.toml";
pub(super) const COMPARE_FILE: &str = "configs/study-compare.toml";

/// `study refresh` and `study compare`: which shard, or how many local processes.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Run only this deterministic slice of the workloads, e.g. `2/4`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Run the shards 1/N … N/N as N processes here (each with its share of the CPU threads).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Print the shard's workloads and what is finished, and train nothing.
    #[arg(long)]
    pub plan: bool,
}

/// `study merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// A study root of another shard (its `<artifact_dir>/<name>/<profile>`); repeatable.
    #[arg(long, required = true, value_name = "DIR")]
    pub from: Vec<PathBuf>,
}

/// `study export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Destination, e.g. `results/refresh/full/runs`.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Export the run directories under this directory instead of a study's (e.g. a sweep's,
    /// `runs/surge-cnn-fashion`); the study file is then not read.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
}

/// `study report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Read the runs from here instead of the study's root (e.g. an export).
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
    /// Output directory (default `results/refresh/<profile>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl StudyCommand {
    /// Runs the command.
    pub fn run(self) -> Result<(), ExperimentError> {
        match self {
            StudyCommand::Refresh(args) => refresh(&args),
            StudyCommand::Compare(args) => compare::compare(&args),
            StudyCommand::CompareReport(args) => compare::compare_report(&args),
            StudyCommand::Merge(args) => {
                let root = study_root(&args.study)?;
                for source in &args.from {
                    let r = merge_runs(source, &root)?;
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
            StudyCommand::Export(args) => {
                let from = match &args.from {
                    Some(dir) => dir.clone(),
                    None => study_root(&args.study)?,
                };
                let r = export_records(&from, &args.to)?;
                println!(
                    "{}: records of {} runs exported ({} unfinished left out)",
                    args.to.display(),
                    r.copied + r.present,
                    r.unfinished.len()
                );
                Ok(())
            }
            StudyCommand::Report(args) => {
                let mut study =
                    RefreshStudy::load(&args.study.path(REFRESH_FILE), &args.study.profile)?;
                if let Some(runs) = &args.runs {
                    study.root = runs.clone();
                }
                if !study.root.is_dir() {
                    return Err(ExperimentError::Other(format!(
                        "{}: no such directory; the study's runs go there (`study refresh`), \
                         or pass an export with --runs",
                        study.root.display()
                    )));
                }
                let out = args
                    .out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("results/refresh").join(&study.profile));
                super::check_out_dir(&out, &[&study.root])?;
                let runs = args
                    .runs
                    .as_ref()
                    .map_or(String::new(), |r| format!(" --runs {}", r.display()));
                let command = format!(
                    "experiments study report {} --profile {}{runs} --out {}",
                    args.study.path(REFRESH_FILE).display(),
                    study.profile,
                    out.display()
                );
                let summary = summarize(&study)?;
                let path = write_report(&study, &summary, &out, &command)?;
                println!(
                    "{}: {} workloads complete, {} incomplete, {} runs",
                    path.display(),
                    summary.workloads.len(),
                    summary.incomplete.len(),
                    summary.provenance.runs
                );
                Ok(())
            }
        }
    }
}

fn refresh(args: &RefreshArgs) -> Result<(), ExperimentError> {
    let study = RefreshStudy::load(&args.study.path(REFRESH_FILE), &args.study.profile)?;
    if args.jobs == 0 || (args.jobs > 1 && args.shard.is_some()) {
        return Err(ExperimentError::Other(
            "--jobs must be ≥ 1, and --jobs N runs all N shards itself: drop --shard".into(),
        ));
    }
    if args.jobs > 1 && !args.plan {
        return spawn_jobs(args, "refresh");
    }
    let shard = args.shard.unwrap_or(Shard::ALL);
    if args.plan {
        let jobs = args.jobs.max(shard.count);
        for index in 1..=jobs {
            let part = Shard { index, count: jobs };
            if args.shard.is_some_and(|s| s != part) {
                continue;
            }
            for w in shard_workloads(&study, part) {
                let runs = WorkloadRuns::read(&study, w)?;
                let done: usize = runs.runs.iter().map(Vec::len).sum();
                println!(
                    "shard {index}/{jobs}: {} ({} updates × {} β): {done} runs finished",
                    w.name,
                    w.updates(),
                    study.betas.len()
                );
            }
        }
        return Ok(());
    }
    train_and_record(&study.root, shard, |options| {
        run_shard(&study, shard, options)
    })
}

/// Runs `train` (one shard's runs, which returns the runs that did not finish) and appends the
/// invocation's wall clock to `<root>/invocations.jsonl`.
pub(super) fn train_and_record(
    root: &std::path::Path,
    shard: Shard,
    train: impl FnOnce(&RunOptions) -> Result<Vec<String>, ExperimentError>,
) -> Result<(), ExperimentError> {
    std::fs::create_dir_all(root).map_err(ExperimentError::io(root))?;
    let started = Instant::now();
    let options = RunOptions {
        no_tui: true,
        ..RunOptions::default()
    };
    let failed = train(&options)?;
    Invocation {
        shard: format!("{}/{}", shard.index, shard.count),
        started_unix_s: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .saturating_sub(started.elapsed().as_secs()),
        elapsed_s: started.elapsed().as_secs_f64(),
        interrupted: crate::interrupted(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
    }
    .append(root)?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::Other(format!(
            "{} runs did not finish:\n  {}",
            failed.len(),
            failed.join("\n  ")
        )))
    }
}

/// Runs shards 1/N … N/N of `study <command>` as child processes of this binary and waits for
/// all of them.
pub(super) fn spawn_jobs(args: &RefreshArgs, study_command: &str) -> Result<(), ExperimentError> {
    let default_file = if study_command == "compare" {
        COMPARE_FILE
    } else {
        REFRESH_FILE
    };
    let exe = std::env::current_exe().map_err(|e| ExperimentError::Other(e.to_string()))?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = (cpus / args.jobs).max(1).to_string();
    let mut children = Vec::new();
    for index in 1..=args.jobs {
        let mut command = Command::new(&exe);
        command
            .args(["study", study_command])
            .arg(args.study.path(default_file))
            .args(["--profile", &args.study.profile])
            .args(["--shard", &format!("{index}/{}", args.jobs)]);
        if std::env::var_os("RAYON_NUM_THREADS").is_none() {
            command.env("RAYON_NUM_THREADS", &threads);
        }
        let child = command
            .spawn()
            .map_err(|e| ExperimentError::Other(format!("starting shard {index}: {e}")))?;
        children.push((index, child));
    }
    let mut failed = Vec::new();
    for (index, mut child) in children {
        match child.wait() {
            Ok(status) if status.success() => {}
            Ok(status) => failed.push(format!("shard {index}/{}: {status}", args.jobs)),
            Err(e) => failed.push(format!("shard {index}/{}: {e}", args.jobs)),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::Other(failed.join("; ")))
    }
}

/// The run-directory root of either study file (what `merge` and `export` need).
fn study_root(args: &StudyArgs) -> Result<PathBuf, ExperimentError> {
    let path = args.path(REFRESH_FILE);
    let text = std::fs::read_to_string(&path).map_err(ExperimentError::io(&path))?;
    let is_comparison = text
        .parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("optimizers"));
    Ok(if is_comparison {
        CompareStudy::load(&path, &args.profile)?.root
    } else {
        RefreshStudy::load(&path, &args.profile)?.root
    })
}
