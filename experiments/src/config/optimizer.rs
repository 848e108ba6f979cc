//! The `[optimizer]` table: Burn's Adam/AdamW baselines and the library's optimizers, built into
//! the `ModuleOptimizer` a Burn `Learner` takes.

use std::fmt;

use burn::grad_clipping::GradientClippingConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer};
use burn_balanced_adam::t_es::TesEstimator;
use burn_balanced_adam::{
    BalancedAdamConfig, DualAdamConfig, FAdamConfig, InvAdamConfig, StepImplementation,
    WeightDecayMode, refresh,
};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which optimizer trains the model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerSpec {
    /// Burn's own `Adam` (coupled L2 weight decay), the baseline. ε is explicit: Burn's default
    /// is 1e-5, PyTorch's and the papers' 1e-8.
    Adam(BurnAdamSpec),
    /// Burn's own `AdamW` (decoupled weight decay).
    Adamw(BurnAdamSpec),
    /// Balanced Adam, β₁ = β₂ = β: a fixed β, or `beta = "refresh"` for the refresh rule.
    BalancedAdam(BalancedSpec),
    /// InvAdam (DualAdam with ξ = 0).
    InvAdam(InvAdamConfig),
    /// DualAdam.
    DualAdam(DualAdamConfig),
    /// FAdam.
    Fadam(FAdamConfig),
}

/// Hyper-parameters of Burn's Adam and AdamW.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BurnAdamSpec {
    /// First-moment decay.
    pub beta_1: f64,
    /// Second-moment decay.
    pub beta_2: f64,
    /// ε, added outside the square root.
    pub epsilon: f64,
    /// Weight decay (coupled L2 for `adam`, decoupled for `adamw`).
    pub weight_decay: f64,
    /// Burn's per-tensor gradient clipping (`{ Value = x }` or `{ Norm = x }`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_clipping: Option<GradientClippingConfig>,
}

impl Default for BurnAdamSpec {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
            grad_clipping: None,
        }
    }
}

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

/// The refresh rule, resolved from a `beta = "refresh"` table: train a pilot at `pilot_beta`,
/// read T_ES off its validation trajectory, then train at β = 1 − `r0`/T_ES (snapped to the
/// paper's grid unless `snap_to_grid` is off).
#[derive(Debug, Clone)]
pub struct RefreshRule {
    /// The refresh count the rule aims at (> 0).
    pub r0: f64,
    /// β of the pilot, in [0, 1).
    pub pilot_beta: f64,
    /// Snap β to the paper's grid.
    pub snap_to_grid: bool,
    /// How T_ES is read off the pilot's trajectory.
    pub t_es: TesEstimator,
}

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

impl OptimizerSpec {
    /// The `kind` as written in configs.
    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerSpec::Adam(_) => "adam",
            OptimizerSpec::Adamw(_) => "adamw",
            OptimizerSpec::BalancedAdam(_) => "balanced_adam",
            OptimizerSpec::InvAdam(_) => "inv_adam",
            OptimizerSpec::DualAdam(_) => "dual_adam",
            OptimizerSpec::Fadam(_) => "fadam",
        }
    }

    /// Checks every hyper-parameter; the message names the key.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let named = |err: burn_balanced_adam::ConfigError| {
            format!(
                "`optimizer.{}` = {}: must be {}",
                err.field, err.value, err.allowed
            )
        };
        match self {
            OptimizerSpec::Adam(spec) | OptimizerSpec::Adamw(spec) => {
                if let Some(clip) = &spec.grad_clipping {
                    check_clipping(clip)?;
                }
                for (key, value) in [("beta_1", spec.beta_1), ("beta_2", spec.beta_2)] {
                    if !(value.is_finite() && (0.0..1.0).contains(&value)) {
                        return Err(format!("`optimizer.{key}` = {value}: must be in [0, 1)"));
                    }
                }
                if !(spec.epsilon.is_finite() && spec.epsilon > 0.0) {
                    return Err(format!(
                        "`optimizer.epsilon` = {}: must be > 0",
                        spec.epsilon
                    ));
                }
                if !(spec.weight_decay.is_finite() && spec.weight_decay >= 0.0) {
                    return Err(format!(
                        "`optimizer.weight_decay` = {}: must be ≥ 0",
                        spec.weight_decay
                    ));
                }
                Ok(())
            }
            OptimizerSpec::BalancedAdam(spec) => {
                let beta = match spec.beta {
                    BetaSetting::Fixed(beta) => beta,
                    BetaSetting::Refresh => {
                        if !(spec.r0.is_finite() && spec.r0 > 0.0) {
                            return Err(format!(
                                "`optimizer.r0` = {}: must be a finite number > 0",
                                spec.r0
                            ));
                        }
                        spec.pilot_beta
                    }
                };
                spec.with_beta(beta).validate().map_err(|err| {
                    if err.field == "beta" && spec.beta == BetaSetting::Refresh {
                        format!("`optimizer.pilot_beta` = {}: must be in [0, 1)", err.value)
                    } else {
                        named(err)
                    }
                })?;
                spec.t_es
                    .estimate(&[burn_balanced_adam::t_es::ValidationPoint {
                        update: 1,
                        loss: 1.0,
                    }])
                    .map(|_| ())
                    .map_err(|err| format!("`optimizer.t_es`: {err}"))
            }
            OptimizerSpec::InvAdam(config) => config.validate().map_err(named),
            OptimizerSpec::DualAdam(config) => config.validate().map_err(named),
            OptimizerSpec::Fadam(config) => config.validate().map_err(named),
        }
    }

    /// The `ModuleOptimizer` for a run. Balanced Adam with `beta = "refresh"` has no β until
    /// its rule decides one from a pilot run ([`BalancedSpec::refresh_rule`]); building it
    /// before is an error.
    pub fn build(&self) -> Result<ModuleOptimizer, String> {
        Ok(match self {
            OptimizerSpec::Adam(spec) => {
                let mut config = AdamConfig::new()
                    .with_beta_1(spec.beta_1 as f32)
                    .with_beta_2(spec.beta_2 as f32)
                    .with_epsilon(spec.epsilon as f32)
                    .with_grad_clipping(spec.grad_clipping.clone());
                if spec.weight_decay > 0.0 {
                    config = config.with_weight_decay(Some(WeightDecayConfig {
                        penalty: spec.weight_decay as f32,
                    }));
                }
                config.init()
            }
            OptimizerSpec::Adamw(spec) => AdamWConfig::new()
                .with_beta_1(spec.beta_1 as f32)
                .with_beta_2(spec.beta_2 as f32)
                .with_epsilon(spec.epsilon as f32)
                .with_weight_decay(spec.weight_decay as f32)
                .with_grad_clipping(spec.grad_clipping.clone())
                .init(),
            OptimizerSpec::BalancedAdam(spec) => match spec.beta {
                BetaSetting::Fixed(beta) => {
                    spec.with_beta(beta).try_init().map_err(|e| e.to_string())?
                }
                BetaSetting::Refresh => {
                    return Err(
                        "`optimizer.beta = \"refresh\"`: the rule decides β from a pilot \
                                run first (`experiments run` trains the pilot, then the main run)"
                            .into(),
                    );
                }
            },
            OptimizerSpec::InvAdam(config) => config.try_init().map_err(|e| e.to_string())?,
            OptimizerSpec::DualAdam(config) => config.try_init().map_err(|e| e.to_string())?,
            OptimizerSpec::Fadam(config) => config.try_init().map_err(|e| e.to_string())?,
        })
    }

    /// The β a balanced-Adam run uses, or `None` for the other optimizers.
    pub fn fixed_beta(&self) -> Option<f64> {
        match self {
            OptimizerSpec::BalancedAdam(BalancedSpec {
                beta: BetaSetting::Fixed(beta),
                ..
            }) => Some(*beta),
            _ => None,
        }
    }
}

/// Burn's clipping thresholds must be finite and > 0.
fn check_clipping(clip: &GradientClippingConfig) -> Result<(), String> {
    let (key, threshold) = match clip {
        GradientClippingConfig::Value(t) => ("Value", *t),
        GradientClippingConfig::Norm(t) => ("Norm", *t),
    };
    if threshold.is_finite() && threshold > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "`optimizer.grad_clipping.{key}` = {threshold}: must be a finite number > 0"
        ))
    }
}
