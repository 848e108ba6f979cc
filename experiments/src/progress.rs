//! Progress of long work on the terminal: a sweep's or a study's runs done / total and an ETA
//! from the cost per update measured in this invocation (runs finished before it started do not
//! count towards the rate). Drawn with `indicatif` on stdout, and only when stdout is a
//! terminal, so the run logs on stderr and redirected output stay as they were.

use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How far a piece of long work is: runs, and the optimizer updates they stand for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Runs finished (complete or diverged).
    pub runs_done: usize,
    /// Runs planned.
    pub runs_total: usize,
    /// Updates of the finished runs (each counted at its planned length).
    pub updates_done: u64,
    /// Updates of every planned run.
    pub updates_total: u64,
}

impl Tally {
    /// `runs_done` of `runs_total` runs of `updates_per_run` updates each.
    pub fn of_runs(runs_done: usize, runs_total: usize, updates_per_run: u64) -> Self {
        let runs_done = runs_done.min(runs_total);
        Self {
            runs_done,
            runs_total,
            updates_done: runs_done as u64 * updates_per_run,
            updates_total: runs_total as u64 * updates_per_run,
        }
    }

    /// One more planned run of `updates` finished.
    pub fn with_run_done(self, updates: u64) -> Tally {
        Tally {
            runs_done: (self.runs_done + 1).min(self.runs_total),
            updates_done: (self.updates_done + updates).min(self.updates_total),
            ..self
        }
    }

    /// The two tallies together.
    pub fn plus(self, other: Tally) -> Tally {
        Tally {
            runs_done: self.runs_done + other.runs_done,
            runs_total: self.runs_total + other.runs_total,
            updates_done: self.updates_done + other.updates_done,
            updates_total: self.updates_total + other.updates_total,
        }
    }
}

/// The time left at the rate measured since `start`: updates finished since then per second of
/// `elapsed`, applied to the updates still to do. `None` until a run has finished in between.
pub fn eta(start: Tally, now: Tally, elapsed: Duration) -> Option<Duration> {
    let measured = now.updates_done.checked_sub(start.updates_done)?;
    if measured == 0 || elapsed.is_zero() {
        return None;
    }
    let left = now.updates_total.saturating_sub(now.updates_done);
    Some(elapsed.mul_f64(left as f64 / measured as f64))
}

/// `1 h 05 min`, `12 min`, `40 s`.
pub fn human(duration: Duration) -> String {
    let s = duration.as_secs();
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// The bar's message: `3/69 runs · 12% of updates · ETA 1 h 05 min (measured)`.
pub fn message(start: Tally, now: Tally, elapsed: Duration) -> String {
    let share = if now.updates_total == 0 {
        100.0
    } else {
        100.0 * now.updates_done as f64 / now.updates_total as f64
    };
    let eta = match eta(start, now, elapsed) {
        Some(left) => format!("ETA {}", human(left)),
        None => "ETA after the first run finishes".to_string(),
    };
    format!(
        "{}/{} runs · {share:.0}% of updates · {eta}",
        now.runs_done, now.runs_total
    )
}

/// A progress bar over runs, weighted by their updates.
pub struct RunProgress {
    bar: ProgressBar,
    start: Tally,
    started: Instant,
}

impl RunProgress {
    /// A bar labelled `label` starting from `start` (what was finished before this invocation);
    /// hidden when stdout is not a terminal or `enabled` is false.
    pub fn new(label: &str, start: Tally, enabled: bool) -> Self {
        let target = if enabled {
            ProgressDrawTarget::stdout()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(start.updates_total), target)
            .with_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            )
            .with_prefix(label.to_string())
            .with_position(start.updates_done);
        let progress = Self {
            bar,
            start,
            started: Instant::now(),
        };
        progress.set(start);
        progress
    }

    /// Whether nothing is drawn (then callers need not count anything).
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Shows `now`.
    pub fn set(&self, now: Tally) {
        self.bar.set_length(now.updates_total);
        self.bar.set_position(now.updates_done);
        self.bar
            .set_message(message(self.start, now, self.started.elapsed()));
    }

    /// Leaves the last state on the terminal.
    pub fn finish(&self) {
        self.bar.abandon();
    }
}

/// A download's bytes so far, on a spinner (the package registries do not announce sizes).
pub struct ByteCounter {
    bar: ProgressBar,
}

impl ByteCounter {
    /// A counter labelled `label`, drawn on stdout when it is a terminal, from its first count.
    pub fn new(label: &str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout())
            .with_style(
                ProgressStyle::with_template("{spinner} {prefix}: {msg}")
                    .expect("a valid template"),
            )
            .with_prefix(label.to_string());
        Self { bar }
    }

    /// Shows `bytes` downloaded.
    pub fn set(&self, bytes: u64) {
        self.bar
            .set_message(format!("{} downloaded", HumanBytes(bytes)));
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_counts_only_runs_finished_in_this_invocation() {
        // 10 runs of 1 000 updates; 4 were finished before, 2 more in the last 100 s.
        let start = Tally::of_runs(4, 10, 1000);
        let now = Tally::of_runs(6, 10, 1000);
        // 2 000 updates per 100 s; 4 000 left → 200 s (not 4 000 / (6 000 / 100 s) = 67 s).
        assert_eq!(
            eta(start, now, Duration::from_secs(100)),
            Some(Duration::from_secs(200))
        );
        assert_eq!(eta(start, start, Duration::from_secs(100)), None);
        assert_eq!(eta(start, now, Duration::ZERO), None);
        // A tally that went back (a run directory removed) has no rate.
        assert_eq!(eta(now, start, Duration::from_secs(5)), None);
    }

    #[test]
    fn tallies_add_and_cap_and_read_as_a_message() {
        let t = Tally::of_runs(3, 2, 500).plus(Tally::of_runs(1, 4, 100));
        assert_eq!(
            t,
            Tally {
                runs_done: 3,
                runs_total: 6,
                updates_done: 1100,
                updates_total: 1400
            }
        );
        let m = message(
            Tally::of_runs(0, 4, 100),
            Tally::of_runs(1, 4, 100),
            Duration::from_secs(60),
        );
        assert_eq!(m, "1/4 runs · 25% of updates · ETA 3 min");
        assert_eq!(human(Duration::from_secs(3900)), "1 h 05 min");
        let next = Tally::of_runs(1, 4, 100).with_run_done(100);
        assert_eq!((next.runs_done, next.updates_done), (2, 200));
        let full = Tally::of_runs(4, 4, 100).with_run_done(100);
        assert_eq!((full.runs_done, full.updates_done), (4, 400));
        assert_eq!(human(Duration::from_secs(40)), "40 s");
    }
}
