//! One run followed live: an `experiments` run directory (`config.toml`, Burn's metric logs, and
//! `summary.json` once it ends) or a plain Burn artifact directory (Burn's logs only). Each
//! [`LiveRun::poll`] reads what was appended since the last one; a run that has ended and been
//! read whole is never read again.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use burn_balanced_adam::t_es::{TesEstimator, ValidationPoint};

use crate::artifacts::burn_logs::{BurnLogs, Metric, Split};
use crate::artifacts::refresh::RefreshDecision;
use crate::artifacts::{RunStatus, RunSummary, is_report_bundle};
use crate::report::load_run;

/// How long a plain Burn run may go without writing before it counts as stopped.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Where a run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Training now (its process holds the run directory, or its logs are still growing).
    Running,
    /// Finished its planned length or early stopping.
    Complete,
    /// Its loss became NaN or infinite.
    Diverged,
    /// Stopped before its end (`--resume` continues an `experiments` run).
    Interrupted,
    /// Burn reported an error.
    Failed,
    /// A plain Burn run that has not written for a while (Burn records no end).
    Stopped,
    /// Its files cannot be read as Burn and `experiments` write them: why, naming file and line.
    Unreadable(String),
}

impl Status {
    /// One word for the table.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Complete => "complete",
            Status::Diverged => "diverged",
            Status::Interrupted => "interrupted",
            Status::Failed => "failed",
            Status::Stopped => "stopped",
            Status::Unreadable(_) => "unreadable",
        }
    }
}

/// A run directory's `config.toml`, as far as the dashboard needs it.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// The config without the keys that differ between seeds of one arm (the arm's identity, as
    /// `experiments report` groups runs).
    pub identity: String,
    /// `optimizer β=… lr=… (model/dataset, batch …, … updates)`, as the report labels an arm.
    pub label: String,
    /// The seed.
    pub seed: Option<u64>,
    /// Planned optimizer updates.
    pub updates: Option<u64>,
    /// Batches per optimizer update.
    pub grad_accumulation: u64,
    /// `optimizer.beta`: a number or `refresh`.
    pub beta: Option<String>,
}

impl RunConfig {
    /// Reads `dir/config.toml`; `None` when there is none (a plain Burn run).
    pub fn read(dir: &Path) -> Option<Result<RunConfig, String>> {
        let path = dir.join("config.toml");
        let text = std::fs::read_to_string(&path).ok()?;
        Some(Self::parse(&text).map_err(|e| format!("{}: {e}", path.display())))
    }

    fn parse(text: &str) -> Result<RunConfig, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        let get = |section: &str, key: &str| table.get(section).and_then(|t| t.get(key)).cloned();
        let show = |v: Option<toml::Value>| match v {
            Some(toml::Value::String(s)) => s,
            Some(v) => v.to_string(),
            None => "?".into(),
        };
        let updates = get("training", "updates")
            .and_then(|v| v.as_integer())
            .map(|u| u as u64);
        let beta = get("optimizer", "beta").map(|v| show(Some(v)));
        let beta_label = match beta.as_deref() {
            Some("refresh") => " β=rule".to_string(),
            Some(b) => format!(" β={b}"),
            None => String::new(),
        };
        let label = format!(
            "{}{beta_label} lr={} ({}/{}, batch {}, {} updates)",
            show(get("optimizer", "kind")),
            show(get("schedule", "lr")),
            show(get("model", "kind")),
            show(get("data", "dataset")),
            show(get("training", "batch_size")),
            updates.map_or("?".into(), |u| u.to_string()),
        );
        Ok(RunConfig {
            identity: crate::report::arms::identity_of(text),
            label,
            seed: table
                .get("seed")
                .and_then(|v| v.as_integer())
                .map(|s| s as u64),
            updates,
            grad_accumulation: get("training", "grad_accumulation")
                .and_then(|v| v.as_integer())
                .map_or(1, |k| k.max(1) as u64),
            beta,
        })
    }
}

/// One run, as far as it has been read.
#[derive(Debug)]
pub struct LiveRun {
    /// The run directory.
    pub dir: PathBuf,
    /// Its path relative to the input it was found under (the run's name in the view).
    pub name: String,
    /// Its `config.toml` (`None`: a plain Burn run).
    pub config: Option<RunConfig>,
    /// Its summary, once the run has ended (`experiments` runs).
    pub summary: Option<RunSummary>,
    /// The refresh rule's decision, for refresh runs.
    pub refresh: Option<RefreshDecision>,
    /// Where it stands.
    pub status: Status,
    /// Each metric's points: (optimizer updates, value).
    pub series: BTreeMap<Metric, Vec<(u64, f64)>>,
    /// Optimizer updates done.
    pub updates_done: u64,
    samples: VecDeque<(Instant, u64)>,
    last_growth: Option<Instant>,
    logs: BurnLogs,
    settled: bool,
}

impl LiveRun {
    /// Whether `dir` is a run the dashboard follows: a run directory with `summary.json` (not a
    /// report bundle's), one being trained (`config.toml` beside Burn's logs), or a plain Burn
    /// artifact directory (`train/epoch-N` or `valid/epoch-N`).
    pub fn is_run(dir: &Path) -> bool {
        if is_report_bundle(dir) {
            return false;
        }
        dir.join("summary.json").is_file()
            || dir.join("config.toml").is_file() && dir.join("train").is_dir()
            || BurnLogs::present(dir)
    }

    /// A run at `dir`, shown as `name`; nothing read yet.
    pub fn new(dir: PathBuf, name: String) -> Self {
        Self {
            logs: BurnLogs::new(&dir),
            dir,
            name,
            config: None,
            summary: None,
            refresh: None,
            status: Status::Running,
            series: BTreeMap::new(),
            updates_done: 0,
            samples: VecDeque::new(),
            last_growth: None,
            settled: false,
        }
    }

    /// Planned optimizer updates, when known.
    pub fn updates_planned(&self) -> Option<u64> {
        self.summary
            .as_ref()
            .map(|s| s.updates_planned)
            .or(self.config.as_ref().and_then(|c| c.updates))
    }

    /// The seed, when known.
    pub fn seed(&self) -> Option<u64> {
        self.summary
            .as_ref()
            .map(|s| s.seed)
            .or(self.config.as_ref().and_then(|c| c.seed))
    }

    /// Optimizer updates per second: over the last 30 s while running, over the whole run
    /// once it has a summary.
    pub fn speed(&self) -> Option<f64> {
        if let Some(s) = &self.summary {
            return (s.wall_time_s > 0.0).then(|| s.updates_done as f64 / s.wall_time_s);
        }
        let (&(t0, u0), &(t1, u1)) = (self.samples.front()?, self.samples.back()?);
        let dt = t1.duration_since(t0).as_secs_f64();
        (dt >= 1.0 && u1 > u0).then(|| (u1 - u0) as f64 / dt)
    }

    /// Seconds to the planned end at the current speed (running runs).
    pub fn eta_s(&self) -> Option<f64> {
        if self.status != Status::Running {
            return None;
        }
        let left = self.updates_planned()?.saturating_sub(self.updates_done);
        Some(left as f64 / self.speed()?)
    }

    /// T_ES: the summary's (the run config's estimator), or the library's default estimator on
    /// the validation loss read so far.
    pub fn t_es(&self) -> Option<u64> {
        if let Some(s) = &self.summary {
            return s.t_es.as_ref().map(|t| t.t_es);
        }
        let points: Vec<ValidationPoint> = self
            .series
            .get(&Metric::valid_loss())?
            .iter()
            .map(|&(update, loss)| ValidationPoint { update, loss })
            .collect();
        TesEstimator::default()
            .estimate(&points)
            .ok()
            .map(|t| t.t_es)
    }

    /// Reads what is new; `true` if anything changed. Errors never stop the caller: they make
    /// the run [`Status::Unreadable`], and it is not read again.
    pub fn poll(&mut self, now: Instant) -> bool {
        if self.settled || matches!(self.status, Status::Unreadable(_)) {
            return false;
        }
        match self.poll_files(now) {
            Ok(changed) => changed,
            Err(why) => {
                self.status = Status::Unreadable(why);
                true
            }
        }
    }

    fn poll_files(&mut self, now: Instant) -> Result<bool, String> {
        let mut changed = false;
        if self.config.is_none()
            && let Some(config) = RunConfig::read(&self.dir)
        {
            self.config = Some(config?);
            changed = true;
        }
        let had_summary = self.summary.is_some();
        if !had_summary && self.dir.join("summary.json").is_file() {
            let view = load_run(&self.dir).map_err(|e| e.to_string())?;
            self.summary = Some(view.summary);
            self.refresh = view.refresh;
            changed = true;
        }
        let logs_changed = self.logs.poll().map_err(|e| e.to_string())?;
        changed |= logs_changed;
        if logs_changed {
            self.last_growth = Some(now);
        }
        if changed {
            self.rebuild_series();
        }
        self.samples.push_back((now, self.updates_done));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(30))
        {
            self.samples.pop_front();
        }
        let status = self.current_status(now);
        if status != Status::Running
            && let Some(err) = self.logs.half_written()
        {
            return Err(err.to_string());
        }
        changed |= status != self.status;
        self.status = status;
        // An ended run with its summary read, or a stopped plain run, is read whole.
        self.settled = self.summary.is_some() && had_summary;
        Ok(changed)
    }

    fn current_status(&self, now: Instant) -> Status {
        if let Some(s) = &self.summary {
            return match s.status {
                RunStatus::Complete => Status::Complete,
                RunStatus::Diverged => Status::Diverged,
                RunStatus::Interrupted => Status::Interrupted,
                RunStatus::Failed => Status::Failed,
            };
        }
        if self.config.is_some() {
            // An `experiments` run holds its directory's lock while it trains.
            return if holder_alive(&self.dir) {
                Status::Running
            } else {
                Status::Interrupted
            };
        }
        let recent = match self.last_growth {
            Some(t) if now.duration_since(t) < STALE_AFTER && self.samples.len() > 1 => true,
            _ => self
                .logs
                .newest_write()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age < STALE_AFTER),
        };
        let diverged = self
            .series
            .get(&Metric {
                split: Split::Train,
                name: "Loss".into(),
            })
            .and_then(|s| s.last())
            .is_some_and(|(_, v)| !v.is_finite());
        match (recent, diverged) {
            (true, _) => Status::Running,
            (false, true) => Status::Diverged,
            (false, false) => Status::Stopped,
        }
    }

    /// The points of every metric from the logs (epochs whose `final` lines are there), then
    /// the summary's trajectory in place of the metrics it records.
    fn rebuild_series(&mut self) {
        let k = self.config.as_ref().map_or(1, |c| c.grad_accumulation);
        let (mut series, updates) = self.logs.series(k);
        self.updates_done = updates;
        if let Some(s) = &self.summary {
            let from = |f: &dyn Fn(&crate::artifacts::Evaluation) -> Option<f64>| {
                s.trajectory
                    .iter()
                    .filter_map(|e| Some((e.update, f(e)?)))
                    .collect::<Vec<_>>()
            };
            let recorded = [
                (Split::Valid, "Loss", from(&|e| Some(e.valid_loss))),
                (Split::Valid, "Accuracy", from(&|e| e.valid_accuracy)),
                (Split::Train, "Loss", from(&|e| e.train_loss)),
            ];
            for (split, name, points) in recorded {
                if !points.is_empty() {
                    series.insert(
                        Metric {
                            split,
                            name: name.into(),
                        },
                        points,
                    );
                }
            }
            self.updates_done = s.updates_done;
        }
        self.series = series;
    }
}

/// Whether the process named in `<dir>/.lock` is alive (it holds the lock while it trains).
fn holder_alive(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join(crate::artifacts::lock::LOCK_FILE)) else {
        return false;
    };
    let Ok(pid) = text.trim().parse::<i32>() else {
        return false;
    };
    process_alive(pid)
}

#[cfg(unix)]
fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // Signal 0 checks existence without signalling; EPERM means it exists (another user's).
    // SAFETY: kill with signal 0 has no effect on the target.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: i32) -> bool {
    false
}
