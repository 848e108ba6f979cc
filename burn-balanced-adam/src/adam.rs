//! Drop-in fused Adam and AdamW: Burn's `AdamConfig` / `AdamWConfig` field for field (names,
//! types, defaults: ε = 1e-5 as in Burn), running this crate's fused step where the backend has
//! one. A user changes only the type name; the steps equal Burn's to rounding (tested against
//! Burn's own optimizers, weight decay and clipping included).
//!
//! Burn computes `θ −= η · m · (√bc₂ / bc₁) / (√v + ε·√bc₂)`; the kernels compute the same number
//! as PyTorch writes it, `θ −= (η / bc₁) · m / (√v / √bc₂ + ε)`. AMSGrad and AdamW's cautious
//! weight decay have no fused form: with either on, the step is the reference (tensor ops, as
//! Burn computes it; the state keeps AMSGrad's running maximum `v_max`), so every Burn config
//! swaps in; `implementation = "fused"` with either is a validation error.

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{OptimizerConfig, config_builders};
use crate::error::ConfigError;
use crate::state::{MomentState, OptimizerKind};
use crate::step::reference::{AdamExtras, adam_extended_step};
use crate::step::{self, AdamScalars, Decay, StepImplementation};
use crate::validate::{Validator, with_setters};

/// Configuration of [`FusedAdam`]: Burn's `AdamConfig` (coupled L2 weight decay) with the fused
/// step. Missing keys take Burn's defaults, unknown keys are errors.
///
/// ```
/// use burn::optim::decay::WeightDecayConfig;
/// use burn_balanced_adam::FusedAdamConfig;
///
/// // Was: burn::optim::AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(1e-4)))
/// let config = FusedAdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(1e-4)));
/// assert_eq!(config.epsilon, 1e-5); // Burn's default, not PyTorch's 1e-8
/// let optim = config.try_init().unwrap(); // a burn::optim::ModuleOptimizer
/// # let _ = optim;
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FusedAdamConfig {
    /// β₁. Default 0.9.
    pub beta_1: f32,
    /// β₂. Default 0.999.
    pub beta_2: f32,
    /// ε. Default 1e-5 (Burn's).
    pub epsilon: f32,
    /// AMSGrad: the denominator uses the running maximum of `v` (reference step). Default off.
    pub amsgrad: bool,
    /// Coupled L2 weight decay, `g ← g + λθ` (Burn's `WeightDecayConfig { penalty }`).
    pub weight_decay: Option<WeightDecayConfig>,
    /// Burn's per-tensor gradient clipping, applied by the `ModuleOptimizer` before the step.
    pub grad_clipping: Option<GradientClippingConfig>,
    /// Fused kernel or reference tensor ops. Default `auto` (fused where available).
    pub implementation: StepImplementation,
}

/// Configuration of [`FusedAdamW`]: Burn's `AdamWConfig` (decoupled weight decay, default
/// λ = 1e-4) with the fused step.
///
/// ```
/// use burn_balanced_adam::FusedAdamWConfig;
///
/// // Was: burn::optim::AdamWConfig::new().with_weight_decay(0.01)
/// let config: FusedAdamWConfig = toml::from_str("weight_decay = 0.01").unwrap();
/// assert_eq!((config.beta_2, config.epsilon), (0.999, 1e-5));
/// let optim = config.try_init().unwrap();
/// # let _ = optim;
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FusedAdamWConfig {
    /// β₁. Default 0.9.
    pub beta_1: f32,
    /// β₂. Default 0.999.
    pub beta_2: f32,
    /// ε. Default 1e-5 (Burn's).
    pub epsilon: f32,
    /// Decoupled weight decay λ, `θ ← θ(1 − ηλ)`. Default 1e-4 (Burn's).
    pub weight_decay: f32,
    /// Cautious weight decay: decay only where θ and the first moment agree in sign (reference
    /// step). Default off.
    pub cautious_weight_decay: bool,
    /// AMSGrad: the denominator uses the running maximum of `v` (reference step). Default off.
    pub amsgrad: bool,
    /// Burn's per-tensor gradient clipping, applied by the `ModuleOptimizer` before the step.
    pub grad_clipping: Option<GradientClippingConfig>,
    /// Fused kernel or reference tensor ops. Default `auto` (fused where available).
    pub implementation: StepImplementation,
}

impl Default for FusedAdamConfig {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            amsgrad: false,
            weight_decay: None,
            grad_clipping: None,
            implementation: StepImplementation::Auto,
        }
    }
}

impl Default for FusedAdamWConfig {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            weight_decay: 1e-4,
            cautious_weight_decay: false,
            amsgrad: false,
            grad_clipping: None,
            implementation: StepImplementation::Auto,
        }
    }
}

impl Config for FusedAdamConfig {}
impl Config for FusedAdamWConfig {}

with_setters!(FusedAdamConfig {
    /// Sets β₁.
    with_beta_1 => beta_1: f32,
    /// Sets β₂.
    with_beta_2 => beta_2: f32,
    /// Sets ε.
    with_epsilon => epsilon: f32,
    /// Sets AMSGrad.
    with_amsgrad => amsgrad: bool,
    /// Sets the coupled L2 weight decay.
    with_weight_decay => weight_decay: Option<WeightDecayConfig>,
    /// Sets Burn's gradient clipping.
    with_grad_clipping => grad_clipping: Option<GradientClippingConfig>,
    /// Sets the step implementation (fused where available, or the reference).
    with_implementation => implementation: StepImplementation,
});

with_setters!(FusedAdamWConfig {
    /// Sets β₁.
    with_beta_1 => beta_1: f32,
    /// Sets β₂.
    with_beta_2 => beta_2: f32,
    /// Sets ε.
    with_epsilon => epsilon: f32,
    /// Sets the decoupled weight decay λ.
    with_weight_decay => weight_decay: f32,
    /// Sets cautious weight decay.
    with_cautious_weight_decay => cautious_weight_decay: bool,
    /// Sets AMSGrad.
    with_amsgrad => amsgrad: bool,
    /// Sets Burn's gradient clipping.
    with_grad_clipping => grad_clipping: Option<GradientClippingConfig>,
    /// Sets the step implementation (fused where available, or the reference).
    with_implementation => implementation: StepImplementation,
});

/// The checks both configs share: the moments, ε, and the switches without a fused form, which
/// cannot be combined with `implementation = "fused"`.
fn check_moments(
    check: &Validator,
    (beta_1, beta_2, epsilon): (f32, f32, f32),
    implementation: StepImplementation,
    unfused: &[(&'static str, bool)],
) -> Result<(), ConfigError> {
    check.unit_interval("beta_1", beta_1.into())?;
    check.unit_interval("beta_2", beta_2.into())?;
    check.non_negative("epsilon", epsilon.into())?;
    if implementation == StepImplementation::Fused
        && let Some(&(field, _)) = unfused.iter().find(|(_, on)| *on)
    {
        return Err(check.unsupported(
            "implementation",
            format!(
                "`{field} = true` has no fused kernel: its step is the reference (tensor ops); \
                 use implementation = \"auto\" or \"reference\""
            ),
        ));
    }
    Ok(())
}

impl FusedAdamConfig {
    /// Burn's defaults (β₁ 0.9, β₂ 0.999, ε 1e-5, no weight decay).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every hyper-parameter; the error names the first bad field and its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = Validator::new("fused_adam");
        let moments = (self.beta_1, self.beta_2, self.epsilon);
        let unfused = [("amsgrad", self.amsgrad)];
        check_moments(&check, moments, self.implementation, &unfused)?;
        if let Some(decay) = &self.weight_decay {
            check.non_negative("weight_decay.penalty", decay.penalty.into())?;
        }
        crate::validate::grad_clipping(&check, self.grad_clipping.as_ref())
    }
}

impl FusedAdamWConfig {
    /// Burn's defaults (β₁ 0.9, β₂ 0.999, ε 1e-5, λ 1e-4).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every hyper-parameter; the error names the first bad field and its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = Validator::new("fused_adamw");
        let moments = (self.beta_1, self.beta_2, self.epsilon);
        let unfused = [
            ("cautious_weight_decay", self.cautious_weight_decay),
            ("amsgrad", self.amsgrad),
        ];
        check_moments(&check, moments, self.implementation, &unfused)?;
        check.non_negative("weight_decay", self.weight_decay.into())?;
        crate::validate::grad_clipping(&check, self.grad_clipping.as_ref())
    }
}

impl OptimizerConfig for FusedAdamConfig {
    type Optimizer = FusedAdam;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> FusedAdam {
        let lambda = self.weight_decay.as_ref().map_or(0.0, |d| d.penalty.into());
        FusedAdam(AdamCore {
            beta_1: self.beta_1.into(),
            beta_2: self.beta_2.into(),
            epsilon: self.epsilon.into(),
            weight_decay: lambda,
            decoupled: false,
            cautious: false,
            amsgrad: self.amsgrad,
            implementation: self.implementation,
            kind: OptimizerKind::Adam,
        })
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        self.grad_clipping.as_ref()
    }

    fn without_weight_decay(&self) -> Self {
        self.clone().with_weight_decay(None)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        OptimizerKind::Adam
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation
    }
}

impl OptimizerConfig for FusedAdamWConfig {
    type Optimizer = FusedAdamW;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> FusedAdamW {
        FusedAdamW(AdamCore {
            beta_1: self.beta_1.into(),
            beta_2: self.beta_2.into(),
            epsilon: self.epsilon.into(),
            weight_decay: self.weight_decay.into(),
            decoupled: true,
            cautious: self.cautious_weight_decay,
            amsgrad: self.amsgrad,
            implementation: self.implementation,
            kind: OptimizerKind::Adamw,
        })
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        self.grad_clipping.as_ref()
    }

    fn without_weight_decay(&self) -> Self {
        self.clone().with_weight_decay(0.0)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        OptimizerKind::Adamw
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation
    }
}

config_builders!(FusedAdamConfig => FusedAdam);
config_builders!(FusedAdamWConfig => FusedAdamW);

/// Adam with Burn's semantics (coupled L2 decay), built by [`FusedAdamConfig`].
///
/// ```
/// use burn::optim::Optimizer;
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::FusedAdamConfig;
///
/// let optim = FusedAdamConfig::new().with_epsilon(0.0).build();
/// let theta = Tensor::<1>::from_floats([1.0, -1.0], &Device::flex());
/// let grad = Tensor::<1>::from_floats([0.5, -2.0], &Device::flex());
/// let (theta, _) = optim.step(0.1, theta, grad, None);
/// let theta: Vec<f32> = theta.into_data().try_to_vec().unwrap();
/// assert!((theta[0] - 0.9).abs() < 1e-6 && (theta[1] + 0.9).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct FusedAdam(AdamCore);

/// AdamW with Burn's semantics (decoupled decay), built by [`FusedAdamWConfig`].
#[derive(Debug, Clone)]
pub struct FusedAdamW(AdamCore);

/// What both optimizers are: two moments, ε, coupled or decoupled (optionally cautious) decay,
/// and AMSGrad.
#[derive(Debug, Clone)]
struct AdamCore {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    weight_decay: f64,
    decoupled: bool,
    cautious: bool,
    amsgrad: bool,
    implementation: StepImplementation,
    kind: OptimizerKind,
}

impl AdamCore {
    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        theta: Tensor<D>,
        grad: Tensor<D>,
        state: Option<MomentState<D>>,
    ) -> (Tensor<D>, Option<MomentState<D>>) {
        let state = MomentState::resume(state, self.kind, &theta);
        let t = state.time + 1;
        let lambda = self.weight_decay;
        let cautious = self.decoupled && self.cautious && lambda != 0.0;
        let decay = match self.decoupled {
            _ if lambda == 0.0 || cautious => Decay::None,
            false => Decay::Coupled { lambda },
            true => Decay::Decoupled {
                factor: 1.0 - lr * lambda,
            },
        };
        let scalars = AdamScalars::adam(self.beta_1, self.beta_2, self.epsilon, lr, t, decay);
        if self.amsgrad || cautious {
            let extras = AdamExtras {
                amsgrad: self.amsgrad,
                cautious_decay: cautious.then_some(lr * lambda),
            };
            let (theta, m, v, v_max) =
                adam_extended_step(theta, grad, state.m, state.v, state.v_max, &scalars, extras);
            let state = MomentState {
                v_max,
                ..MomentState::stepped(self.kind, t, m, v)
            };
            return (theta, Some(state));
        }
        let (theta, m, v) =
            step::adam_step(self.implementation, theta, grad, state.m, state.v, &scalars);
        (theta, Some(MomentState::stepped(self.kind, t, m, v)))
    }
}

macro_rules! adam_optimizer {
    ($optim:ty) => {
        impl Optimizer for $optim {
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
    };
}
adam_optimizer!(FusedAdam);
adam_optimizer!(FusedAdamW);
