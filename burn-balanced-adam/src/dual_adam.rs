//! InvAdam and DualAdam (`docs/algorithms.md` §2): Adam's division by `d = sqrt(v̂) + ε` replaced by a
//! multiplication, blended with Adam by a weight `r_t = max(0, 1 − t·ξ)` that decays linearly.
//!
//! Step counters are per parameter (Burn has no global step); the reference keeps one global
//! counter, which is identical when every parameter gets a gradient at every step.

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{OptimizerConfig, config_builders};
use crate::error::ConfigError;
use crate::math::{bias_correction, inverse_weight};
use crate::state::{MomentState, OptimizerKind};
use crate::step::{self, AdamScalars, Blend, Decay, Direction, StepImplementation};
use crate::validate::{Validator, with_setters};

/// Configuration of [`DualAdam`]. Loads from TOML/JSON; missing keys take the defaults below,
/// unknown keys are errors.
///
/// ```
/// use burn_balanced_adam::DualAdamConfig;
///
/// // The authors' CIFAR setting: the blend ends after 12 498 steps.
/// let optim = DualAdamConfig::new().with_switch_rate(8e-5).try_init().unwrap();
/// # let _ = optim;
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DualAdamConfig {
    /// First-moment decay β₁ ∈ [0, 1). Default 0.9.
    pub beta_1: f64,
    /// Second-moment decay β₂ ∈ [0, 1). Default 0.999.
    pub beta_2: f64,
    /// ε ≥ 0 added to `sqrt(v̂)`. Default 1e-8.
    pub epsilon: f64,
    /// ξ ≥ 0: the inverse weight falls by ξ per step. 0 is pure InvAdam. Default 0.01.
    pub switch_rate: f64,
    /// Decoupled weight decay λ ≥ 0, `θ ← θ − ηλθ` before the update. Default 0.
    pub weight_decay: f64,
    /// Burn's per-tensor gradient clipping, applied by the `ModuleOptimizer` before the step.
    pub grad_clipping: Option<GradientClippingConfig>,
    /// Fused kernel or reference tensor ops. Default `auto` (fused where available).
    pub implementation: StepImplementation,
}

impl Default for DualAdamConfig {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            switch_rate: 0.01,
            weight_decay: 0.0,
            grad_clipping: None,
            implementation: StepImplementation::Auto,
        }
    }
}

impl Config for DualAdamConfig {}

with_setters!(DualAdamConfig {
    /// Sets β₁.
    with_beta_1 => beta_1: f64,
    /// Sets β₂.
    with_beta_2 => beta_2: f64,
    /// Sets ε.
    with_epsilon => epsilon: f64,
    /// Sets the switch rate ξ.
    with_switch_rate => switch_rate: f64,
    /// Sets the decoupled weight decay λ.
    with_weight_decay => weight_decay: f64,
    /// Sets Burn's gradient clipping.
    with_grad_clipping => grad_clipping: Option<GradientClippingConfig>,
    /// Sets the step implementation (fused where available, or the reference).
    with_implementation => implementation: StepImplementation,
});

impl DualAdamConfig {
    /// The default config (β₁ 0.9, β₂ 0.999, ε 1e-8, ξ 0.01, no weight decay).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every hyper-parameter; the error names the first bad field and its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = Validator::new("dual_adam");
        check.unit_interval("beta_1", self.beta_1)?;
        check.unit_interval("beta_2", self.beta_2)?;
        check.non_negative("epsilon", self.epsilon)?;
        check.non_negative("switch_rate", self.switch_rate)?;
        check.non_negative("weight_decay", self.weight_decay)?;
        crate::validate::grad_clipping(&check, self.grad_clipping.as_ref())
    }
}

impl OptimizerConfig for DualAdamConfig {
    type Optimizer = DualAdam;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> DualAdam {
        tracing::debug!(config = ?self, "DualAdam built");
        DualAdam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            switch_rate: self.switch_rate,
            weight_decay: self.weight_decay,
            implementation: self.implementation,
            kind: OptimizerKind::DualAdam,
        }
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        self.grad_clipping.as_ref()
    }

    fn without_weight_decay(&self) -> Self {
        self.clone().with_weight_decay(0.0)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        OptimizerKind::DualAdam
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation
    }
}

config_builders!(DualAdamConfig => DualAdam);

/// DualAdam: InvAdam blended into Adam as `r_t` decays, built by [`DualAdamConfig`].
///
/// ```
/// use burn::optim::Optimizer;
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::DualAdamConfig;
///
/// let device = Device::flex();
/// let optim = DualAdamConfig::new().with_switch_rate(0.5).build();
/// let (theta, state) = optim.step(
///     0.1,
///     Tensor::<1>::from_floats([1.0], &device),
///     Tensor::<1>::from_floats([2.0], &device),
///     None,
/// );
/// // t = 1: r = 0.5, so the update is half Adam (m̂/d = 1) and half inverse (m̂·d = 4).
/// let theta: Vec<f32> = theta.into_data().try_to_vec().unwrap();
/// assert!((theta[0] - (1.0 - 0.1 * 2.5)).abs() < 1e-6);
/// # let _ = state;
/// ```
#[derive(Debug, Clone)]
pub struct DualAdam {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    switch_rate: f64,
    weight_decay: f64,
    implementation: StepImplementation,
    /// What its states record: DualAdam, or InvAdam (DualAdam with ξ = 0).
    kind: OptimizerKind,
}

impl Optimizer for DualAdam {
    type State<const D: usize> = MomentState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        theta: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let state = MomentState::resume(state, self.kind, &theta);
        let t = state.time + 1;
        let r = inverse_weight(self.switch_rate, t);
        tracing::trace!(t, lr, inverse_weight = r, "DualAdam step");

        // The reference's boundary test, `r_t >= ξ`, evaluated in f64 exactly as written.
        let blend = if r < self.switch_rate {
            Blend::Divide
        } else if r == 1.0 {
            Blend::Multiply
        } else {
            Blend::Mix { r }
        };
        let decay = if self.weight_decay == 0.0 {
            Decay::None
        } else {
            Decay::Decoupled {
                factor: 1.0 - lr * self.weight_decay,
            }
        };
        let scalars = AdamScalars {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            decay,
            direction: Direction::Dual {
                lr,
                bc1: bias_correction(self.beta_1, t),
                bc2: bias_correction(self.beta_2, t),
                epsilon: self.epsilon,
                blend,
            },
        };
        let (theta, m, v) =
            step::adam_step(self.implementation, theta, grad, state.m, state.v, &scalars);
        (theta, Some(MomentState::stepped(self.kind, t, m, v)))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}

/// Configuration of [`InvAdam`]: DualAdam without the switch (`ξ = 0`), pure `m̂ ⊙ d` updates.
///
/// ```
/// use burn_balanced_adam::InvAdamConfig;
/// let optim = InvAdamConfig::new().with_beta_2(0.99).try_init().unwrap();
/// # let _ = optim;
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InvAdamConfig {
    /// First-moment decay β₁ ∈ [0, 1). Default 0.9.
    pub beta_1: f64,
    /// Second-moment decay β₂ ∈ [0, 1). Default 0.999.
    pub beta_2: f64,
    /// ε ≥ 0 added to `sqrt(v̂)`. Default 1e-8.
    pub epsilon: f64,
    /// Decoupled weight decay λ ≥ 0. Default 0.
    pub weight_decay: f64,
    /// Burn's per-tensor gradient clipping.
    pub grad_clipping: Option<GradientClippingConfig>,
    /// Fused kernel or reference tensor ops. Default `auto` (fused where available).
    pub implementation: StepImplementation,
}

impl Default for InvAdamConfig {
    fn default() -> Self {
        let dual = DualAdamConfig::default();
        Self {
            beta_1: dual.beta_1,
            beta_2: dual.beta_2,
            epsilon: dual.epsilon,
            weight_decay: dual.weight_decay,
            grad_clipping: None,
            implementation: StepImplementation::Auto,
        }
    }
}

impl Config for InvAdamConfig {}

with_setters!(InvAdamConfig {
    /// Sets β₁.
    with_beta_1 => beta_1: f64,
    /// Sets β₂.
    with_beta_2 => beta_2: f64,
    /// Sets ε.
    with_epsilon => epsilon: f64,
    /// Sets the decoupled weight decay λ.
    with_weight_decay => weight_decay: f64,
    /// Sets Burn's gradient clipping.
    with_grad_clipping => grad_clipping: Option<GradientClippingConfig>,
    /// Sets the step implementation (fused where available, or the reference).
    with_implementation => implementation: StepImplementation,
});

impl From<InvAdamConfig> for DualAdamConfig {
    fn from(config: InvAdamConfig) -> Self {
        Self {
            beta_1: config.beta_1,
            beta_2: config.beta_2,
            epsilon: config.epsilon,
            switch_rate: 0.0,
            weight_decay: config.weight_decay,
            grad_clipping: config.grad_clipping,
            implementation: config.implementation,
        }
    }
}

impl InvAdamConfig {
    /// The default config (β₁ 0.9, β₂ 0.999, ε 1e-8, no weight decay).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every hyper-parameter (errors name the field, reported as `inv_adam`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        DualAdamConfig::from(self.clone())
            .validate()
            .map_err(|err| err.for_optimizer("inv_adam"))
    }
}

impl OptimizerConfig for InvAdamConfig {
    type Optimizer = InvAdam;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> InvAdam {
        InvAdam(DualAdam {
            kind: OptimizerKind::InvAdam,
            ..DualAdamConfig::from(self.clone()).build_unchecked()
        })
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        self.grad_clipping.as_ref()
    }

    fn without_weight_decay(&self) -> Self {
        self.clone().with_weight_decay(0.0)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        OptimizerKind::InvAdam
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation
    }
}

config_builders!(InvAdamConfig => InvAdam);

/// InvAdam: `θ ← θ − η m̂ ⊙ (sqrt(v̂) + ε)`, built by [`InvAdamConfig`]. Identical to
/// [`DualAdam`] with `switch_rate = 0`, which is how it is implemented.
///
/// ```
/// use burn::optim::Optimizer;
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::InvAdamConfig;
///
/// let device = Device::flex();
/// let optim = InvAdamConfig::new().with_epsilon(0.0).build();
/// let (theta, _) = optim.step(
///     0.1,
///     Tensor::<1>::from_floats([0.0, 0.0], &device),
///     Tensor::<1>::from_floats([2.0, -0.5], &device),
///     None,
/// );
/// // Step 1: m̂ = g and √v̂ = |g|, so the update is −η·g·|g|: large gradients move further.
/// let theta: Vec<f32> = theta.into_data().try_to_vec().unwrap();
/// assert!((theta[0] + 0.4).abs() < 1e-6 && (theta[1] - 0.025).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct InvAdam(DualAdam);

impl Optimizer for InvAdam {
    type State<const D: usize> = MomentState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        theta: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        self.0.step(lr, theta, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}
