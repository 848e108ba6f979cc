//! What a study's runs leave about how they were made: the training invocations (wall clock
//! per shard, `invocations.jsonl`), and the commits, devices and run time the runs recorded;
//! and the provenance section every study report ends with.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::artifacts::RunSummary;
use crate::error::ExperimentError;

/// One invocation of `study run` on one shard (`invocations.jsonl` in the study root).
///
/// Each invocation appends a record when it starts (`elapsed_s` null) and another when it ends,
/// so one that was killed (a machine taken back, `kill -9`) still shows that it ran.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Invocation {
    /// `i/n`.
    pub shard: String,
    /// Start, seconds since the Unix epoch.
    pub started_unix_s: u64,
    /// Wall-clock seconds; `None` for a start record, or an invocation that never recorded its
    /// end.
    #[serde(default)]
    pub elapsed_s: Option<f64>,
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
        // One write of the whole line: shards started together append at the same moment, and
        // `writeln!` writes the record and its newline separately, so two records could
        // interleave into one unreadable line (seen: `{…}{…}\n\n`). One `O_APPEND` write of a
        // short line lands whole.
        let mut line = serde_json::to_string(self).expect("an invocation serializes");
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(ExperimentError::io(&path))
    }

    /// Every invocation in `<root>/invocations.jsonl` (none if it does not exist): a start
    /// record is dropped where its end record follows, and stays (with no wall clock) where
    /// none does.
    pub fn read_all(root: &Path) -> Result<Vec<Invocation>, ExperimentError> {
        let path = root.join("invocations.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Vec::new());
        };
        let records = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| ExperimentError::RunDir {
                    dir: path.clone(),
                    message: format!("unreadable line: {e}"),
                })
            })
            .collect::<Result<Vec<Invocation>, _>>()?;
        Ok(merge_start_records(records))
    }

    fn same_invocation(&self, other: &Invocation) -> bool {
        (
            self.shard.as_str(),
            self.started_unix_s,
            self.command.as_str(),
        ) == (
            other.shard.as_str(),
            other.started_unix_s,
            other.command.as_str(),
        )
    }
}

/// Drops each start record whose invocation also recorded its end.
fn merge_start_records(records: Vec<Invocation>) -> Vec<Invocation> {
    records
        .iter()
        .filter(|r| {
            r.elapsed_s.is_some()
                || !records
                    .iter()
                    .any(|end| end.elapsed_s.is_some() && end.same_invocation(r))
        })
        .cloned()
        .collect()
}

/// What a study's runs recorded about where and how long they ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunsProvenance {
    /// The checkouts' git commits the runs recorded when they started (` (dirty)` marks a
    /// modified checkout).
    pub commits: Vec<String>,
    /// The commits the training binaries were built from (` (dirty)`: modified sources), where
    /// the runs recorded them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<String>,
    /// Devices (with the machine's CPU count).
    pub devices: Vec<String>,
    /// Sum of the runs' wall times, seconds.
    pub total_run_time_s: f64,
    /// Runs counted.
    pub runs: usize,
}

impl RunsProvenance {
    /// Counts one run.
    pub fn add(&mut self, s: &RunSummary) {
        let p = &s.provenance;
        let dirty = if p.git_dirty == Some(true) {
            " (dirty)"
        } else {
            ""
        };
        let commit = p.git_commit.clone().unwrap_or_else(|| "unknown".into()) + dirty;
        if let Some(build) = &p.build_commit {
            let build = build.clone()
                + if p.build_dirty == Some(true) {
                    " (dirty)"
                } else {
                    ""
                };
            if !self.builds.contains(&build) {
                self.builds.push(build);
            }
        }
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

    /// The report lines naming the checkouts' commits and, where recorded, the binaries'.
    pub fn commit_lines(&self) -> String {
        let mut lines = format!(
            "- commits (the checkout's HEAD when each run started): {}",
            self.commits.join(", ")
        );
        if !self.builds.is_empty() {
            let _ = write!(lines, "\n- binaries built from: {}", self.builds.join(", "));
        }
        lines
    }

    /// Sorted lists, so the report does not depend on reading order.
    pub fn sorted(mut self) -> Self {
        self.commits.sort();
        self.builds.sort();
        self.devices.sort();
        self
    }
}

/// The report's provenance section: runs, summed run time, commits, devices, and the training
/// invocations (`command`, e.g. `study run`) with their wall clock.
pub fn provenance_markdown(
    tally: &RunsProvenance,
    invocations: &[Invocation],
    root: &Path,
    command: &str,
) -> String {
    let mut md = String::new();
    let unrecorded = invocations.iter().filter(|i| i.elapsed_s.is_none()).count();
    let unrecorded = match unrecorded {
        0 => String::new(),
        n => format!(
            " ({n} stopped without recording their end, e.g. killed with their machine: their \
             wall clock is unknown and not in the total)"
        ),
    };
    let _ = writeln!(
        md,
        "\n## Provenance\n\n- runs: {} finished, {:.0} s of run time in total (summed over runs)\n\
         - `{command}` invocations: {}, {:.0} s of wall clock in total (shards in parallel \
         overlap){unrecorded}\n\
         {}\n- devices: {}\n\
         - run directories: `{}`",
        tally.runs,
        tally.total_run_time_s,
        invocations.len(),
        invocations.iter().filter_map(|i| i.elapsed_s).sum::<f64>(),
        tally.commit_lines(),
        tally.devices.join("; "),
        root.display()
    );
    if !invocations.is_empty() {
        md.push_str("\n| training command | started (UTC, Unix s) | wall clock s | interrupted |\n|---|---:|---:|---|\n");
        for i in invocations {
            let elapsed = i.elapsed_s.map_or_else(
                || "unknown (no end recorded)".to_string(),
                |s| format!("{s:.0}"),
            );
            let _ = writeln!(
                md,
                "| `{}` | {} | {elapsed} | {} |",
                i.command, i.started_unix_s, i.interrupted
            );
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(shard: &str, started: u64, elapsed: Option<f64>) -> Invocation {
        Invocation {
            shard: shard.into(),
            started_unix_s: started,
            elapsed_s: elapsed,
            interrupted: false,
            command: "experiments study run s.toml".into(),
        }
    }

    #[test]
    fn records_appended_at_once_by_several_shards_stay_one_per_line() {
        let root = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for shard in 0..16 {
                let root = root.path();
                scope.spawn(move || {
                    for started in 0..200 {
                        record(&format!("{shard}/16"), started, None)
                            .append(root)
                            .unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(root.path().join("invocations.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 16 * 200);
        for line in text.lines() {
            serde_json::from_str::<Invocation>(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
    }

    #[test]
    fn a_killed_invocation_stays_visible_and_a_finished_one_counts_once() {
        let root = tempfile::tempdir().unwrap();
        // An old-format line (before start records) still reads.
        std::fs::write(
            root.path().join("invocations.jsonl"),
            "{\"shard\":\"1/1\",\"started_unix_s\":5,\"elapsed_s\":7.0,\"interrupted\":false,\
             \"command\":\"experiments study run s.toml\"}\n",
        )
        .unwrap();
        let killed = record("1/2", 100, None);
        let (start, end) = (record("2/2", 100, None), record("2/2", 100, Some(40.0)));
        for r in [&killed, &start, &end] {
            r.append(root.path()).unwrap();
        }
        let all = Invocation::read_all(root.path()).unwrap();
        assert_eq!(all, vec![record("1/1", 5, Some(7.0)), killed, end]);
        let md = provenance_markdown(&RunsProvenance::default(), &all, root.path(), "study run");
        assert!(md.contains("invocations: 3, 47 s of wall clock"), "{md}");
        assert!(md.contains("1 stopped without recording their end"), "{md}");
        assert!(md.contains("| unknown (no end recorded) |"), "{md}");
    }

    #[test]
    fn the_tally_names_the_binaries_apart_from_the_checkouts() {
        let text = crate::artifacts::FIXTURE_SUMMARY.to_string();
        let old: RunSummary = serde_json::from_str(&text).unwrap();
        let mut tally = RunsProvenance::default();
        tally.add(&old);
        let md = provenance_markdown(&tally, &[], Path::new("runs"), "study run");
        assert!(!md.contains("binaries built from"), "{md}");
        let mut new = old.clone();
        new.provenance.git_commit = Some("bbbb".into());
        new.provenance.build_commit = Some("aaaa".into());
        new.provenance.build_dirty = Some(true);
        tally.add(&new);
        let tally = tally.sorted();
        assert_eq!(tally.builds, ["aaaa (dirty)"]);
        assert!(tally.commits.contains(&"bbbb".to_string()), "{tally:?}");
        let md = provenance_markdown(&tally, &[], Path::new("runs"), "study run");
        assert!(
            md.contains("\n- binaries built from: aaaa (dirty)\n"),
            "{md}"
        );
    }
}
