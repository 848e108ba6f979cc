//! The refresh rule of balanced Adam (`docs/algorithms.md` §1.2): memory horizon, refresh
//! count, the β that gives `R₀` refreshes over the learning horizon `T_ES`, the paper's β grid,
//! and the rule as a workflow ([`RefreshRule`] → [`RefreshDecision`]): from a pilot run's
//! validation trajectory, or from the planned number of updates (the budget rule).
//!
//! ```
//! use burn_balanced_adam::refresh::{beta_for_refresh, snap_to_grid, DEFAULT_R0};
//!
//! // A run whose validation loss bottoms out after 10 000 updates gets β = 0.9.
//! let target = beta_for_refresh(10_000.0, DEFAULT_R0).unwrap();
//! assert!((target - 0.9).abs() < 1e-12);
//! assert_eq!(snap_to_grid(target).unwrap(), 0.9);
//! ```

use serde::{Deserialize, Serialize};

use crate::error::RefreshError;
use crate::t_es::{TesEstimate, TesEstimator, ValidationPoint};

/// The refresh count the rule aims at, `R₀ = 1000`.
pub const DEFAULT_R0: f64 = 1000.0;

/// β of the paper's strongest fixed baseline and of the T_ES pilot run (printed as 0.944).
pub const DEFAULT_PILOT_BETA: f64 = 0.94377;

/// The paper's β grid, `1 − β = 10^(−k/4)` for `k = 0..=12`, rounded as the paper prints it.
pub const BETA_GRID: [f64; 13] = [
    0.0, 0.43766, 0.68377, 0.82217, 0.9, 0.94377, 0.96838, 0.98222, 0.99, 0.99438, 0.99684,
    0.99822, 0.999,
];

fn check(
    name: &'static str,
    value: f64,
    ok: bool,
    allowed: &'static str,
) -> Result<(), RefreshError> {
    if ok {
        Ok(())
    } else {
        Err(RefreshError::OutOfRange {
            name,
            value,
            allowed,
        })
    }
}

fn check_beta(beta: f64) -> Result<(), RefreshError> {
    check(
        "beta",
        beta,
        beta.is_finite() && (0.0..1.0).contains(&beta),
        "a finite number in [0, 1)",
    )
}

fn check_horizon(name: &'static str, value: f64) -> Result<(), RefreshError> {
    check(
        name,
        value,
        value.is_finite() && value > 0.0,
        "a finite number > 0",
    )
}

/// Memory horizon `H_β = 1 / (1 − β)`, in optimizer updates.
///
/// ```
/// use burn_balanced_adam::refresh::memory_horizon;
/// assert!((memory_horizon(0.99).unwrap() - 100.0).abs() < 1e-9);
/// ```
pub fn memory_horizon(beta: f64) -> Result<f64, RefreshError> {
    check_beta(beta)?;
    Ok(1.0 / (1.0 - beta))
}

/// Refresh count `R_β = (1 − β) · T_ES`: how many memory horizons fit in the learning horizon.
///
/// ```
/// use burn_balanced_adam::refresh::refresh_count;
/// assert!((refresh_count(0.9, 10_000.0).unwrap() - 1000.0).abs() < 1e-9);
/// ```
pub fn refresh_count(beta: f64, t_es: f64) -> Result<f64, RefreshError> {
    check_beta(beta)?;
    check_horizon("t_es", t_es)?;
    Ok((1.0 - beta) * t_es)
}

/// The rule's target β: `max(0, 1 − R₀ / T_ES)`, so that `refresh_count(β, T_ES) ≈ R₀`.
///
/// ```
/// use burn_balanced_adam::refresh::beta_for_refresh;
/// assert_eq!(beta_for_refresh(500.0, 1000.0).unwrap(), 0.0); // short runs: sign-like Adam
/// ```
pub fn beta_for_refresh(t_es: f64, r0: f64) -> Result<f64, RefreshError> {
    check_horizon("t_es", t_es)?;
    check_horizon("r0", r0)?;
    Ok((1.0 - r0 / t_es).max(0.0))
}

/// The grid β nearest to `beta` in linear distance; ties go to the smaller β.
///
/// ```
/// use burn_balanced_adam::refresh::snap_to_grid;
/// assert_eq!(snap_to_grid(0.95).unwrap(), 0.94377);
/// ```
pub fn snap_to_grid(beta: f64) -> Result<f64, RefreshError> {
    snap_to_values(beta, &BETA_GRID)
}

/// The value of `grid` (ascending, non-empty) nearest to `beta` in linear distance; ties go to
/// the smaller value. For a study that ran only part of the paper's grid.
///
/// ```
/// use burn_balanced_adam::refresh::snap_to_values;
/// assert_eq!(snap_to_values(0.93, &[0.9, 0.99]).unwrap(), 0.9);
/// assert_eq!(snap_to_values(0.95, &[0.9, 0.99]).unwrap(), 0.99);
/// ```
pub fn snap_to_values(beta: f64, grid: &[f64]) -> Result<f64, RefreshError> {
    check_beta(beta)?;
    check(
        "grid",
        grid.len() as f64,
        !grid.is_empty() && grid.windows(2).all(|w| w[0] < w[1]),
        "a non-empty ascending list",
    )?;
    // Compare with the midpoints themselves rather than two float distances, which can differ
    // by an ulp at an exact tie; t_es_interval uses the same midpoints, so the two agree.
    let chosen = grid
        .windows(2)
        .find(|pair| beta <= midpoint(pair[0], pair[1]))
        .map_or(grid[grid.len() - 1], |pair| pair[0]);
    Ok(chosen)
}

fn midpoint(lower: f64, upper: f64) -> f64 {
    (lower + upper) / 2.0
}

/// The whole rule: T_ES → target β → the grid value.
///
/// ```
/// use burn_balanced_adam::refresh::refresh_beta;
/// assert_eq!(refresh_beta(20_000.0, 1000.0).unwrap(), 0.94377);
/// ```
pub fn refresh_beta(t_es: f64, r0: f64) -> Result<f64, RefreshError> {
    snap_to_grid(beta_for_refresh(t_es, r0)?)
}

/// The T_ES values for which the rule with `r0` selects the grid value `grid_beta`: the
/// interval `(low, high]` between the T_ES of the neighbouring grid midpoints (at a midpoint
/// the tie goes to the smaller β, so `low` itself belongs to the interval below). Returns
/// `Ok(None)` if `grid_beta` is not a grid value.
///
/// For the paper's `R₀ = 1000`, β = 0.9 is selected for T_ES ∈ [7199, 12802] (rounded):
///
/// ```
/// use burn_balanced_adam::refresh::t_es_interval;
/// let (low, high) = t_es_interval(0.9, 1000.0).unwrap().unwrap();
/// assert_eq!((low.round(), high.round()), (7199.0, 12802.0));
/// ```
pub fn t_es_interval(grid_beta: f64, r0: f64) -> Result<Option<(f64, f64)>, RefreshError> {
    check_horizon("r0", r0)?;
    let Some(i) = BETA_GRID.iter().position(|&b| b == grid_beta) else {
        return Ok(None);
    };
    // β_target = 1 − R₀/T ⇔ T = R₀ / (1 − β_target); the boundaries are grid midpoints.
    let t_of = |beta: f64| r0 / (1.0 - beta);
    let low = if i == 0 {
        0.0
    } else {
        t_of(midpoint(BETA_GRID[i - 1], grid_beta))
    };
    let high = match BETA_GRID.get(i + 1) {
        Some(&next) => t_of(midpoint(grid_beta, next)),
        None => f64::INFINITY,
    };
    Ok(Some((low, high)))
}

/// The refresh rule's settings: `R₀`, the pilot's β, grid snapping and how T_ES is read off a
/// pilot's trajectory. Loads from TOML/JSON (missing keys take the defaults: R₀ = 1000, pilot
/// β = 0.94377, snapping on, the plain argmin); unknown keys are errors.
///
/// ```
/// use burn_balanced_adam::refresh::RefreshRule;
/// use burn_balanced_adam::t_es::ValidationPoint;
///
/// let pilot: Vec<ValidationPoint> = [(1_000, 2.0), (2_000, 1.5), (3_000, 1.7)]
///     .into_iter()
///     .map(|(update, loss)| ValidationPoint { update, loss })
///     .collect();
/// let decision = RefreshRule::default().from_pilot(&pilot).unwrap();
/// assert_eq!(decision.t_es, 2_000);
/// assert_eq!(decision.beta, 0.43766); // 1 − 1000/2000 = 0.5, snapped to the grid
///
/// // The budget rule: no pilot, T_ES = the planned number of updates.
/// let decision = RefreshRule::default().from_budget(20_000).unwrap();
/// assert_eq!(decision.beta, 0.94377);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshRule {
    /// The refresh count aimed at, > 0. Default [`DEFAULT_R0`].
    pub r0: f64,
    /// β of the pilot run, in [0, 1). Default [`DEFAULT_PILOT_BETA`].
    pub pilot_beta: f64,
    /// Snap the rule's β to the paper's grid ([`BETA_GRID`]). Default on.
    pub snap_to_grid: bool,
    /// How T_ES is read off a pilot's validation trajectory. Default: the plain argmin.
    pub t_es: TesEstimator,
}

impl Default for RefreshRule {
    fn default() -> Self {
        Self {
            r0: DEFAULT_R0,
            pilot_beta: DEFAULT_PILOT_BETA,
            snap_to_grid: true,
            t_es: TesEstimator::default(),
        }
    }
}

/// Where the rule's T_ES came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HorizonSource {
    /// Read off a pilot run's validation trajectory.
    Pilot {
        /// β the pilot trained with.
        pilot_beta: f64,
        /// Evaluations in the pilot's trajectory.
        evaluations: usize,
        /// The last update the trajectory reached.
        last_update: u64,
        /// What the estimator found (before and after rounding).
        estimate: TesEstimate,
        /// The estimator's settings.
        estimator: TesEstimator,
    },
    /// The budget rule: the planned number of optimizer updates of the main run, no pilot.
    Budget {
        /// Planned optimizer updates.
        planned_updates: u64,
    },
}

/// The T_ES values that the rule maps to the same grid β: `(low, high]`; `high` is `None` for
/// the top of the grid (every longer horizon snaps there too).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TesRange {
    /// Exclusive lower end, in updates.
    pub low: f64,
    /// Inclusive upper end, in updates; `None`: unbounded.
    pub high: Option<f64>,
}

/// The refresh rule's decision, with everything that went into it; serde-serializable, to store
/// beside the run it configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshDecision {
    /// Where T_ES came from (a pilot, or the budget).
    pub source: HorizonSource,
    /// The learning horizon the rule used, in optimizer updates.
    pub t_es: u64,
    /// R₀, the refresh count aimed at.
    pub r0: f64,
    /// `max(0, 1 − R₀/T_ES)`.
    pub beta_target: f64,
    /// The β to train with: the target snapped to the grid, unless snapping is off.
    pub beta: f64,
    /// Whether `beta` was snapped to the paper's grid.
    pub snapped: bool,
    /// Memory horizon `1/(1 − β)` of the chosen β, in updates.
    pub memory_horizon: f64,
    /// Refresh count `(1 − β)·T_ES` of the chosen β.
    pub refresh_count: f64,
    /// The T_ES values that give the same grid β (how far off T_ES may be without changing the
    /// decision); `None` when not snapped.
    pub same_beta_for: Option<TesRange>,
    /// Why the decision deserves a look: `R₀ ≥ T_ES` clamps β to 0 (no moment memory).
    pub warning: Option<String>,
}

impl RefreshRule {
    /// Checks `r0` and `pilot_beta`.
    pub fn validate(&self) -> Result<(), RefreshError> {
        check_horizon("r0", self.r0)?;
        check(
            "pilot_beta",
            self.pilot_beta,
            self.pilot_beta.is_finite() && (0.0..1.0).contains(&self.pilot_beta),
            "a finite number in [0, 1)",
        )
    }

    /// The decision from a pilot run's validation trajectory (indexed by optimizer updates,
    /// trained at [`pilot_beta`](Self::pilot_beta)): T_ES by the [`t_es`](Self::t_es)
    /// estimator, then the rule.
    pub fn from_pilot(
        &self,
        trajectory: &[ValidationPoint],
    ) -> Result<RefreshDecision, RefreshError> {
        self.validate()?;
        let estimate = self.t_es.estimate(trajectory)?;
        let source = HorizonSource::Pilot {
            pilot_beta: self.pilot_beta,
            evaluations: trajectory.len(),
            last_update: trajectory.last().map_or(0, |p| p.update),
            estimate,
            estimator: self.t_es.clone(),
        };
        self.decide(source, estimate.t_es)
    }

    /// The budget rule: T_ES taken as the main run's planned number of optimizer updates, with
    /// no pilot. For fixed-length schedules that decay to the end (warmup + cosine) without early
    /// stopping, the validation minimum usually sits at the last evaluation, so a pilot's T_ES
    /// is the budget (the repository's refresh v2 study: at the last update on 6 of 10
    /// workloads, within 5% of it on 7; the two rules chose the same grid β on 8).
    ///
    /// ```
    /// use burn_balanced_adam::refresh::RefreshRule;
    /// let err = RefreshRule::default().from_budget(0).unwrap_err();
    /// assert!(err.to_string().contains("planned_updates"));
    /// ```
    pub fn from_budget(&self, planned_updates: u64) -> Result<RefreshDecision, RefreshError> {
        self.validate()?;
        check(
            "planned_updates",
            planned_updates as f64,
            planned_updates > 0,
            "≥ 1 optimizer update",
        )?;
        self.decide(HorizonSource::Budget { planned_updates }, planned_updates)
    }

    /// The decision for a T_ES found elsewhere (e.g. by an estimator run on stored records).
    pub fn from_estimate(
        &self,
        estimate: TesEstimate,
        evaluations: usize,
        last_update: u64,
    ) -> Result<RefreshDecision, RefreshError> {
        self.validate()?;
        let source = HorizonSource::Pilot {
            pilot_beta: self.pilot_beta,
            evaluations,
            last_update,
            estimate,
            estimator: self.t_es.clone(),
        };
        self.decide(source, estimate.t_es)
    }

    fn decide(&self, source: HorizonSource, t_es: u64) -> Result<RefreshDecision, RefreshError> {
        let horizon = t_es as f64;
        let beta_target = beta_for_refresh(horizon, self.r0)?;
        let beta = if self.snap_to_grid {
            snap_to_grid(beta_target)?
        } else {
            beta_target
        };
        let same_beta_for = if self.snap_to_grid {
            t_es_interval(beta, self.r0)?.map(|(low, high)| TesRange {
                low,
                high: high.is_finite().then_some(high),
            })
        } else {
            None
        };
        let warning = (beta_target == 0.0).then(|| {
            format!(
                "R₀ = {} ≥ T_ES = {t_es} updates, so β = 1 − R₀/T_ES ≤ 0 is clamped to 0 (no \
                 moment memory: sign-like Adam); lower R₀ or train longer if that is not intended",
                self.r0
            )
        });
        Ok(RefreshDecision {
            source,
            t_es,
            r0: self.r0,
            beta_target,
            beta,
            snapped: self.snap_to_grid,
            memory_horizon: memory_horizon(beta)?,
            refresh_count: refresh_count(beta, horizon)?,
            same_beta_for,
            warning,
        })
    }
}
