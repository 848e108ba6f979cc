//! The `adam` / `adamw` baselines' hyper-parameters, and whose code takes their step: the
//! library's drop-in fused forms of Burn's optimizers (default) or Burn's own, side by side.

use burn::grad_clipping::GradientClippingConfig;
use burn::module::ParamGroup;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer};
use burn_balanced_adam::{
    AnyOptimizerConfig, FusedAdamConfig, FusedAdamWConfig, StepImplementation,
};
use serde::{Deserialize, Serialize};

/// Hyper-parameters of the Adam and AdamW baselines.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamSpec {
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
    /// Whose code takes the step. Written only when not the default, so run directories from
    /// before the switch still resume (they ran Burn's optimizer: the same steps to rounding).
    #[serde(skip_serializing_if = "AdamImplementation::is_fused")]
    pub implementation: AdamImplementation,
}

/// Whose code takes an `adam` / `adamw` step: the library's drop-in fused optimizers (the
/// default), the same on Burn tensor ops, or Burn's own `Adam`/`AdamW` for a side-by-side check.
/// All three take the same steps to rounding (the library's `burn_parity` test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdamImplementation {
    /// `FusedAdamConfig` / `FusedAdamWConfig`, fused where the device has a kernel.
    #[default]
    Fused,
    /// The same optimizers on their reference path (Burn tensor ops).
    Reference,
    /// Burn's own `AdamConfig` / `AdamWConfig`.
    Burn,
}

impl AdamImplementation {
    fn is_fused(&self) -> bool {
        *self == AdamImplementation::Fused
    }
}

impl AdamSpec {
    /// The library's step implementation for the fused forms.
    fn step(&self) -> StepImplementation {
        match self.implementation {
            AdamImplementation::Reference => StepImplementation::Reference,
            _ => StepImplementation::Auto,
        }
    }

    /// The library's drop-in Adam (coupled L2 decay) or, `decoupled`, AdamW; `None` when
    /// `implementation = "burn"` asks for Burn's own.
    pub(super) fn library(&self, decoupled: bool) -> Option<AnyOptimizerConfig> {
        match self.implementation {
            AdamImplementation::Burn => None,
            _ => Some(self.fused(decoupled)),
        }
    }

    /// The library's drop-in Adam (coupled L2 decay) or, `decoupled`, AdamW, with these
    /// hyper-parameters.
    pub(super) fn fused(&self, decoupled: bool) -> AnyOptimizerConfig {
        match decoupled {
            false => self.fused_adam().into(),
            true => self.fused_adamw().into(),
        }
    }

    /// Burn's own Adam or AdamW as a run's `ModuleOptimizer` (with the clipping).
    pub(super) fn burn_init(&self, decoupled: bool) -> ModuleOptimizer {
        match decoupled {
            false => self.burn_adam().init(),
            true => self.burn_adamw().init(),
        }
    }

    /// `optim` with Burn's own Adam or AdamW (and this clipping) for the parameters of `group`.
    pub(super) fn burn_group(
        &self,
        decoupled: bool,
        optim: ModuleOptimizer,
        group: ParamGroup,
    ) -> ModuleOptimizer {
        let clipping = self
            .grad_clipping
            .as_ref()
            .map(GradientClippingConfig::init);
        match decoupled {
            false => optim.with_group(group, self.burn_adam().build(), clipping),
            true => optim.with_group(group, self.burn_adamw().build(), clipping),
        }
    }

    /// Burn's coupled decay; any λ ≠ 0 (a negative or NaN one too) is kept, so validation sees it.
    fn coupled_decay(&self) -> Option<WeightDecayConfig> {
        (self.weight_decay != 0.0).then(|| WeightDecayConfig::new(self.weight_decay as f32))
    }

    fn fused_adam(&self) -> FusedAdamConfig {
        FusedAdamConfig::new()
            .with_beta_1(self.beta_1 as f32)
            .with_beta_2(self.beta_2 as f32)
            .with_epsilon(self.epsilon as f32)
            .with_weight_decay(self.coupled_decay())
            .with_grad_clipping(self.grad_clipping.clone())
            .with_implementation(self.step())
    }

    fn fused_adamw(&self) -> FusedAdamWConfig {
        FusedAdamWConfig::new()
            .with_beta_1(self.beta_1 as f32)
            .with_beta_2(self.beta_2 as f32)
            .with_epsilon(self.epsilon as f32)
            .with_weight_decay(self.weight_decay as f32)
            .with_grad_clipping(self.grad_clipping.clone())
            .with_implementation(self.step())
    }

    fn burn_adam(&self) -> AdamConfig {
        AdamConfig::new()
            .with_beta_1(self.beta_1 as f32)
            .with_beta_2(self.beta_2 as f32)
            .with_epsilon(self.epsilon as f32)
            .with_weight_decay(self.coupled_decay())
            .with_grad_clipping(self.grad_clipping.clone())
    }

    fn burn_adamw(&self) -> AdamWConfig {
        AdamWConfig::new()
            .with_beta_1(self.beta_1 as f32)
            .with_beta_2(self.beta_2 as f32)
            .with_epsilon(self.epsilon as f32)
            .with_weight_decay(self.weight_decay as f32)
            .with_grad_clipping(self.grad_clipping.clone())
    }
}

impl Default for AdamSpec {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
            grad_clipping: None,
            implementation: AdamImplementation::Fused,
        }
    }
}
