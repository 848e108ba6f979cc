//! `study compare` and `study compare-report`: the optimizer comparison, trained (sharded) and
//! reported.

use std::path::PathBuf;

use clap::Args;

use super::{COMPARE_FILE, RefreshArgs, spawn_jobs, train_and_record};
use crate::error::ExperimentError;
use crate::study::Shard;
use crate::study::compare::definition::CompareStudy;
use crate::study::compare::{analysis, report, runner};

/// `study compare-report`.
#[derive(Debug, Args)]
pub struct CompareReportArgs {
    /// The study definition.
    #[arg(default_value = "configs/study-compare.toml")]
    pub config: PathBuf,
    /// Budget profile (`small` or `full`).
    #[arg(long, default_value = "full")]
    pub profile: String,
    /// Read the runs from here instead of the study's root (e.g. an export).
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
    /// Output directory (default `results/comparison/<profile>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A Markdown file appended after the computed reading (the written interpretation).
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,
}

pub(super) fn compare(args: &RefreshArgs) -> Result<(), ExperimentError> {
    let study = CompareStudy::load(&args.study.path(COMPARE_FILE), &args.study.profile)?;
    if args.jobs == 0 || (args.jobs > 1 && args.shard.is_some()) {
        return Err(ExperimentError::Other(
            "--jobs must be ≥ 1, and --jobs N runs all N shards itself: drop --shard".into(),
        ));
    }
    if args.jobs > 1 && !args.plan {
        return spawn_jobs(args, "compare");
    }
    let shard = args.shard.unwrap_or(Shard::ALL);
    if args.plan {
        let jobs = args.jobs.max(shard.count);
        for index in 1..=jobs {
            let part = Shard { index, count: jobs };
            if args.shard.is_some_and(|s| s != part) {
                continue;
            }
            for w in runner::shard_workloads(&study, part) {
                let workload = &study.workloads[w];
                println!(
                    "shard {index}/{jobs}: {} ({} updates): {} optimizers × {} rates, then {} seeds",
                    workload.name,
                    workload.updates(),
                    study.optimizers.len(),
                    study.lrs.len(),
                    study.seeds.len()
                );
            }
        }
        return Ok(());
    }
    train_and_record(&study.root, shard, |options| {
        runner::run_shard(&study, shard, options)
    })
}

pub(super) fn compare_report(args: &CompareReportArgs) -> Result<(), ExperimentError> {
    let mut study = CompareStudy::load(&args.config, &args.profile)?;
    if let Some(runs) = &args.runs {
        study.root = runs.clone();
    }
    if !study.root.is_dir() {
        return Err(ExperimentError::Other(format!(
            "{}: no such directory; the study's runs go there (`study compare`), \
             or pass an export with --runs",
            study.root.display()
        )));
    }
    let notes = match &args.notes {
        Some(path) => std::fs::read_to_string(path).map_err(ExperimentError::io(path))?,
        None => String::new(),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results/comparison").join(&study.profile));
    super::super::check_out_dir(&out, &[&study.root])?;
    let mut command = format!(
        "experiments study compare-report {} --profile {}",
        args.config.display(),
        study.profile
    );
    for (flag, value) in [("--runs", &args.runs), ("--notes", &args.notes)] {
        if let Some(v) = value {
            command += &format!(" {flag} {}", v.display());
        }
    }
    command += &format!(" --out {}", out.display());
    let summary = analysis::summarize(&study)?;
    let path = report::write_report(&study, &summary, &out, &command, &notes)?;
    println!(
        "{}: {} workloads, {} finished runs",
        path.display(),
        summary.workloads.len(),
        summary.provenance.runs
    );
    Ok(())
}
