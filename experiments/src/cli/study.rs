//! `study run | plan | report | merge | export STUDY_FILE`: one path for every study kind (the
//! file's `kind` says which), sharded over processes or machines, merged and reported.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::error::ExperimentError;
use crate::study::Shard;
use crate::study::ops::{self, ExportSource, ReportPaths, ShardChoice};

/// Study commands.
#[derive(Debug, Subcommand)]
pub enum StudyCommand {
    /// Train the study's runs (all, or one shard); finished runs are skipped, interrupted ones
    /// resumed, so it is simply run again until everything is done.
    Run(RunArgs),
    /// Print each shard's workloads and how many of their runs are finished; trains nothing.
    Plan(RunArgs),
    /// Analyse the finished runs: tables, verdicts, plots, `report.md`, offline `report.html`
    /// and `summary.json`.
    Report(ReportArgs),
    /// Copy finished run directories of other shards (machines) into this study's tree; runs
    /// that are not the study's are refused by name.
    Merge(MergeArgs),
    /// Copy the finished runs' records (summary with trajectory, config) to a directory to commit.
    Export(ExportArgs),
    /// Old spelling of `study run configs/study-refresh.toml` (`--plan`: `study plan`).
    #[command(hide = true)]
    Refresh(AliasRunArgs),
    /// Old spelling of `study run configs/study-compare.toml` (`--plan`: `study plan`).
    #[command(hide = true)]
    Compare(AliasRunArgs),
    /// Old spelling of `study report configs/study-compare.toml`.
    #[command(hide = true)]
    CompareReport(AliasReportArgs),
}

/// The study file and profile.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// The study file (its `kind` says which study it is), e.g. `configs/study-refresh.toml`.
    pub file: PathBuf,
    /// Budget profile of the study file, e.g. `small` (a pipeline check) or `full`.
    #[arg(long, default_value = "full")]
    pub profile: String,
}

/// Which shard, or how many local processes.
#[derive(Debug, Args)]
pub struct ShardArgs {
    /// Only this deterministic slice of the workloads, e.g. `2/4`.
    #[arg(long, value_name = "I/N", conflicts_with = "jobs")]
    pub shard: Option<Shard>,
    /// Run the shards 1/N … N/N as N processes here (each with its share of the CPU threads).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: u32,
    /// Draw no progress bar (runs done / total and an ETA; drawn on stdout only when it is a
    /// terminal).
    #[arg(long)]
    pub no_progress: bool,
}

/// `study run` and `study plan`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub shards: ShardArgs,
    /// Put the runs under DIR instead of `<artifact_dir>/<name>/<profile>` (e.g. a node's local
    /// scratch in an array job; `study merge --from DIR` collects them afterwards).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// `study refresh` and `study compare` (old spellings: the file is optional).
#[derive(Debug, Args)]
pub struct AliasRunArgs {
    /// The study file [default: configs/study-refresh.toml, for `compare`
    /// configs/study-compare.toml].
    pub file: Option<PathBuf>,
    /// Budget profile.
    #[arg(long, default_value = "full")]
    pub profile: String,
    #[command(flatten)]
    pub shards: ShardArgs,
    /// Print the plan and train nothing (`study plan`).
    #[arg(long)]
    pub plan: bool,
}

/// `study report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    #[command(flatten)]
    pub output: ReportOutput,
}

/// Where a report reads and writes.
#[derive(Debug, Args)]
pub struct ReportOutput {
    /// Read the runs from here instead of the study's root (e.g. an export).
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
    /// Output directory (default `results/refresh/<profile>` or `results/comparison/<profile>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A Markdown file appended after the computed reading (the written interpretation).
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,
}

/// `study compare-report` (old spelling).
#[derive(Debug, Args)]
pub struct AliasReportArgs {
    /// The study file.
    #[arg(default_value = "configs/study-compare.toml")]
    pub file: PathBuf,
    /// Budget profile.
    #[arg(long, default_value = "full")]
    pub profile: String,
    #[command(flatten)]
    pub output: ReportOutput,
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
    /// The study file (not needed with --from).
    #[arg(required_unless_present = "from")]
    pub file: Option<PathBuf>,
    /// Budget profile.
    #[arg(long, default_value = "full")]
    pub profile: String,
    /// Destination, e.g. `results/refresh/full/runs`.
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Export the run directories under this directory instead of a study's (e.g. a sweep's,
    /// `runs/surge-cnn-fashion`); no study file is read.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
}

impl StudyCommand {
    /// Runs the command.
    pub fn run(self) -> Result<(), ExperimentError> {
        match self {
            StudyCommand::Run(args) => run(&args, false),
            StudyCommand::Plan(args) => run(&args, true),
            StudyCommand::Refresh(args) => alias(&args, "configs/study-refresh.toml"),
            StudyCommand::Compare(args) => alias(&args, "configs/study-compare.toml"),
            StudyCommand::Report(args) => {
                report(&args.study.file, &args.study.profile, &args.output)
            }
            StudyCommand::CompareReport(args) => report(&args.file, &args.profile, &args.output),
            StudyCommand::Merge(args) => {
                ops::merge(&args.study.file, &args.study.profile, &args.from)
            }
            StudyCommand::Export(args) => export(&args),
        }
    }
}

/// `study run` (`plan`: print what each shard holds instead).
fn run(args: &RunArgs, plan: bool) -> Result<(), ExperimentError> {
    let choice = ShardChoice {
        shard: args.shards.shard,
        jobs: args.shards.jobs as usize,
        progress: !args.shards.no_progress,
    };
    let study = &args.study;
    ops::run(
        &study.file,
        &study.profile,
        args.root.as_deref(),
        choice,
        plan,
    )
}

/// `study refresh` and `study compare`, the old spellings of `study run` and `study plan`.
fn alias(args: &AliasRunArgs, default_file: &str) -> Result<(), ExperimentError> {
    let file = args.file.clone().unwrap_or_else(|| default_file.into());
    let choice = ShardChoice {
        shard: args.shards.shard,
        jobs: args.shards.jobs as usize,
        progress: !args.shards.no_progress,
    };
    ops::run(&file, &args.profile, None, choice, args.plan)
}

/// `study report`.
fn report(file: &Path, profile: &str, output: &ReportOutput) -> Result<(), ExperimentError> {
    let paths = ReportPaths {
        runs: output.runs.clone(),
        out: output.out.clone(),
        notes: output.notes.clone(),
    };
    ops::report(file, profile, &paths)
}

/// `study export`.
fn export(args: &ExportArgs) -> Result<(), ExperimentError> {
    let source = match (&args.from, &args.file) {
        (Some(dir), _) => ExportSource::Dir(dir.clone()),
        (None, Some(file)) => ExportSource::Study {
            file: file.clone(),
            profile: args.profile.clone(),
        },
        (None, None) => {
            return Err(ExperimentError::Argument {
                flag: "study export".into(),
                message: "give the study file, or --from DIR".into(),
            });
        }
    };
    ops::export(&source, &args.to)
}
