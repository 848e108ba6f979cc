//! Errors returned when a hyper-parameter or an input to the refresh-rule tools is invalid.

use thiserror::Error;

/// An invalid optimizer config: a hyper-parameter outside its allowed range, or a setting that
/// cannot run where it was asked to. Both name the config field.
///
/// ```
/// use burn_balanced_adam::{BalancedAdamConfig, ConfigError};
///
/// let err = BalancedAdamConfig::new().with_beta(1.0).validate().unwrap_err();
/// assert_eq!(err.field(), "beta");
/// assert!(matches!(err, ConfigError::OutOfRange { value: 1.0, .. }));
/// assert!(err.to_string().contains("[0, 1)"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// A number outside its allowed range.
    #[error("invalid {optimizer} hyper-parameter `{field}` = {value}: must be {allowed}")]
    OutOfRange {
        /// The optimizer whose config was rejected, e.g. `"balanced_adam"`.
        optimizer: &'static str,
        /// The config field, spelled as in TOML/JSON.
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// A setting that is valid in itself but not supported here, e.g. `implementation = "fused"`
    /// for a tensor whose device or dtype has no fused kernel.
    #[error("{optimizer} `{field}`: not supported here: {reason}")]
    Unsupported {
        /// The optimizer.
        optimizer: &'static str,
        /// The config field.
        field: &'static str,
        /// Why, naming what is missing (device, dtype, …).
        reason: String,
    },
}

impl ConfigError {
    /// The optimizer whose config was rejected, e.g. `"balanced_adam"`.
    pub fn optimizer(&self) -> &'static str {
        match self {
            Self::OutOfRange { optimizer, .. } | Self::Unsupported { optimizer, .. } => optimizer,
        }
    }

    /// The config field, spelled as in TOML/JSON.
    pub fn field(&self) -> &'static str {
        match self {
            Self::OutOfRange { field, .. } | Self::Unsupported { field, .. } => field,
        }
    }

    /// The error worded for a config file where the fields sit under `prefix` (e.g.
    /// `"optimizer."`): ``"`optimizer.beta` = 1: must be a finite number in [0, 1)"``.
    ///
    /// ```
    /// use burn_balanced_adam::BalancedAdamConfig;
    /// let err = BalancedAdamConfig::new().with_beta(1.0).validate().unwrap_err();
    /// assert_eq!(err.keyed("optimizer."), "`optimizer.beta` = 1: must be a finite number in [0, 1)");
    /// ```
    pub fn keyed(&self, prefix: &str) -> String {
        match self {
            Self::OutOfRange {
                field,
                value,
                allowed,
                ..
            } => format!("`{prefix}{field}` = {value}: must be {allowed}"),
            Self::Unsupported { field, reason, .. } => format!("`{prefix}{field}`: {reason}"),
        }
    }

    /// The same error with `field` spelled `as_` where it is `field` (a caller whose config
    /// file names the field otherwise, e.g. Burn's `weight_decay.penalty` as `weight_decay`).
    ///
    /// ```
    /// use burn::optim::decay::WeightDecayConfig;
    /// use burn_balanced_adam::FusedAdamConfig;
    /// let err = FusedAdamConfig::new()
    ///     .with_weight_decay(Some(WeightDecayConfig::new(-1.0)))
    ///     .validate()
    ///     .unwrap_err()
    ///     .renamed("weight_decay.penalty", "weight_decay");
    /// assert_eq!(err.field(), "weight_decay");
    /// ```
    #[must_use]
    pub fn renamed(self, field: &str, as_: &'static str) -> Self {
        match self {
            Self::OutOfRange {
                optimizer,
                field: f,
                value,
                allowed,
            } => Self::OutOfRange {
                optimizer,
                field: if f == field { as_ } else { f },
                value,
                allowed,
            },
            Self::Unsupported {
                optimizer,
                field: f,
                reason,
            } => Self::Unsupported {
                optimizer,
                field: if f == field { as_ } else { f },
                reason,
            },
        }
    }

    /// The same error reported for another optimizer (a config built from another one's).
    pub(crate) fn for_optimizer(self, name: &'static str) -> Self {
        match self {
            Self::OutOfRange {
                field,
                value,
                allowed,
                ..
            } => Self::OutOfRange {
                optimizer: name,
                field,
                value,
                allowed,
            },
            Self::Unsupported { field, reason, .. } => Self::Unsupported {
                optimizer: name,
                field,
                reason,
            },
        }
    }
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
