//! Studies: many runs from one definition, split into shards that several processes or machines
//! run, merged back into one tree of run directories, and analysed from those directories alone.
//!
//! Every kind is one [`Study`]: loaded from a study file that declares its `kind`, planned and
//! run a shard at a time ([`shard`]), merged and exported ([`merge`]), and reported. The kinds:
//! [`refresh`] (the refresh rule against a fixed-β grid) and [`compare`] (optimizers, each at its
//! own searched rate). What every kind shares: [`workload`] (study-file pieces), [`runs`] (the
//! finished runs a study reads back), [`provenance`].

pub mod compare;
pub mod jobs;
pub mod merge;
pub mod ops;
pub mod refresh;
pub mod runs;
pub mod shard;
pub mod workload;

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

pub use shard::Shard;

use crate::artifacts::provenance::Invocation;
use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::progress::{RunProgress, Tally};
use crate::train::RunOptions;

/// The kinds of study, as a study file names them (`kind = "refresh"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyKind {
    /// The refresh rule against a fixed-β grid ([`refresh`]).
    Refresh,
    /// Optimizers compared, each at its own searched rate ([`compare`]).
    Compare,
}

impl StudyKind {
    /// How a study file spells it.
    pub fn name(self) -> &'static str {
        match self {
            StudyKind::Refresh => "refresh",
            StudyKind::Compare => "compare",
        }
    }

    /// Where its reports go by default: `<this>/<profile>`.
    pub fn results_dir(self) -> &'static str {
        match self {
            StudyKind::Refresh => "results/refresh",
            StudyKind::Compare => "results/comparison",
        }
    }
}

/// One workload of a shard, as `study plan` prints it and the progress bar counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadPlan {
    /// What it trains, e.g. `cnn-fashion-6k (6000 updates × 9 β)`.
    pub label: String,
    /// Planned updates of each of its runs.
    pub updates_per_run: u64,
    /// Its finished runs.
    pub runs_done: usize,
    /// The runs it makes (where later runs depend on earlier results, as many as it can make).
    pub runs_planned: usize,
}

impl WorkloadPlan {
    /// Its runs and updates, done and planned.
    pub fn tally(&self) -> Tally {
        Tally::of_runs(self.runs_done, self.runs_planned, self.updates_per_run)
    }
}

impl std::fmt::Display for WorkloadPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} of {} runs finished",
            self.label, self.runs_done, self.runs_planned
        )
    }
}

/// One study, whatever its kind: what the CLI's `study run | plan | report | merge | export` do.
/// (`Sync`: the progress bar reads the run directories beside the training.)
///
/// A kind supplies its definition (loading, [`Study::runs`], planning, running a shard) and its
/// analysis ([`Study::analyse`]); what every kind does with them ([`Study::members`],
/// [`Study::report`], sharding by cost, merging, exporting) is written once, here and in
/// [`shard`], [`merge`] and [`ops`]. Adding a kind: a new folder beside [`refresh`] and
/// [`compare`] implementing this trait, and a [`StudyKind`] variant that [`load`] maps to it.
pub trait Study: Sync {
    /// Its kind.
    fn kind(&self) -> StudyKind;
    /// Where its run directories are.
    fn root(&self) -> &Path;
    /// Each workload of `shard`: what it trains and how much of it is finished.
    fn plan(&self, shard: Shard) -> Result<Vec<WorkloadPlan>, ExperimentError>;
    /// Trains every unfinished run of `shard`; returns the runs that did not finish.
    fn run_shard(&self, shard: Shard, options: &RunOptions)
    -> Result<Vec<String>, ExperimentError>;
    /// Every run the study can make: its directory (under the root) and its config.
    fn runs(&self) -> Vec<(PathBuf, ExperimentConfig)>;
    /// The kind's analysis of the finished runs, ready to write.
    fn analyse(&self) -> Result<Box<dyn StudyAnalysis + '_>, ExperimentError>;

    /// [`Study::runs`] with each directory relative to the root (how merges and exports name
    /// them).
    fn members(&self) -> Vec<(PathBuf, ExperimentConfig)> {
        let root = self.root();
        self.runs()
            .into_iter()
            .map(|(dir, config)| (dir.strip_prefix(root).unwrap_or(&dir).to_path_buf(), config))
            .collect()
    }

    /// Analyses the runs and writes the report bundle to `out` (`notes`: Markdown appended
    /// after the computed reading); returns a one-line account of what was reported. A study
    /// with no finished run is an error, and writes nothing.
    fn report(&self, out: &Path, command: &str, notes: &str) -> Result<String, ExperimentError> {
        let analysis = self.analyse()?;
        if analysis.finished_runs() == 0 {
            return Err(no_finished_runs(self.root()));
        }
        let path = analysis.write(out, command, notes)?;
        Ok(format!("{}: {}", path.display(), analysis.account()))
    }
}

/// A kind's analysis of its finished runs ([`Study::analyse`]): the study, the kind's summary
/// of its runs, and the kind's report writer.
pub struct Analysis<'a, S, T> {
    /// The study analysed.
    pub study: &'a S,
    /// The kind's summary of the runs.
    pub summary: T,
    /// Writes the report bundle.
    pub write: Writer<S, T>,
}

impl<'a, S, T: KindSummary + 'a> Analysis<'a, S, T> {
    /// The analysis, boxed for [`Study::analyse`].
    pub fn boxed(study: &'a S, summary: T, write: Writer<S, T>) -> Box<dyn StudyAnalysis + 'a> {
        Box::new(Analysis {
            study,
            summary,
            write,
        })
    }
}

/// A kind's report writer: `(study, summary, out, command, notes)` → the path of `report.md`.
pub type Writer<S, T> = fn(&S, &T, &Path, &str, &str) -> Result<PathBuf, ExperimentError>;

/// What every kind's summary tells the shared report step.
pub trait KindSummary {
    /// How many finished runs it rests on.
    fn finished_runs(&self) -> usize;
    /// What it covers, in a few words (printed after the report's path).
    fn account(&self) -> String;
}

/// What [`Study::report`] needs of an [`Analysis`], whatever the kind.
pub trait StudyAnalysis {
    /// How many finished runs it rests on.
    fn finished_runs(&self) -> usize;
    /// Writes the report bundle into `out`; the path of its `report.md`.
    fn write(&self, out: &Path, command: &str, notes: &str) -> Result<PathBuf, ExperimentError>;
    /// What it covers, in a few words.
    fn account(&self) -> String;
}

impl<S, T: KindSummary> StudyAnalysis for Analysis<'_, S, T> {
    fn finished_runs(&self) -> usize {
        self.summary.finished_runs()
    }

    fn write(&self, out: &Path, command: &str, notes: &str) -> Result<PathBuf, ExperimentError> {
        (self.write)(self.study, &self.summary, out, command, notes)
    }

    fn account(&self) -> String {
        self.summary.account()
    }
}

/// The TOML of a study file of kind `kind`, less the `kind` key.
pub fn read_study_file(path: &Path, kind: StudyKind) -> Result<toml::Table, ExperimentError> {
    let (found, table) = read_kind(path)?;
    if found != kind {
        return Err(workload::invalid(
            path,
            format!(
                "`kind = \"{}\"`, but a {} study was expected",
                found.name(),
                kind.name()
            ),
        ));
    }
    Ok(table)
}

fn read_kind(path: &Path) -> Result<(StudyKind, toml::Table), ExperimentError> {
    let text = std::fs::read_to_string(path).map_err(ExperimentError::io(path))?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| workload::invalid(path, e.to_string()))?;
    let kind = table.remove("kind").ok_or_else(|| {
        workload::invalid(
            path,
            "no `kind`: a study file starts with `kind = \"refresh\"` or `kind = \"compare\"`",
        )
    })?;
    let kind = StudyKind::deserialize(kind).map_err(|e| {
        workload::invalid(
            path,
            format!("`kind`: {e} (the kinds are \"refresh\" and \"compare\")"),
        )
    })?;
    Ok((kind, table))
}

/// Loads the study file at `path`, of whatever kind it declares, for `profile`, with its runs
/// under `root` instead of its own root when given (an export, a node's scratch).
pub fn load(
    path: &Path,
    profile: &str,
    root: Option<&Path>,
) -> Result<Box<dyn Study>, ExperimentError> {
    // The root is settled here, before the study is handed out: a loaded study never moves.
    let place = |own: PathBuf| root.map_or(own, Path::to_path_buf);
    Ok(match read_kind(path)?.0 {
        StudyKind::Refresh => {
            let study = refresh::definition::RefreshStudy::load(path, profile)?;
            Box::new(refresh::definition::RefreshStudy {
                root: place(study.root.clone()),
                ..study
            })
        }
        StudyKind::Compare => {
            let study = compare::definition::CompareStudy::load(path, profile)?;
            Box::new(compare::definition::CompareStudy {
                root: place(study.root.clone()),
                ..study
            })
        }
    })
}

/// The error of a report with nothing to report.
pub fn no_finished_runs(root: &Path) -> ExperimentError {
    ExperimentError::Input {
        message: format!(
            "{}: no finished runs of this study; train them with `experiments study run`, or point \
         --runs at an export",
            root.display()
        ),
    }
}

/// The runs and updates of `shards`, done and planned.
pub fn tally(study: &dyn Study, shards: &[Shard]) -> Result<Tally, ExperimentError> {
    let mut total = Tally::default();
    for &shard in shards {
        for plan in study.plan(shard)? {
            total = total.plus(plan.tally());
        }
    }
    Ok(total)
}

/// Draws the progress of `shards` (when stdout is a terminal and `enabled`), re-reading the
/// run directories every few seconds, until `finished` says the work is over.
pub fn watch(
    study: &dyn Study,
    shards: &[Shard],
    enabled: bool,
    mut finished: impl FnMut() -> bool,
) {
    let label = match shards {
        [one] if *one != Shard::ALL => format!("shard {}/{}", one.index, one.count),
        _ => "study".to_string(),
    };
    let start = tally(study, shards).unwrap_or_default();
    let progress = RunProgress::new(&label, start, enabled);
    loop {
        for _ in 0..20 {
            if finished() {
                if !progress.is_hidden() {
                    progress.set(tally(study, shards).unwrap_or(start));
                    progress.finish();
                }
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        // A run directory caught mid-write reads as an error: keep the last state until the
        // next poll.
        if !progress.is_hidden()
            && let Ok(now) = tally(study, shards)
        {
            progress.set(now);
        }
    }
}

/// Runs one shard of `study` (with its progress bar when `progress` and stdout is a terminal)
/// and appends the invocation's wall clock to `<root>/invocations.jsonl`; the runs that did not
/// finish are an error naming them.
pub fn train_and_record(
    study: &dyn Study,
    shard: Shard,
    progress: bool,
) -> Result<(), ExperimentError> {
    let root = study.root();
    std::fs::create_dir_all(root).map_err(ExperimentError::io(root))?;
    let started = Instant::now();
    let mut invocation = Invocation {
        shard: format!("{}/{}", shard.index, shard.count),
        started_unix_s: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        elapsed_s: None,
        interrupted: false,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    // A start record first, so an invocation killed with its machine still shows that it ran.
    invocation.append(root)?;
    // Every study run resumes: finished runs are skipped, interrupted ones continue.
    let options = RunOptions {
        no_tui: true,
        resume: true,
        ..RunOptions::default()
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let failed = std::thread::scope(|scope| {
        scope.spawn(|| {
            watch(study, &[shard], progress, || {
                done.load(std::sync::atomic::Ordering::Relaxed)
            })
        });
        let failed = study.run_shard(shard, &options);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        failed
    });
    invocation.elapsed_s = Some(started.elapsed().as_secs_f64());
    invocation.interrupted = crate::interrupt::interrupted();
    invocation.append(root)?;
    let failed = failed?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::Unfinished {
            what: "planned runs",
            total: tally(study, &[shard])?.runs_total,
            failed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_committed_study_file_loads_in_every_profile() {
        let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs");
        let mut kinds = Vec::new();
        for entry in std::fs::read_dir(&configs).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("study-") && name.ends_with(".toml")) {
                continue;
            }
            let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
            let profiles = table["profiles"].as_table().unwrap();
            assert!(!profiles.is_empty(), "{name}");
            for profile in profiles.keys() {
                let study =
                    load(&path, profile, None).unwrap_or_else(|e| panic!("{name} {profile}: {e}"));
                assert!(!study.members().is_empty(), "{name} {profile}");
                kinds.push(study.kind());
            }
        }
        assert!(kinds.contains(&StudyKind::Refresh) && kinds.contains(&StudyKind::Compare));
        assert!(kinds.len() >= 8, "{kinds:?}");
    }
}
