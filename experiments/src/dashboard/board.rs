//! The dashboard's model: every run found under the inputs (found again every few seconds, so
//! runs that start later appear), each followed incrementally, and grouped into arms with the
//! numbers of the table.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::run::{LiveRun, Status};
use crate::artifacts::burn_logs::Metric;
use crate::error::ExperimentError;
use crate::report::arms::{Spread, arm_label};

/// How often the inputs are searched again for new runs.
pub const RESCAN_EVERY: Duration = Duration::from_secs(5);
/// How deep below an input runs are looked for.
const MAX_DEPTH: usize = 32;

/// Arms (runs equal up to the seed, as `experiments report` groups them) or one row per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Grouping {
    /// Runs equal up to the seed form one arm: mean curve with a min–max band.
    Arm,
    /// Every run on its own.
    Run,
}

/// One row of the table: an arm (or a run) and its numbers for one metric.
#[derive(Debug, Clone)]
pub struct ArmRow {
    /// The arm's label.
    pub label: String,
    /// Its runs (indices into [`Board::runs`]).
    pub runs: Vec<usize>,
    /// Runs whose numbers count (complete, and those still running or stopped), by status.
    pub counted: usize,
    /// The others: `seed: status` (diverged, interrupted, failed, unreadable).
    pub not_counted: Vec<String>,
    /// How many of its runs are running.
    pub running: usize,
    /// Updates done and planned, summed over its runs.
    pub updates: (u64, Option<u64>),
    /// Updates per second, summed over its running runs.
    pub speed: Option<f64>,
    /// Seconds until its last running run ends.
    pub eta_s: Option<f64>,
    /// Best value of the metric per counted run (lowest; highest for accuracy).
    pub best: Option<Spread>,
    /// Update of each counted run's best value.
    pub best_update: Option<Spread>,
    /// Last value.
    pub last: Option<Spread>,
    /// T_ES.
    pub t_es: Option<Spread>,
    /// β: the config's, or the refresh rule's decisions.
    pub beta: String,
    /// Test accuracy, %, of complete runs.
    pub test_accuracy: Option<Spread>,
    /// Test loss.
    pub test_loss: Option<Spread>,
    /// Test perplexity.
    pub test_perplexity: Option<Spread>,
    /// Wall time per complete run, s.
    pub wall_s: Option<Spread>,
    /// The metric over its counted runs: `(update, mean, min, max)` at every update one of them has.
    pub curve: Vec<(u64, f64, f64, f64)>,
}

/// Every run under the inputs.
#[derive(Debug)]
pub struct Board {
    inputs: Vec<PathBuf>,
    /// The runs, in the order found.
    pub runs: Vec<LiveRun>,
    known: HashSet<PathBuf>,
    last_scan: Option<Instant>,
    /// Directories that could not be searched (permissions), said once each.
    pub warnings: Vec<String>,
}

impl Board {
    /// Finds the runs under `inputs` and reads them. An input that is not a directory, or
    /// inputs with no run, are errors naming them.
    pub fn open(inputs: &[PathBuf]) -> Result<Self, ExperimentError> {
        for input in inputs {
            if !input.is_dir() {
                return Err(ExperimentError::Input {
                    message: format!("{}: no such directory", input.display()),
                });
            }
        }
        let mut board = Board {
            inputs: inputs.to_vec(),
            runs: Vec::new(),
            known: HashSet::new(),
            last_scan: None,
            warnings: Vec::new(),
        };
        board.poll(Instant::now());
        if board.runs.is_empty() {
            let named: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
            return Err(ExperimentError::Input {
                message: format!(
                    "no runs under {} (an `experiments` run directory, or a Burn artifact directory \
                 with `train/epoch-N` or `valid/epoch-N` logs)",
                    named.join(", ")
                ),
            });
        }
        Ok(board)
    }

    /// Looks for new runs (every [`RESCAN_EVERY`]) and reads what every run appended; `true`
    /// if anything changed.
    pub fn poll(&mut self, now: Instant) -> bool {
        let mut changed = false;
        if self
            .last_scan
            .is_none_or(|t| now.duration_since(t) >= RESCAN_EVERY)
        {
            self.last_scan = Some(now);
            changed |= self.scan();
        }
        // Runs are read in parallel: the first read of a large tree is mostly system calls.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        if threads < 2 || self.runs.len() < 16 {
            for run in &mut self.runs {
                changed |= run.poll(now);
            }
            return changed;
        }
        let chunk = self.runs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .runs
                .chunks_mut(chunk)
                .map(|runs| {
                    scope.spawn(move || runs.iter_mut().fold(false, |c, r| r.poll(now) | c))
                })
                .collect();
            for handle in handles {
                changed |= handle.join().unwrap_or(true);
            }
        });
        changed
    }

    fn scan(&mut self) -> bool {
        let before = self.runs.len();
        let inputs = self.inputs.clone();
        for input in &inputs {
            let base = input
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| input.clone());
            let mut visited = HashSet::new();
            self.walk(input, &base, 0, &mut visited);
        }
        self.runs.len() > before
    }

    fn walk(&mut self, dir: &Path, name: &Path, depth: usize, visited: &mut HashSet<PathBuf>) {
        let Ok(canonical) = dir.canonicalize() else {
            return;
        };
        // A symbolic link loop, or a tree reached twice, is walked once.
        if !visited.insert(canonical.clone()) || depth > MAX_DEPTH {
            return;
        }
        if LiveRun::is_run(dir) {
            if self.known.insert(canonical) {
                self.runs
                    .push(LiveRun::new(dir.to_path_buf(), name.display().to_string()));
            }
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                let warning = format!("{}: not searched: {err}", dir.display());
                if !self.warnings.contains(&warning) {
                    self.warnings.push(warning);
                }
                return;
            }
        };
        let mut dirs: Vec<(PathBuf, std::ffi::OsString)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| (e.path(), e.file_name()))
            .collect();
        dirs.sort();
        for (path, file_name) in dirs {
            self.walk(&path, &name.join(file_name), depth + 1, visited);
        }
    }

    /// Every metric some run logged, the validation loss first.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut all: Vec<Metric> = self
            .runs
            .iter()
            .flat_map(|r| r.series.keys().cloned())
            .collect();
        all.sort();
        all.dedup();
        let loss = Metric::valid_loss();
        all.retain(|m| *m != loss);
        all.insert(0, loss);
        all
    }

    /// The table's rows for `metric`, in the order the runs were found.
    pub fn rows(&self, metric: &Metric, grouping: Grouping) -> Vec<ArmRow> {
        let mut keys: Vec<String> = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (i, run) in self.runs.iter().enumerate() {
            let key = match (grouping, &run.config) {
                (Grouping::Arm, Some(c)) => format!("config\n{}", c.identity),
                _ => format!("run\n{}", run.dir.display()),
            };
            match keys.iter().position(|k| *k == key) {
                Some(k) => members[k].push(i),
                None => {
                    keys.push(key);
                    members.push(vec![i]);
                }
            }
        }
        let mut rows: Vec<ArmRow> = Vec::with_capacity(members.len());
        for m in &members {
            let mut row = self.row(metric, m, grouping);
            // Arms whose labels coincide (two settings the label does not show) are told apart
            // as the report tells them apart.
            let same = rows
                .iter()
                .filter(|r| r.label.starts_with(&row.label))
                .count();
            if same > 0 {
                row.label = format!("{} variant {}", row.label, same + 1);
            }
            rows.push(row);
        }
        rows
    }

    fn row(&self, metric: &Metric, members: &[usize], grouping: Grouping) -> ArmRow {
        let runs: Vec<&LiveRun> = members.iter().map(|&i| &self.runs[i]).collect();
        let first = runs[0];
        let label = match grouping {
            Grouping::Run => first.name.clone(),
            Grouping::Arm => runs
                .iter()
                .find_map(|r| Some(arm_label(r.summary.as_ref()?, r.refresh.is_some())))
                .or_else(|| first.config.as_ref().map(|c| c.label.clone()))
                .unwrap_or_else(|| first.name.clone()),
        };
        let counts = |r: &LiveRun| {
            matches!(
                r.status,
                Status::Complete | Status::Running | Status::Stopped
            )
        };
        let (counted, others): (Vec<&LiveRun>, Vec<&LiveRun>) =
            runs.iter().partition(|r| counts(r));
        let higher = metric.higher_is_better();
        let best_of = |r: &LiveRun| -> Option<(u64, f64)> {
            if *metric == Metric::valid_loss()
                && let Some(s) = &r.summary
            {
                return Some((s.best_update?, s.best_valid_loss?));
            }
            let points = r.series.get(metric)?;
            points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite())
                .reduce(|a, b| {
                    let better = if higher { b.1 > a.1 } else { b.1 < a.1 };
                    if better { b } else { a }
                })
        };
        let stat =
            |f: &dyn Fn(&LiveRun) -> Option<f64>| Spread::of(counted.iter().filter_map(|r| f(r)));
        let complete: Vec<&&LiveRun> = counted
            .iter()
            .filter(|r| r.status == Status::Complete)
            .collect();
        let test_stat = |f: &dyn Fn(&crate::artifacts::TestResult) -> Option<f64>| {
            Spread::of(
                complete
                    .iter()
                    .filter_map(|r| f(r.summary.as_ref()?.test.as_ref()?)),
            )
        };
        let running: Vec<&&LiveRun> = runs
            .iter()
            .filter(|r| r.status == Status::Running)
            .collect();
        let speeds: Vec<f64> = running.iter().filter_map(|r| r.speed()).collect();
        let planned: Option<u64> = runs.iter().map(|r| r.updates_planned()).sum();
        let mut betas: Vec<String> = runs
            .iter()
            .filter_map(|r| match (&r.refresh, &r.config) {
                (Some(d), _) => Some(format!("{} (rule, T_ES {})", d.beta, d.t_es.t_es)),
                (None, Some(c)) => c.beta.clone(),
                (None, None) => r.summary.as_ref()?.beta.map(|b| b.to_string()),
            })
            .collect();
        betas.sort();
        betas.dedup();
        ArmRow {
            label,
            runs: members.to_vec(),
            counted: counted.len(),
            not_counted: others
                .iter()
                .map(|r| {
                    let who = r.seed().map_or(r.name.clone(), |s| s.to_string());
                    format!("{who}: {}", r.status.word())
                })
                .collect(),
            running: running.len(),
            updates: (runs.iter().map(|r| r.updates_done).sum(), planned),
            speed: (!speeds.is_empty()).then(|| speeds.iter().sum()),
            eta_s: running
                .iter()
                .filter_map(|r| r.eta_s())
                .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e)))),
            best: stat(&|r| best_of(r).map(|b| b.1)),
            best_update: stat(&|r| best_of(r).map(|b| b.0 as f64)),
            last: stat(&|r| r.series.get(metric)?.last().map(|p| p.1)),
            t_es: stat(&|r| r.t_es().map(|t| t as f64)),
            beta: if betas.is_empty() {
                "–".into()
            } else {
                betas.join(", ")
            },
            test_accuracy: test_stat(&|t| t.accuracy),
            test_loss: test_stat(&|t| Some(t.loss)),
            test_perplexity: test_stat(&|t| t.perplexity),
            wall_s: Spread::of(
                complete
                    .iter()
                    .filter_map(|r| Some(r.summary.as_ref()?.wall_time_s)),
            ),
            curve: curve(&counted, metric),
        }
    }
}

/// Mean, min and max of `metric` over `runs` at every update one of them has (runs still
/// training end earlier: the band narrows to the runs that got there).
fn curve(runs: &[&LiveRun], metric: &Metric) -> Vec<(u64, f64, f64, f64)> {
    let mut at: std::collections::BTreeMap<u64, Vec<f64>> = std::collections::BTreeMap::new();
    for run in runs {
        for &(update, value) in run.series.get(metric).map_or(&[][..], Vec::as_slice) {
            at.entry(update).or_default().push(value);
        }
    }
    at.into_iter()
        .map(|(update, values)| {
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (update, mean, min, max)
        })
        .collect()
}
