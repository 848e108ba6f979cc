//! Errors returned when a hyper-parameter or an input to the refresh-rule tools is invalid.

use thiserror::Error;

/// A hyper-parameter outside its allowed range, named by its config field.
///
/// ```
/// use burn_balanced_adam::BalancedAdamConfig;
///
/// let err = BalancedAdamConfig::new().with_beta(1.0).validate().unwrap_err();
/// assert_eq!(err.field, "beta");
/// assert!(err.to_string().contains("[0, 1)"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[error("invalid {optimizer} hyper-parameter `{field}` = {value}: must be {allowed}")]
pub struct ConfigError {
    /// The optimizer whose config was rejected, e.g. `"balanced_adam"`.
    pub optimizer: &'static str,
    /// The config field, spelled as in TOML/JSON.
    pub field: &'static str,
    /// The rejected value.
    pub value: f64,
    /// The allowed range, in words.
    pub allowed: &'static str,
}

/// Invalid input to the refresh-rule and T_ES tools.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RefreshError {
    /// A scalar argument outside its domain.
    #[error("invalid `{name}` = {value}: must be {allowed}")]
    OutOfRange {
        /// The argument's name.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// The validation trajectory holds no evaluation.
    #[error("the validation trajectory is empty: T_ES needs at least one (update, loss) point")]
    EmptyTrajectory,
    /// A point of the trajectory is not usable.
    #[error("validation trajectory point {index} (update {update}, loss {loss}) is invalid: {why}")]
    BadPoint {
        /// Position in the trajectory.
        index: usize,
        /// Its optimizer-update index.
        update: u64,
        /// Its loss.
        loss: f64,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// Invalid input to the surge-law fits, or data that do not determine them.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SurgeError {
    /// Too few points for the fit.
    #[error("the {fit} fit needs at least {needed} points with distinct batch sizes, got {got}")]
    TooFewPoints {
        /// Which fit.
        fit: &'static str,
        /// Points needed.
        needed: usize,
        /// Points given.
        got: usize,
    },
    /// A batch size, step count or learning rate that is not a finite positive number.
    #[error("point {index}: `{name}` = {value} must be a finite number > 0")]
    BadPoint {
        /// Position of the point.
        index: usize,
        /// Which value.
        name: &'static str,
        /// The value.
        value: f64,
    },
    /// The steps-vs-examples line does not fall (slope ≥ 0) or has no positive intercept, so
    /// the data show no noise scale: e.g. every batch size was above B_noise, or noise dominates.
    #[error(
        "no noise scale in the data: 1/S = {intercept} + {slope}·(1/E) needs slope < 0 and intercept > 0"
    )]
    NoNoiseScale {
        /// The fitted slope (−B_noise).
        slope: f64,
        /// The fitted intercept (1/S_min).
        intercept: f64,
    },
}
