//! `study refresh | merge | report`: the refresh-rule study, sharded, merged and reported.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};

use crate::error::ExperimentError;
use crate::study::Shard;
use crate::study::definition::RefreshStudy;
use crate::study::merge::{export_records, merge_runs};
use crate::study::report::{Invocation, summarize, write_report};
use crate::study::runner::{WorkloadRuns, run_shard, shard_workloads};
use crate::train::RunOptions;

/// Study commands.
#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// Train the refresh study's runs (all, or one shard); finished runs are skipped.
    Refresh(RefreshArgs),
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
    /// The study definition.
    #[arg(default_value = "configs/study-refresh.toml")]
    pub config: PathBuf,
    /// Budget profile: `small` (≤ 30 min on 2 CPU cores) or `full`.
    #[arg(long, default_value = "full")]
    pub profile: String,
}

/// `study refresh`.
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
            StudyCommand::Merge(args) => {
                let study = RefreshStudy::load(&args.study.config, &args.study.profile)?;
                for source in &args.from {
                    let r = merge_runs(source, &study.root)?;
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
                let study = RefreshStudy::load(&args.study.config, &args.study.profile)?;
                let r = export_records(&study.root, &args.to)?;
                println!(
                    "{}: records of {} runs exported ({} unfinished left out)",
                    args.to.display(),
                    r.copied + r.present,
                    r.unfinished.len()
                );
                Ok(())
            }
            StudyCommand::Report(args) => {
                let mut study = RefreshStudy::load(&args.study.config, &args.study.profile)?;
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
                let runs = args
                    .runs
                    .as_ref()
                    .map_or(String::new(), |r| format!(" --runs {}", r.display()));
                let command = format!(
                    "experiments study report {} --profile {}{runs} --out {}",
                    args.study.config.display(),
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
                    summary.runs
                );
                Ok(())
            }
        }
    }
}

fn refresh(args: &RefreshArgs) -> Result<(), ExperimentError> {
    let study = RefreshStudy::load(&args.study.config, &args.study.profile)?;
    if args.jobs == 0 || (args.jobs > 1 && args.shard.is_some()) {
        return Err(ExperimentError::Other(
            "--jobs must be ≥ 1, and --jobs N runs all N shards itself: drop --shard".into(),
        ));
    }
    if args.jobs > 1 && !args.plan {
        return spawn_jobs(args);
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
    std::fs::create_dir_all(&study.root).map_err(ExperimentError::io(&study.root))?;
    let started = Instant::now();
    let options = RunOptions {
        no_tui: true,
        ..RunOptions::default()
    };
    let failed = run_shard(&study, shard, &options)?;
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
    .append(&study.root)?;
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

/// Runs shards 1/N … N/N as child processes of this binary and waits for all of them.
fn spawn_jobs(args: &RefreshArgs) -> Result<(), ExperimentError> {
    let exe = std::env::current_exe().map_err(|e| ExperimentError::Other(e.to_string()))?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = (cpus / args.jobs).max(1).to_string();
    let mut children = Vec::new();
    for index in 1..=args.jobs {
        let mut command = Command::new(&exe);
        command
            .args(["study", "refresh"])
            .arg(&args.study.config)
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
