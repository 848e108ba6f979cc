//! Burn's metric logs as `FileMetricLogger` writes them (`<dir>/train/epoch-N/<Metric>.log`,
//! `<dir>/valid/epoch-N/<Metric>.log`), in any Burn project's artifact directory, read
//! incrementally ([`file`]: one log; [`BurnLogs`]: a directory's epochs, as points against
//! optimizer updates). The dashboard follows runs with it; `experiments tensorboard` converts
//! plain Burn runs with it.

pub mod file;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use file::{LogError, MetricFile};

/// Which half of Burn's logs a metric comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    /// Validation (`valid/`): one value per evaluation.
    Valid,
    /// Training (`train/`): the epoch's mean.
    Train,
}

impl Split {
    /// `valid` or `train`, as Burn names the directories.
    pub fn name(self) -> &'static str {
        match self {
            Split::Valid => "valid",
            Split::Train => "train",
        }
    }
}

/// A metric as Burn names it, with its split: `valid Loss`, `train Learning Rate`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Metric {
    /// Validation or training.
    pub split: Split,
    /// Burn's name (`Loss`, `Accuracy`, `Learning Rate`).
    pub name: String,
}

impl Metric {
    /// The validation loss (the default view).
    pub fn valid_loss() -> Self {
        Self {
            split: Split::Valid,
            name: "Loss".into(),
        }
    }

    /// `valid Loss`, `train Learning Rate`.
    pub fn label(&self) -> String {
        format!("{} {}", self.split.name(), self.name)
    }

    /// `--metric`: `Loss` (validation), `valid Accuracy`, `train Loss`; case-insensitive, `_`
    /// for spaces.
    pub fn parse(text: &str) -> Self {
        let text = text.replace('_', " ");
        let lower = text.to_lowercase();
        for (prefix, split) in [("train ", Split::Train), ("valid ", Split::Valid)] {
            if lower.starts_with(prefix) {
                return Self {
                    split,
                    name: text[prefix.len()..].trim().to_string(),
                };
            }
        }
        Self {
            split: Split::Valid,
            name: text.trim().to_string(),
        }
    }

    /// Whether a larger value is better (accuracy), so "best" is the maximum.
    pub fn higher_is_better(&self) -> bool {
        self.name.to_lowercase().contains("accuracy")
    }

    /// Whether `other` names this metric (case-insensitive).
    pub fn matches(&self, other: &Metric) -> bool {
        self.split == other.split && self.name.eq_ignore_ascii_case(&other.name)
    }
}

/// One epoch's logs: still read (the last epoch, or one whose files are not whole yet), or
/// closed, when only its numbers are kept.
#[derive(Debug)]
enum Epoch {
    Open {
        epoch: usize,
        dir: PathBuf,
        files: BTreeMap<String, MetricFile>,
    },
    Closed(ClosedEpoch),
}

/// What a closed epoch leaves: its iterations and every numeric metric's `final` value (by
/// index into [`SplitLogs::names`]), some bytes instead of a reader per file.
#[derive(Debug)]
struct ClosedEpoch {
    epoch: usize,
    iterations: usize,
    finals: Vec<(u16, f64)>,
}

impl Epoch {
    fn number(&self) -> usize {
        match self {
            Epoch::Open { epoch, .. } => *epoch,
            Epoch::Closed(c) => c.epoch,
        }
    }
}

/// The iterations of an epoch: the lines of its loss's log (system metrics such as CPU usage
/// are sampled on their own schedule and have no `final` line).
fn iterations(files: &BTreeMap<String, MetricFile>) -> usize {
    files
        .get("Loss")
        .or_else(|| files.values().find(|f| !f.text && f.final_value.is_some()))
        .or_else(|| files.values().find(|f| !f.text))
        .map_or(0, |f| f.entries)
}

/// One split's `epoch-N` directories.
#[derive(Debug)]
struct SplitLogs {
    root: PathBuf,
    epochs: Vec<Epoch>,
    names: Vec<String>,
    listed: bool,
}

impl SplitLogs {
    fn new(root: PathBuf) -> Self {
        Self {
            root,
            epochs: Vec::new(),
            names: Vec::new(),
            listed: false,
        }
    }

    fn push_epoch(&mut self, epoch: usize) {
        let dir = self.root.join(format!("epoch-{epoch}"));
        self.epochs.push(Epoch::Open {
            epoch,
            dir,
            files: BTreeMap::new(),
        });
    }

    /// Finds new epochs and reads the open ones; `Ok(true)` if anything was new.
    fn poll(&mut self) -> Result<bool, LogError> {
        let mut changed = false;
        if !self.listed {
            if !self.root.is_dir() {
                return Ok(false);
            }
            self.listed = true;
            // The first listing: every epoch there (a resumed Burn run may not start at 1).
            let mut found: Vec<usize> = std::fs::read_dir(&self.root)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter_map(|e| {
                            e.file_name().to_str()?.strip_prefix("epoch-")?.parse().ok()
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort_unstable();
            for epoch in found {
                self.push_epoch(epoch);
            }
        }
        // Then only the next epoch's directory is looked for.
        loop {
            let next = self.epochs.last().map_or(1, |e| e.number() + 1);
            if !self.root.join(format!("epoch-{next}")).is_dir() {
                break;
            }
            self.push_epoch(next);
        }
        let count = self.epochs.len();
        for i in 0..count {
            let Epoch::Open { epoch, dir, files } = &mut self.epochs[i] else {
                continue;
            };
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.filter_map(Result::ok) {
                    let name = entry.file_name();
                    let Some(metric) = name.to_str().and_then(|n| n.strip_suffix(".log")) else {
                        continue;
                    };
                    files
                        .entry(metric.replace('_', " "))
                        .or_insert_with(|| MetricFile::new(entry.path()));
                }
            }
            for file in files.values_mut() {
                changed |= file.poll()?;
            }
            // Closed once a later epoch exists, the epoch's loss (or, without one, some metric)
            // has its `final` line and no line is half-written.
            let done = match files.get("Loss") {
                Some(loss) => loss.final_value.is_some(),
                None => files.values().any(|f| f.final_value.is_some()),
            };
            let whole = files.values().all(|f| f.half_written().is_none());
            if done && whole && i + 1 < count {
                let (epoch, iterations) = (*epoch, iterations(files));
                let finals: Vec<(String, f64)> = files
                    .iter()
                    .filter(|(_, f)| !f.text)
                    .filter_map(|(n, f)| Some((n.clone(), f.final_value?)))
                    .collect();
                let finals = finals
                    .into_iter()
                    .map(|(name, v)| (self.intern(name), v))
                    .collect();
                self.epochs[i] = Epoch::Closed(ClosedEpoch {
                    epoch,
                    iterations,
                    finals,
                });
            }
        }
        Ok(changed)
    }

    fn intern(&mut self, name: String) -> u16 {
        match self.names.iter().position(|n| *n == name) {
            Some(i) => i as u16,
            None => {
                self.names.push(name);
                (self.names.len() - 1) as u16
            }
        }
    }

    /// Each epoch's number, iterations and `(metric, final value)` pairs, in order.
    fn numbers(&self) -> impl Iterator<Item = (usize, usize, Vec<(&str, f64)>)> + '_ {
        self.epochs.iter().map(|e| match e {
            Epoch::Closed(c) => (
                c.epoch,
                c.iterations,
                c.finals
                    .iter()
                    .map(|&(n, v)| (self.names[n as usize].as_str(), v))
                    .collect(),
            ),
            Epoch::Open { epoch, files, .. } => (
                *epoch,
                iterations(files),
                files
                    .iter()
                    .filter(|(_, f)| !f.text)
                    .filter_map(|(n, f)| Some((n.as_str(), f.final_value?)))
                    .collect(),
            ),
        })
    }

    fn open_files(&self) -> impl Iterator<Item = &MetricFile> {
        self.epochs
            .iter()
            .flat_map(|e| match e {
                Epoch::Open { files, .. } => Some(files.values()),
                Epoch::Closed(_) => None,
            })
            .flatten()
    }

    fn half_written(&self) -> Option<LogError> {
        self.open_files().find_map(MetricFile::half_written)
    }

    fn newest_write(&self) -> Option<SystemTime> {
        self.open_files()
            .filter_map(|f| f.path().metadata().ok()?.modified().ok())
            .max()
    }
}

/// A Burn artifact directory's logs, both splits.
#[derive(Debug)]
pub struct BurnLogs {
    train: SplitLogs,
    valid: SplitLogs,
}

impl BurnLogs {
    /// The logs under `dir` (nothing read yet).
    pub fn new(dir: &Path) -> Self {
        Self {
            train: SplitLogs::new(dir.join("train")),
            valid: SplitLogs::new(dir.join("valid")),
        }
    }

    /// Whether `dir` holds Burn's logs (`train/epoch-N` or `valid/epoch-N`, N ≥ 1).
    pub fn present(dir: &Path) -> bool {
        ["train", "valid"]
            .iter()
            .any(|s| dir.join(s).join("epoch-1").is_dir())
    }

    /// Reads what was appended since the last poll; `Ok(true)` if anything was new.
    pub fn poll(&mut self) -> Result<bool, LogError> {
        Ok(self.train.poll()? | self.valid.poll()?)
    }

    /// The first unterminated last line, as an error.
    pub fn half_written(&self) -> Option<LogError> {
        self.train.half_written().or(self.valid.half_written())
    }

    /// When the newest epoch's logs were last written.
    pub fn newest_write(&self) -> Option<SystemTime> {
        self.train.newest_write().max(self.valid.newest_write())
    }

    /// Every metric's points `(optimizer updates, the epoch's final value)` for the epochs whose
    /// `final` lines are there, with `k` batches per update (Burn's gradient accumulation: an
    /// epoch of n batches is ⌈n/k⌉ updates), and the updates done so far. A validation epoch
    /// is placed after the training epoch of its number.
    pub fn series(&self, k: u64) -> (BTreeMap<Metric, Vec<(u64, f64)>>, u64) {
        let k = k.max(1);
        let mut series: BTreeMap<Metric, Vec<(u64, f64)>> = BTreeMap::new();
        let mut push = |split: Split, name: &str, point: (u64, f64)| {
            let key = Metric {
                split,
                name: name.to_string(),
            };
            match series.get_mut(&key) {
                Some(points) => points.push(point),
                None => {
                    series.insert(key, vec![point]);
                }
            }
        };
        let mut train = self.train.numbers().peekable();
        let mut updates = 0u64;
        for (epoch, _, finals) in self.valid.numbers() {
            while let Some((_, iterations, train_finals)) = train.next_if(|t| t.0 <= epoch) {
                updates += (iterations as u64).div_ceil(k);
                for (name, v) in train_finals {
                    push(Split::Train, name, (updates, v));
                }
            }
            for (name, v) in finals {
                push(Split::Valid, name, (updates, v));
            }
        }
        for (_, iterations, train_finals) in train {
            updates += (iterations as u64).div_ceil(k);
            for (name, v) in train_finals {
                push(Split::Train, name, (updates, v));
            }
        }
        (series, updates)
    }
}
