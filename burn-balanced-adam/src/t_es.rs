//! Estimating T_ES, the effective learning horizon, from a validation trajectory (`docs/algorithms.md` §1.3).
//!
//! T_ES is the optimizer-update index at which validation loss reaches its minimum: the
//! early-stopping point. The paper does not publish its exact extraction, so every convention
//! is a switch here, and [`TesEstimate`] reports what was found before and after rounding.
//!
//! ```
//! use burn_balanced_adam::t_es::{estimate_t_es, TesEstimator, ValidationPoint};
//!
//! let trajectory: Vec<ValidationPoint> = [(0, 2.3), (500, 1.1), (1000, 0.8), (1500, 0.9)]
//!     .into_iter()
//!     .map(|(update, loss)| ValidationPoint { update, loss })
//!     .collect();
//! assert_eq!(estimate_t_es(&trajectory).unwrap().t_es, 1000);
//!
//! let rounded = TesEstimator { round_to_one_significant_figure: true, ..Default::default() };
//! assert_eq!(rounded.estimate(&trajectory).unwrap().t_es, 1000);
//! ```

use serde::{Deserialize, Serialize};

use crate::error::RefreshError;

/// One evaluation of the validation loss, after `update` optimizer updates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValidationPoint {
    /// Optimizer updates done before this evaluation (after gradient accumulation).
    pub update: u64,
    /// Validation loss. NaN or infinite (a diverged run) counts as worse than any finite loss.
    pub loss: f64,
}

/// How the trajectory is smoothed before the argmin.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Smoothing {
    /// The raw losses.
    #[default]
    None,
    /// Centred moving average over `window` evaluations (odd; shrinks at the ends).
    MovingAverage {
        /// Number of evaluations averaged, odd and ≥ 1.
        window: usize,
    },
    /// Bias-corrected exponential moving average, `s ← decay·s + (1 − decay)·loss`.
    Ema {
        /// Weight of the past, in [0, 1).
        decay: f64,
    },
}

/// A configurable T_ES estimator. The default is the plain argmin of the raw trajectory
/// (ties: the earliest), no patience, no rounding.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TesEstimator {
    /// Smoothing applied before the argmin.
    pub smoothing: Smoothing,
    /// Early stopping: stop after this many evaluations without improvement and take the best
    /// evaluation seen so far. `None` scans the whole trajectory.
    pub patience: Option<usize>,
    /// Round T_ES to one significant figure (12 345 → 10 000), as the paper's published values are.
    pub round_to_one_significant_figure: bool,
}

/// What [`TesEstimator::estimate`] found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TesEstimate {
    /// The estimate, after rounding if requested.
    pub t_es: u64,
    /// The update index of the best evaluation, before rounding.
    pub best_update: u64,
    /// The best (smoothed, if smoothing is on) validation loss.
    pub best_loss: f64,
    /// Where early stopping stopped, if patience ran out before the end of the trajectory.
    pub stopped_at: Option<u64>,
}

/// T_ES with the default estimator: the update index of the lowest validation loss.
pub fn estimate_t_es(trajectory: &[ValidationPoint]) -> Result<TesEstimate, RefreshError> {
    TesEstimator::default().estimate(trajectory)
}

/// Rounds to one significant figure, halves away from zero: 12 345 → 10 000, 15 000 → 20 000.
///
/// ```
/// use burn_balanced_adam::t_es::round_to_one_significant_figure;
/// assert_eq!(round_to_one_significant_figure(6_499), 6_000);
/// assert_eq!(round_to_one_significant_figure(95_000), 100_000);
/// ```
pub fn round_to_one_significant_figure(x: u64) -> u64 {
    if x < 10 {
        return x;
    }
    let scale = 10u64.pow(x.ilog10());
    (x + scale / 2) / scale * scale
}

impl TesEstimator {
    /// Estimates T_ES from `trajectory`, which must be non-empty with strictly increasing
    /// update indices and hold at least one finite loss.
    pub fn estimate(&self, trajectory: &[ValidationPoint]) -> Result<TesEstimate, RefreshError> {
        self.validate()?;
        check_trajectory(trajectory)?;
        let losses: Vec<f64> = trajectory
            .iter()
            .map(|p| {
                if p.loss.is_finite() {
                    p.loss
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let smoothed = self.smooth(&losses);

        let mut best = 0;
        let mut since_best = 0;
        let mut stopped_at = None;
        for (i, &loss) in smoothed.iter().enumerate().skip(1) {
            // Strict improvement only, so ties keep the earliest evaluation.
            if loss < smoothed[best] {
                best = i;
                since_best = 0;
            } else {
                since_best += 1;
                if self.patience.is_some_and(|patience| since_best >= patience) {
                    stopped_at = Some(trajectory[i].update);
                    break;
                }
            }
        }
        if !smoothed[best].is_finite() {
            return Err(RefreshError::BadPoint {
                index: best,
                update: trajectory[best].update,
                loss: trajectory[best].loss,
                why: "no evaluation before early stopping has a finite loss",
            });
        }
        let best_update = trajectory[best].update;
        let t_es = if self.round_to_one_significant_figure {
            round_to_one_significant_figure(best_update)
        } else {
            best_update
        };
        tracing::debug!(
            t_es,
            best_update,
            best_loss = smoothed[best],
            "T_ES estimated"
        );
        Ok(TesEstimate {
            t_es,
            best_update,
            best_loss: smoothed[best],
            stopped_at,
        })
    }

    fn validate(&self) -> Result<(), RefreshError> {
        match self.smoothing {
            Smoothing::MovingAverage { window } if window == 0 || window % 2 == 0 => {
                Err(RefreshError::OutOfRange {
                    name: "smoothing.window",
                    value: window as f64,
                    allowed: "an odd number ≥ 1",
                })
            }
            Smoothing::Ema { decay } if !(decay.is_finite() && (0.0..1.0).contains(&decay)) => {
                Err(RefreshError::OutOfRange {
                    name: "smoothing.decay",
                    value: decay,
                    allowed: "a finite number in [0, 1)",
                })
            }
            _ if self.patience == Some(0) => Err(RefreshError::OutOfRange {
                name: "patience",
                value: 0.0,
                allowed: "≥ 1 evaluation (or none, to scan the whole trajectory)",
            }),
            _ => Ok(()),
        }
    }

    fn smooth(&self, losses: &[f64]) -> Vec<f64> {
        match self.smoothing {
            Smoothing::None => losses.to_vec(),
            Smoothing::MovingAverage { window } => {
                let half = window / 2;
                (0..losses.len())
                    .map(|i| {
                        let span =
                            &losses[i.saturating_sub(half)..(i + half + 1).min(losses.len())];
                        span.iter().sum::<f64>() / span.len() as f64
                    })
                    .collect()
            }
            Smoothing::Ema { decay } => {
                let mut average = 0.0;
                let mut weight = 0.0;
                losses
                    .iter()
                    .map(|&loss| {
                        average = decay * average + (1.0 - decay) * loss;
                        weight = decay * weight + (1.0 - decay);
                        average / weight
                    })
                    .collect()
            }
        }
    }
}

fn check_trajectory(trajectory: &[ValidationPoint]) -> Result<(), RefreshError> {
    if trajectory.is_empty() {
        return Err(RefreshError::EmptyTrajectory);
    }
    for (index, pair) in trajectory.windows(2).enumerate() {
        if pair[1].update <= pair[0].update {
            return Err(RefreshError::BadPoint {
                index: index + 1,
                update: pair[1].update,
                loss: pair[1].loss,
                why: "update indices must be strictly increasing",
            });
        }
    }
    Ok(())
}
