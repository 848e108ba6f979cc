//! Balanced Adam's `[optimizer]` table: β (a number, or `"refresh"`), the refresh rule's
//! settings, and the rule resolved ([`RefreshRule`]) before any optimizer is built.

use std::fmt;

use burn::grad_clipping::GradientClippingConfig;
use burn_balanced_adam::t_es::TesEstimator;
use burn_balanced_adam::{BalancedAdamConfig, StepImplementation, WeightDecayMode, refresh};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Balanced Adam's table: the optimizer's hyper-parameters plus the refresh rule's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BalancedSpec {
    /// A β in [0, 1), or `"refresh"`: pilot run, T_ES, β = 1 − r0/T_ES snapped to the grid.
    pub beta: BetaSetting,
    /// The refresh count the rule aims at.
    pub r0: f64,
    /// β of the pilot run that measures T_ES.
    pub pilot_beta: f64,
    /// Snap the rule's β to the paper's grid.
    pub snap_to_grid: bool,
    /// How T_ES is read off the pilot's validation trajectory.
    pub t_es: TesEstimator,
    /// ε, added outside the square root.
    pub epsilon: f64,
    /// Weight decay λ.
    pub weight_decay: f64,
    /// `none`, `coupled` (L2) or `decoupled` (AdamW-style).
    pub weight_decay_mode: WeightDecayMode,
    /// Burn's per-tensor gradient clipping (`{ Value = x }` or `{ Norm = x }`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_clipping: Option<GradientClippingConfig>,
    /// `auto` (the fused step where the backend has one) or `reference`. Written to a run's
    /// config only when not `auto`, so run directories from before the field still resume.
    #[serde(skip_serializing_if = "is_auto")]
    pub implementation: StepImplementation,
}

fn is_auto(implementation: &StepImplementation) -> bool {
    *implementation == StepImplementation::Auto
}

impl Default for BalancedSpec {
    fn default() -> Self {
        let base = BalancedAdamConfig::new();
        Self {
            beta: BetaSetting::Fixed(base.beta),
            r0: refresh::DEFAULT_R0,
            pilot_beta: refresh::DEFAULT_PILOT_BETA,
            snap_to_grid: true,
            t_es: TesEstimator::default(),
            epsilon: base.epsilon,
            weight_decay: base.weight_decay,
            weight_decay_mode: base.weight_decay_mode,
            grad_clipping: None,
            implementation: base.implementation,
        }
    }
}

impl BalancedSpec {
    /// The library config for a given β.
    pub fn with_beta(&self, beta: f64) -> BalancedAdamConfig {
        BalancedAdamConfig::new()
            .with_beta(beta)
            .with_epsilon(self.epsilon)
            .with_weight_decay(self.weight_decay)
            .with_weight_decay_mode(self.weight_decay_mode)
            .with_grad_clipping(self.grad_clipping.clone())
            .with_implementation(self.implementation)
    }

    /// The refresh rule of a `beta = "refresh"` table (its numbers checked by `validate`), or
    /// `None` for a fixed β.
    pub fn refresh_rule(&self) -> Option<RefreshRule> {
        (self.beta == BetaSetting::Refresh).then(|| RefreshRule {
            r0: self.r0,
            pilot_beta: self.pilot_beta,
            snap_to_grid: self.snap_to_grid,
            t_es: self.t_es.clone(),
        })
    }
}

// The refresh rule, resolved from a `beta = "refresh"` table, is the library's own
// `RefreshRule`, so a config and a user's code decide alike.
pub use burn_balanced_adam::refresh::RefreshRule;

/// Balanced Adam's β: a number, or the refresh rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BetaSetting {
    /// This β.
    Fixed(f64),
    /// Chosen by the refresh rule from a pilot run.
    Refresh,
}

impl Serialize for BetaSetting {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BetaSetting::Fixed(beta) => serializer.serialize_f64(*beta),
            BetaSetting::Refresh => serializer.serialize_str("refresh"),
        }
    }
}

impl<'de> Deserialize<'de> for BetaSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BetaVisitor;
        impl Visitor<'_> for BetaVisitor {
            type Value = BetaSetting;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number in [0, 1) or the string \"refresh\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<BetaSetting, E> {
                Ok(BetaSetting::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<BetaSetting, E> {
                Ok(BetaSetting::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<BetaSetting, E> {
                Ok(BetaSetting::Fixed(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BetaSetting, E> {
                match v {
                    "refresh" => Ok(BetaSetting::Refresh),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
        }
        deserializer.deserialize_any(BetaVisitor)
    }
}
