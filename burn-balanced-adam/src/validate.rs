//! Range checks shared by every optimizer config, so each field is checked once, one way.

use crate::error::ConfigError;

/// Checks hyper-parameters of one optimizer; each check names the field it rejects.
pub(crate) struct Validator {
    optimizer: &'static str,
}

impl Validator {
    pub(crate) fn new(optimizer: &'static str) -> Self {
        Self { optimizer }
    }

    fn fail(&self, field: &'static str, value: f64, allowed: &'static str) -> ConfigError {
        ConfigError::OutOfRange {
            optimizer: self.optimizer,
            field,
            value,
            allowed,
        }
    }

    /// A decay rate: finite and in [0, 1).
    pub(crate) fn unit_interval(&self, field: &'static str, value: f64) -> Result<(), ConfigError> {
        if value.is_finite() && (0.0..1.0).contains(&value) {
            Ok(())
        } else {
            Err(self.fail(field, value, "a finite number in [0, 1)"))
        }
    }

    /// Finite and ≥ 0.
    pub(crate) fn non_negative(&self, field: &'static str, value: f64) -> Result<(), ConfigError> {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(self.fail(field, value, "a finite number ≥ 0"))
        }
    }

    /// At most `limit` (`allowed` says so in words).
    pub(crate) fn at_most(
        &self,
        field: &'static str,
        value: f64,
        limit: f64,
        allowed: &'static str,
    ) -> Result<(), ConfigError> {
        if value <= limit {
            Ok(())
        } else {
            Err(self.fail(field, value, allowed))
        }
    }

    /// At least `limit` (`allowed` says so in words).
    pub(crate) fn at_least(
        &self,
        field: &'static str,
        value: f64,
        limit: f64,
        allowed: &'static str,
    ) -> Result<(), ConfigError> {
        if value >= limit {
            Ok(())
        } else {
            Err(self.fail(field, value, allowed))
        }
    }

    /// A setting that cannot run as asked (`reason` says why).
    pub(crate) fn unsupported(&self, field: &'static str, reason: String) -> ConfigError {
        ConfigError::Unsupported {
            optimizer: self.optimizer,
            field,
            reason,
        }
    }

    /// Finite and > 0.
    pub(crate) fn positive(&self, field: &'static str, value: f64) -> Result<(), ConfigError> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(self.fail(field, value, "a finite number > 0"))
        }
    }
}

/// Generates the `with_<field>` builder setters of a config struct.
///
/// Burn's `#[derive(Config)]` generates these too, but its serde impl requires every field in a
/// file; our configs are plain serde structs (defaults for missing keys, unknown keys rejected),
/// so the setters are generated here instead.
macro_rules! with_setters {
    ($config:ty { $($(#[$doc:meta])* $setter:ident => $field:ident : $ty:ty),* $(,)? }) => {
        impl $config {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $setter(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }
    };
}
pub(crate) use with_setters;

/// Burn's clipping thresholds must be positive and finite.
pub(crate) fn grad_clipping(
    check: &Validator,
    clipping: Option<&burn::grad_clipping::GradientClippingConfig>,
) -> Result<(), ConfigError> {
    use burn::grad_clipping::GradientClippingConfig as Clip;
    match clipping {
        None => Ok(()),
        Some(Clip::Value(threshold)) => {
            check.positive("grad_clipping.Value", f64::from(*threshold))
        }
        Some(Clip::Norm(threshold)) => check.positive("grad_clipping.Norm", f64::from(*threshold)),
    }
}
