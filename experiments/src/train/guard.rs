//! Stops a diverging run, with a message the run directory records: at the first NaN or infinite
//! training loss, or when the loss stays far above where the run started although finite (a
//! rate of 1e6 drives a loss to ~1e33 without ever overflowing).
//!
//! The finite criterion: the first step's loss (on the weights the run starts from, before any
//! update of this process) is the baseline; consecutive steps above [`RUNAWAY_FACTOR`] × the
//! baseline stop the run once there are as many as the window: [`RUNAWAY_STEPS`], or a quarter
//! of the run's steps when that is fewer (at least 1), so that short runs can diverge too (a
//! 20-update run needs 5). And the run's last step stops it, marking it diverged, if its loss is
//! above the bound then, however few steps were above it before. A resumed run takes its
//! baseline again where it resumes, and its window from the steps it has left. A run of one
//! step has no loss to compare with: only a non-finite loss stops it.

use burn::tensor::{Tensor, TensorReadError};
use burn::train::metric::{Adaptor, Metric, MetricMetadata, MetricName, SerializedEntry};
use burn::train::{ClassificationOutput, Interrupter, SequenceOutput};
use std::sync::Arc;

/// The reason given to the interrupter, so the run can tell divergence from other stops.
pub const NON_FINITE_REASON: &str = "non-finite training loss";
/// The reason for a finite runaway loss.
pub const RUNAWAY_REASON: &str = "training loss diverged";
/// How far above the baseline a step's loss must be to count towards divergence.
pub const RUNAWAY_FACTOR: f64 = 100.0;
/// Consecutive steps that far above the baseline that stop the run.
pub const RUNAWAY_STEPS: usize = 20;

/// Whether a stop reason is divergence (non-finite or runaway loss).
pub fn is_divergence(reason: &str) -> bool {
    reason.starts_with(NON_FINITE_REASON) || reason.starts_with(RUNAWAY_REASON)
}

/// The divergence criterion, apart from Burn's metric plumbing.
#[derive(Debug, Clone)]
pub struct Divergence {
    baseline: Option<f64>,
    above: usize,
    seen: u64,
    /// Steps this process will observe (`u64::MAX`: unknown).
    steps: u64,
    window: usize,
}

impl Default for Divergence {
    /// A run of unknown length: the full window, no last-step check.
    fn default() -> Self {
        Self::for_steps(u64::MAX)
    }
}

impl Divergence {
    /// The criterion for a run that will observe `steps` training steps.
    pub fn for_steps(steps: u64) -> Self {
        let quarter = usize::try_from(steps / 4).unwrap_or(usize::MAX);
        Self {
            baseline: None,
            above: 0,
            seen: 0,
            steps,
            window: RUNAWAY_STEPS.min(quarter.max(1)),
        }
    }

    /// Takes one step's loss; the reason to stop, the first time the run diverges.
    pub fn observe(&mut self, loss: f64) -> Option<String> {
        self.seen += 1;
        if !loss.is_finite() {
            return Some(format!("{NON_FINITE_REASON} ({loss})"));
        }
        let Some(base) = self.baseline else {
            self.baseline = Some(loss);
            return None;
        };
        let runaway = base > 0.0 && loss > RUNAWAY_FACTOR * base;
        self.above = if runaway { self.above + 1 } else { 0 };
        if self.above == self.window {
            return Some(format!(
                "{RUNAWAY_REASON}: {} consecutive steps above {RUNAWAY_FACTOR}× the first step's \
                 loss ({base:.4}), the last {loss:.4e}",
                self.window
            ));
        }
        (runaway && self.seen == self.steps).then(|| {
            format!(
                "{RUNAWAY_REASON}: the run's last step ended {loss:.4e}, above {RUNAWAY_FACTOR}× \
                 the first step's loss ({base:.4})"
            )
        })
    }
}

/// The loss of a training step, as the guard reads it.
pub struct GuardInput {
    loss: Tensor<1>,
}

impl Adaptor<GuardInput> for ClassificationOutput {
    fn adapt(&self) -> GuardInput {
        GuardInput {
            loss: self.loss.clone(),
        }
    }
}

impl Adaptor<GuardInput> for SequenceOutput {
    fn adapt(&self) -> GuardInput {
        GuardInput {
            loss: self.loss.clone(),
        }
    }
}

/// A training metric that interrupts the run at the first NaN or infinite loss.
#[derive(Clone)]
pub struct NonFiniteGuard {
    interrupter: Interrupter,
    name: MetricName,
    divergence: Divergence,
    tripped: bool,
}

impl NonFiniteGuard {
    /// A guard that stops training through `interrupter`, for a launch that will take `steps`
    /// training steps (Burn's training items: micro-batches on every device).
    pub fn new(interrupter: Interrupter, steps: u64) -> Self {
        Self {
            interrupter,
            name: Arc::new("Loss finite".to_string()),
            divergence: Divergence::for_steps(steps),
            tripped: false,
        }
    }
}

impl Metric for NonFiniteGuard {
    type Input = GuardInput;

    fn update(
        &mut self,
        input: &GuardInput,
        metadata: &MetricMetadata,
    ) -> Result<SerializedEntry, TensorReadError> {
        let loss = input.loss.clone().mean().try_into_scalar::<f64>()?;
        if !self.tripped
            && let Some(reason) = self.divergence.observe(loss)
        {
            self.tripped = true;
            let at = metadata.iteration.map_or(String::new(), |i| {
                format!(" at iteration {i} of this evaluation interval")
            });
            self.interrupter.stop(Some(&format!("{reason}{at}")));
        }
        let text = if self.tripped { "no" } else { "yes" };
        Ok(SerializedEntry {
            formatted: text.to_string(),
            serialized: text.to_string(),
        })
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        let text = if self.tripped { "no" } else { "yes" };
        Ok(SerializedEntry {
            formatted: text.to_string(),
            serialized: text.to_string(),
        })
    }

    fn clear(&mut self) {}

    fn name(&self) -> MetricName {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runaway_finite_loss_stops_the_run_and_a_spike_does_not() {
        let mut d = Divergence::default();
        assert_eq!(d.observe(2.0), None);
        // A spike that recovers is training, not divergence.
        for _ in 0..RUNAWAY_STEPS - 1 {
            assert_eq!(d.observe(1e6), None);
        }
        assert_eq!(d.observe(1.5), None);
        for _ in 0..RUNAWAY_STEPS - 1 {
            assert_eq!(d.observe(1e33), None);
        }
        let reason = d.observe(1e33).expect("the 20th step in a row stops it");
        assert!(
            is_divergence(&reason) && reason.starts_with(RUNAWAY_REASON),
            "{reason}"
        );
        // Exactly at the factor is not above it.
        let mut d = Divergence::default();
        assert_eq!(d.observe(1.0), None);
        (0..2 * RUNAWAY_STEPS).for_each(|_| assert_eq!(d.observe(RUNAWAY_FACTOR), None));
    }

    #[test]
    fn a_short_run_can_diverge() {
        // 20 steps: a window of 5.
        let mut d = Divergence::for_steps(20);
        assert_eq!(d.observe(2.0), None);
        (0..4).for_each(|_| assert_eq!(d.observe(1e33), None));
        let reason = d
            .observe(1e33)
            .expect("the 5th step in a row stops a 20-step run");
        assert!(reason.contains("5 consecutive steps"), "{reason}");
        // A runaway that starts too late to fill the window is caught at the last step.
        let mut d = Divergence::for_steps(20);
        (0..17).for_each(|_| assert_eq!(d.observe(2.0), None));
        assert_eq!(d.observe(1e9), None);
        assert_eq!(d.observe(1e9), None);
        let reason = d.observe(1e9).expect("the last step above the bound");
        assert!(
            reason.contains("last step") && is_divergence(&reason),
            "{reason}"
        );
        // A spike before a healthy last step is not divergence.
        let mut d = Divergence::for_steps(8);
        assert_eq!(d.observe(2.0), None);
        (0..5).for_each(|_| assert_eq!(d.observe(2.0), None));
        assert_eq!(d.observe(1e9), None, "one step above, a window of 2");
        assert_eq!(d.observe(1.0), None);
        // Long runs keep the full window.
        let mut d = Divergence::for_steps(10_000);
        assert_eq!(d.observe(1.0), None);
        (0..RUNAWAY_STEPS - 1).for_each(|_| assert_eq!(d.observe(1e9), None));
        assert!(d.observe(1e9).is_some());
    }

    #[test]
    fn a_non_finite_loss_stops_at_once() {
        let mut d = Divergence::default();
        let reason = d.observe(f64::NAN).unwrap();
        assert!(reason.starts_with(NON_FINITE_REASON) && is_divergence(&reason));
        assert!(!is_divergence("interrupted by Ctrl-C"));
    }
}
