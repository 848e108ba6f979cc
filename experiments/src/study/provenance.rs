//! What a study's runs leave about how they were made: the training invocations (wall clock
//! per shard, `invocations.jsonl`), and the commits, devices and run time the runs recorded;
//! and the provenance section every study report ends with.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::artifacts::RunSummary;
use crate::error::ExperimentError;

/// One invocation of `study run` on one shard (`invocations.jsonl` in the study root).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Invocation {
    /// `i/n`.
    pub shard: String,
    /// Start, seconds since the Unix epoch.
    pub started_unix_s: u64,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// Whether Ctrl-C ended it.
    pub interrupted: bool,
    /// The command line.
    pub command: String,
}

impl Invocation {
    /// Appends this record to `<root>/invocations.jsonl`.
    pub fn append(&self, root: &Path) -> Result<(), ExperimentError> {
        use std::io::Write as _;
        let path = root.join("invocations.jsonl");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(ExperimentError::io(&path))?;
        let line = serde_json::to_string(self).expect("an invocation serializes");
        writeln!(file, "{line}").map_err(ExperimentError::io(&path))
    }

    /// Every record in `<root>/invocations.jsonl` (none if it does not exist).
    pub fn read_all(root: &Path) -> Result<Vec<Invocation>, ExperimentError> {
        let path = root.join("invocations.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Vec::new());
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| ExperimentError::RunDir {
                    dir: path.clone(),
                    message: format!("unreadable line: {e}"),
                })
            })
            .collect()
    }
}

/// What a study's runs recorded about where and how long they ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Git commits the runs recorded (` (dirty)` marks a modified checkout).
    pub commits: Vec<String>,
    /// Devices (with the machine's CPU count).
    pub devices: Vec<String>,
    /// Sum of the runs' wall times, seconds.
    pub total_run_time_s: f64,
    /// Runs counted.
    pub runs: usize,
}

impl Tally {
    /// Counts one run.
    pub fn add(&mut self, s: &RunSummary) {
        let p = &s.provenance;
        let dirty = if p.git_dirty == Some(true) {
            " (dirty)"
        } else {
            ""
        };
        let commit = p.git_commit.clone().unwrap_or_else(|| "unknown".into()) + dirty;
        let device = format!("{} ({} CPUs)", p.device_description.join(", "), p.cpus);
        if !self.commits.contains(&commit) {
            self.commits.push(commit);
        }
        if !self.devices.contains(&device) {
            self.devices.push(device);
        }
        self.total_run_time_s += s.wall_time_s;
        self.runs += 1;
    }

    /// Sorted lists, so the report does not depend on reading order.
    pub fn sorted(mut self) -> Self {
        self.commits.sort();
        self.devices.sort();
        self
    }
}

/// The report's provenance section: runs, summed run time, commits, devices, and the training
/// invocations (`command`, e.g. `study run`) with their wall clock.
pub fn provenance_markdown(
    tally: &Tally,
    invocations: &[Invocation],
    root: &Path,
    command: &str,
) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Provenance\n\n- runs: {} finished, {:.0} s of run time in total (summed over runs)\n\
         - `{command}` invocations: {}, {:.0} s of wall clock in total (shards in parallel overlap)\n\
         - commits: {}\n- devices: {}\n- run directories: `{}`",
        tally.runs,
        tally.total_run_time_s,
        invocations.len(),
        invocations.iter().map(|i| i.elapsed_s).sum::<f64>(),
        tally.commits.join(", "),
        tally.devices.join("; "),
        root.display()
    );
    if !invocations.is_empty() {
        md.push_str("\n| training command | started (UTC, Unix s) | wall clock s | interrupted |\n|---|---:|---:|---|\n");
        for i in invocations {
            let _ = writeln!(
                md,
                "| `{}` | {} | {:.0} | {} |",
                i.command, i.started_unix_s, i.elapsed_s, i.interrupted
            );
        }
    }
    md
}
