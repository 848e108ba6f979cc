//! A run's segments: each invocation that trains it (the first, and every `--resume`), with its
//! wall time, recorded in `<run>/segments.json` at the start, at every checkpoint and at the
//! end. A segment that was killed (SIGKILL, power loss) keeps the time of its last checkpoint,
//! so the run's `wall_time_s` is the sum over every segment, not only those that ended cleanly.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::artifacts::{RunDir, write_atomic};
use crate::error::ExperimentError;

/// The file's name in a run directory.
pub const FILE: &str = "segments.json";

/// One invocation's share of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// When it started, seconds since the Unix epoch.
    pub started_unix_s: f64,
    /// Its wall time: at its end, or at its last checkpoint if it never ended.
    pub wall_s: f64,
    /// Updates done when it started.
    pub from_update: u64,
    /// Updates done at its end or last checkpoint.
    pub to_update: u64,
    /// How it ended: a run status (`complete`, `interrupted`, …), `killed` (it never recorded
    /// an end), or `running`.
    pub ended: String,
}

/// The segments of one run, the last being this invocation's.
#[derive(Debug)]
pub struct SegmentLedger {
    path: PathBuf,
    started: Instant,
    every: u64,
    segments: Mutex<Vec<Segment>>,
}

impl SegmentLedger {
    /// Opens `dir`'s ledger and starts a segment at update `from_update`; `every` is the
    /// updates per evaluation (a checkpoint's epoch × `every` = its update). Earlier segments
    /// still `running` were killed. A run recorded before segments were kept starts with one
    /// segment of its summary's `wall_time_s` (`earlier_s`).
    pub fn start(
        dir: &RunDir,
        from_update: u64,
        every: u64,
        earlier_s: f64,
    ) -> Result<Self, ExperimentError> {
        let path = dir.path.join(FILE);
        let mut segments: Vec<Segment> = if path.is_file() {
            crate::artifacts::read_json(&path)?
        } else if earlier_s > 0.0 {
            vec![Segment {
                started_unix_s: 0.0,
                wall_s: earlier_s,
                from_update: 0,
                to_update: from_update,
                ended: "interrupted (recorded before segments were kept)".into(),
            }]
        } else {
            Vec::new()
        };
        // A segment still `running` was killed. What it achieved is what this one resumes
        // from: its ledger may name a later evaluation whose checkpoint parts were not all
        // written when it died (each part records itself as it is saved).
        for s in &mut segments {
            if s.ended == "running" {
                s.ended = "killed".into();
                s.to_update = from_update.max(s.from_update);
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        segments.push(Segment {
            started_unix_s: now,
            wall_s: 0.0,
            from_update,
            to_update: from_update,
            ended: "running".into(),
        });
        let ledger = Self {
            path,
            started: Instant::now(),
            every,
            segments: Mutex::new(segments),
        };
        ledger.write()?;
        Ok(ledger)
    }

    fn write(&self) -> Result<(), ExperimentError> {
        let segments = self.segments.lock().unwrap_or_else(|p| p.into_inner());
        let json = serde_json::to_string_pretty(&*segments).expect("segments serialize");
        write_atomic(&self.path, json.as_bytes())
    }

    fn update(&self, to_update: Option<u64>, ended: Option<&str>) -> Result<(), ExperimentError> {
        {
            let mut segments = self.segments.lock().unwrap_or_else(|p| p.into_inner());
            let current = segments.last_mut().expect("started");
            current.wall_s = self.started.elapsed().as_secs_f64();
            if let Some(u) = to_update {
                current.to_update = u;
            }
            if let Some(e) = ended {
                current.ended = e.to_string();
            }
        }
        self.write()
    }

    /// Records a checkpoint of evaluation `epoch` (this segment's time so far).
    pub fn checkpointed(&self, epoch: usize) -> Result<(), ExperimentError> {
        self.update(Some(epoch as u64 * self.every), None)
    }

    /// Ends this segment at `updates_done` with `status`; returns every segment and their total
    /// wall time.
    pub fn end(
        &self,
        updates_done: u64,
        status: &str,
    ) -> Result<(Vec<Segment>, f64), ExperimentError> {
        self.update(Some(updates_done), Some(status))?;
        let segments = self
            .segments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let total = segments.iter().map(|s| s.wall_s).sum();
        Ok((segments, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_segment_keeps_its_last_checkpoints_time_and_counts_in_the_total() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::new(tmp.path());
        let first = SegmentLedger::start(&dir, 0, 10, 0.0).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        first.checkpointed(2).unwrap();
        drop(first); // killed: no end recorded
        let second = SegmentLedger::start(&dir, 20, 10, 0.0).unwrap();
        let (segments, total) = second.end(50, "complete").unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].ended, "killed");
        assert_eq!((segments[0].from_update, segments[0].to_update), (0, 20));
        assert!(segments[0].wall_s >= 0.02, "{segments:?}");
        assert_eq!((segments[1].from_update, segments[1].to_update), (20, 50));
        assert_eq!(segments[1].ended, "complete");
        assert!((total - segments[0].wall_s - segments[1].wall_s).abs() < 1e-12);
        // On disk as returned (JSON's decimal floats to rounding).
        let read: Vec<Segment> = crate::artifacts::read_json(&tmp.path().join(FILE)).unwrap();
        assert_eq!(read.len(), segments.len());
        for (r, s) in read.iter().zip(&segments) {
            assert_eq!(
                (&r.ended, r.from_update, r.to_update),
                (&s.ended, s.from_update, s.to_update)
            );
            assert!(
                (r.wall_s - s.wall_s).abs() < 1e-9
                    && (r.started_unix_s - s.started_unix_s).abs() < 1e-6
            );
        }
    }

    #[test]
    fn a_killed_segment_ends_where_the_resume_starts_when_its_last_checkpoint_was_incomplete() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::new(tmp.path());
        let first = SegmentLedger::start(&dir, 0, 10, 0.0).unwrap();
        first.checkpointed(1).unwrap();
        // One part of evaluation 2 was saved, then the process died: resume uses evaluation 1.
        first.checkpointed(2).unwrap();
        drop(first);
        let second = SegmentLedger::start(&dir, 10, 10, 0.0).unwrap();
        let (segments, _) = second.end(50, "complete").unwrap();
        assert_eq!((segments[0].from_update, segments[0].to_update), (0, 10));
        assert_eq!(segments[1].from_update, segments[0].to_update);
    }

    #[test]
    fn a_run_from_before_segments_starts_with_its_recorded_time() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = SegmentLedger::start(&RunDir::new(tmp.path()), 30, 10, 12.5).unwrap();
        let (segments, total) = ledger.end(60, "complete").unwrap();
        assert_eq!(segments[0].wall_s, 12.5);
        assert!(total >= 12.5 && segments.len() == 2);
    }
}
