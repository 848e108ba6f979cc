//! Learning-rate schedules counted in optimizer updates: linear warmup followed by cosine decay,
//! the schedule of every workload in the balanced-Adam paper.
//!
//! [`warmup_cosine_lr`] is the pure function; [`WarmupCosine`] is the same schedule as a Burn
//! [`LrScheduler`], so it goes straight into `Learner::new(model, optim, schedule)` and is saved
//! and restored with the Learner's checkpoints.

use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};

use crate::error::ConfigError;
use crate::validate::Validator;

/// The learning rate of update `t` (1-based) of a warmup + cosine schedule.
///
/// For `t ≤ warmup` it rises linearly, `peak · t / warmup`; afterwards it follows a half cosine
/// from `peak` down to `min_lr`, reached at `t = total`, and stays at `min_lr` after that.
/// `warmup = 0` starts at the peak.
///
/// ```
/// use burn_balanced_adam::schedule::warmup_cosine_lr;
///
/// assert_eq!(warmup_cosine_lr(5, 1e-3, 0.0, 10, 110), 5e-4); // half-way up the warmup
/// assert_eq!(warmup_cosine_lr(10, 1e-3, 0.0, 10, 110), 1e-3); // the peak
/// assert!((warmup_cosine_lr(60, 1e-3, 0.0, 10, 110) - 5e-4).abs() < 1e-15); // half-way down
/// assert_eq!(warmup_cosine_lr(500, 1e-3, 1e-5, 10, 110), 1e-5); // the floor
/// ```
pub fn warmup_cosine_lr(t: u64, peak: f64, min_lr: f64, warmup: u64, total: u64) -> f64 {
    if t <= warmup {
        return peak * t as f64 / warmup as f64;
    }
    let decay = total.saturating_sub(warmup);
    if decay == 0 {
        return min_lr;
    }
    let progress = ((t - warmup) as f64 / decay as f64).min(1.0);
    min_lr + (peak - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// Linear warmup + cosine decay as a Burn learning-rate scheduler.
///
/// Each `step()` advances one optimizer update and returns that update's rate, as Burn's
/// `Learner` expects (it steps the scheduler once per optimizer update).
///
/// ```
/// use burn::lr_scheduler::LrScheduler;
/// use burn_balanced_adam::schedule::WarmupCosine;
///
/// let mut schedule = WarmupCosine::new(1e-3, 0.0, 2, 4).unwrap();
/// let rates: Vec<f64> = (0..4).map(|_| schedule.step()).collect();
/// assert_eq!(&rates[..2], &[5e-4, 1e-3]);
/// assert!(WarmupCosine::new(1e-3, 0.0, 5, 4).is_err()); // warmup longer than the run
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WarmupCosine {
    peak: f64,
    min_lr: f64,
    warmup: u64,
    total: u64,
    updates_done: u64,
}

impl WarmupCosine {
    /// A schedule that warms up over `warmup` updates to `peak`, then decays to `min_lr` at
    /// update `total`.
    pub fn new(peak: f64, min_lr: f64, warmup: u64, total: u64) -> Result<Self, ConfigError> {
        let check = Validator::new("warmup_cosine");
        check.positive("lr", peak)?;
        check.non_negative("min_lr", min_lr)?;
        check.at_most("min_lr", min_lr, peak, "≤ the peak learning rate `lr`")?;
        check.at_least("total", total as f64, 1.0, "≥ 1 optimizer update")?;
        check.at_most(
            "warmup",
            warmup as f64,
            total as f64,
            "≤ the run's length in updates",
        )?;
        Ok(Self {
            peak,
            min_lr,
            warmup,
            total,
            updates_done: 0,
        })
    }

    /// How many updates the schedule has stepped through.
    pub fn updates_done(&self) -> u64 {
        self.updates_done
    }
}

impl LrScheduler for WarmupCosine {
    fn step(&mut self) -> f64 {
        self.updates_done += 1;
        warmup_cosine_lr(
            self.updates_done,
            self.peak,
            self.min_lr,
            self.warmup,
            self.total,
        )
    }

    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new().with_scalar("updates_done", self.updates_done)
    }

    fn load_record(&mut self, record: LrSchedulerRecord) {
        // A record without the key (another scheduler's) leaves the count untouched.
        if let Some(updates_done) = record.scalar::<u64>("updates_done") {
            self.updates_done = updates_done;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_continuous_at_the_end_of_warmup_and_monotone_after() {
        let lr = |t| warmup_cosine_lr(t, 2e-3, 1e-4, 100, 1000);
        assert_eq!(lr(100), 2e-3);
        assert!((lr(101) - 2e-3).abs() < 1e-8);
        for t in 101..1000 {
            assert!(lr(t + 1) <= lr(t), "not decreasing at {t}");
        }
        assert_eq!(lr(1000), 1e-4);
    }

    #[test]
    fn record_round_trip_resumes_the_sequence() {
        let mut a = WarmupCosine::new(1e-3, 0.0, 3, 20).unwrap();
        for _ in 0..7 {
            a.step();
        }
        let mut b = WarmupCosine::new(1e-3, 0.0, 3, 20).unwrap();
        b.load_record(a.to_record());
        for _ in 0..13 {
            assert_eq!(a.step(), b.step());
        }
    }

    #[test]
    fn invalid_schedules_name_their_field() {
        let field = |r: Result<WarmupCosine, ConfigError>| r.unwrap_err().field();
        assert_eq!(field(WarmupCosine::new(0.0, 0.0, 0, 10)), "lr");
        assert_eq!(field(WarmupCosine::new(1e-3, 2e-3, 0, 10)), "min_lr");
        assert_eq!(field(WarmupCosine::new(1e-3, 0.0, 0, 0)), "total");
        assert_eq!(field(WarmupCosine::new(1e-3, 0.0, 11, 10)), "warmup");
    }
}
