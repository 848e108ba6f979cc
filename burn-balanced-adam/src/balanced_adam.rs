//! Balanced Adam: Adam with one β for both moments (`docs/algorithms.md` §1.1), ε outside the square root.

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{OptimizerConfig, config_builders};
use crate::error::ConfigError;
use crate::state::{MomentState, OptimizerKind};
use crate::step::{self, AdamScalars, Decay, StepImplementation};
use crate::validate::{Validator, with_setters};

/// How weight decay enters the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightDecayMode {
    /// No weight decay, whatever `weight_decay` says.
    None,
    /// L2 added to the gradient, `g ← g + λθ` (PyTorch `Adam(weight_decay=λ)`).
    Coupled,
    /// Decoupled decay, `θ ← θ(1 − ηλ)` (AdamW). The default: it only acts when `λ > 0`.
    #[default]
    Decoupled,
}

/// Configuration of [`BalancedAdam`]. Loads from TOML/JSON; missing keys take the defaults
/// below, unknown keys are errors.
///
/// ```
/// use burn_balanced_adam::BalancedAdamConfig;
///
/// let config: BalancedAdamConfig = toml::from_str("beta = 0.9\nweight_decay = 0.01").unwrap();
/// assert_eq!(config.epsilon, 1e-8);
/// let optim = config.try_init().unwrap(); // a burn::optim::ModuleOptimizer
/// # let _ = optim;
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BalancedAdamConfig {
    /// β of both moments, in [0, 1). Default 0.94377, the paper's best fixed value.
    pub beta: f64,
    /// ε added outside the square root. Default 1e-8 (PyTorch's; Burn's Adam uses 1e-5).
    pub epsilon: f64,
    /// Weight decay λ ≥ 0. Default 0.
    pub weight_decay: f64,
    /// How λ is applied. Default decoupled (AdamW).
    pub weight_decay_mode: WeightDecayMode,
    /// Burn's per-tensor gradient clipping, applied by the `ModuleOptimizer` before the step.
    pub grad_clipping: Option<GradientClippingConfig>,
    /// Fused kernel or reference tensor ops. Default `auto` (fused where available).
    pub implementation: StepImplementation,
}

impl Default for BalancedAdamConfig {
    fn default() -> Self {
        Self {
            beta: crate::refresh::DEFAULT_PILOT_BETA,
            epsilon: 1e-8,
            weight_decay: 0.0,
            weight_decay_mode: WeightDecayMode::Decoupled,
            grad_clipping: None,
            implementation: StepImplementation::Auto,
        }
    }
}

impl Config for BalancedAdamConfig {}

with_setters!(BalancedAdamConfig {
    /// Sets β (both moments).
    with_beta => beta: f64,
    /// Sets ε.
    with_epsilon => epsilon: f64,
    /// Sets the weight decay λ.
    with_weight_decay => weight_decay: f64,
    /// Sets how weight decay is applied.
    with_weight_decay_mode => weight_decay_mode: WeightDecayMode,
    /// Sets Burn's gradient clipping.
    with_grad_clipping => grad_clipping: Option<GradientClippingConfig>,
    /// Sets the step implementation (fused where available, or the reference).
    with_implementation => implementation: StepImplementation,
});

impl BalancedAdamConfig {
    /// The default config (β = 0.94377, ε = 1e-8, no weight decay).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every hyper-parameter; the error names the first bad field and its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = Validator::new("balanced_adam");
        check.unit_interval("beta", self.beta)?;
        check.non_negative("epsilon", self.epsilon)?;
        check.non_negative("weight_decay", self.weight_decay)?;
        crate::validate::grad_clipping(&check, self.grad_clipping.as_ref())
    }
}

impl OptimizerConfig for BalancedAdamConfig {
    type Optimizer = BalancedAdam;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> BalancedAdam {
        let weight_decay = match self.weight_decay_mode {
            _ if self.weight_decay == 0.0 => WeightDecayMode::None,
            mode => mode,
        };
        tracing::debug!(
            beta = self.beta,
            epsilon = self.epsilon,
            ?weight_decay,
            "balanced Adam built"
        );
        BalancedAdam {
            beta: self.beta,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay,
            weight_decay_mode: weight_decay,
            implementation: self.implementation,
        }
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        self.grad_clipping.as_ref()
    }

    fn without_weight_decay(&self) -> Self {
        self.clone().with_weight_decay(0.0)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        OptimizerKind::BalancedAdam
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation
    }
}

config_builders!(BalancedAdamConfig => BalancedAdam);

/// Balanced Adam (β₁ = β₂ = β), built by [`BalancedAdamConfig`].
///
/// ```
/// use burn::optim::Optimizer;
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::BalancedAdamConfig;
///
/// let device = Device::flex();
/// let optim = BalancedAdamConfig::new().with_beta(0.9).build();
/// let theta = Tensor::<1>::from_floats([1.0, -1.0], &device);
/// let grad = Tensor::<1>::from_floats([0.5, -2.0], &device);
/// let (theta, state) = optim.step(0.1, theta, grad, None);
/// // The first Adam step moves every coordinate by lr against the gradient's sign.
/// let theta: Vec<f32> = theta.into_data().try_to_vec().unwrap();
/// assert!((theta[0] - 0.9).abs() < 1e-6 && (theta[1] + 0.9).abs() < 1e-6);
/// assert_eq!(state.unwrap().time, 1);
/// ```
#[derive(Debug, Clone)]
pub struct BalancedAdam {
    beta: f64,
    epsilon: f64,
    weight_decay: f64,
    weight_decay_mode: WeightDecayMode,
    implementation: StepImplementation,
}

impl BalancedAdam {
    /// The β of both moments.
    pub fn beta(&self) -> f64 {
        self.beta
    }
}

impl Optimizer for BalancedAdam {
    type State<const D: usize> = MomentState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        theta: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let state = MomentState::resume(state, OptimizerKind::BalancedAdam, &theta);
        let t = state.time + 1;
        tracing::trace!(t, lr, "balanced Adam step");

        let decay = match self.weight_decay_mode {
            WeightDecayMode::None => Decay::None,
            WeightDecayMode::Coupled => Decay::Coupled {
                lambda: self.weight_decay,
            },
            WeightDecayMode::Decoupled => Decay::Decoupled {
                factor: 1.0 - lr * self.weight_decay,
            },
        };
        let scalars = AdamScalars::adam(self.beta, self.beta, self.epsilon, lr, t, decay);
        let (theta, m, v) =
            step::adam_step(self.implementation, theta, grad, state.m, state.v, &scalars);
        let state = MomentState::stepped(OptimizerKind::BalancedAdam, t, m, v);
        (theta, Some(state))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}
