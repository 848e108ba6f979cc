//! FAdam (`docs/algorithms.md` §3): Adam as a natural-gradient method with the diagonal empirical Fisher,
//! adaptive ε, per-tensor RMS clipping and Fisher-preconditioned weight decay.

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::{OptimizerConfig, config_builders};
use crate::error::ConfigError;
use crate::math::fisher_decay;
use crate::state::{MomentState, OptimizerKind};
use crate::step::{self, EpsilonRule, FAdamScalars, Kernel, StepImplementation};
use crate::validate::{Validator, with_setters};

/// How FAdam's ε adapts to the gradient scale `s = RMS(g)` of each tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FAdamEpsilon {
    /// `e = (ε₂·s)^(2p)` if `s > 0` and `ε₂·s < ε`, else `ε^(2p)` (pytorch_optimizer 4.1.0).
    /// Never divides by zero, all-zero gradients included.
    #[default]
    Adaptive,
    /// The paper's v3 rule `e = ε·min(1, s)`. An all-zero gradient tensor gives `0/0 = NaN`
    /// (lessw2020/FAdam_PyTorch issue #1); offered to reproduce that code, not recommended.
    PaperV3,
}

/// Configuration of [`FAdam`]. Loads from TOML/JSON; missing keys take the defaults below,
/// unknown keys are errors.
///
/// ```
/// use burn_balanced_adam::FAdamConfig;
///
/// let config: FAdamConfig = serde_json::from_str(r#"{"weight_decay": 0.0, "clip": 0.5}"#).unwrap();
/// assert_eq!(config.p, 0.5);
/// let optim = config.try_init().unwrap();
/// # let _ = optim;
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FAdamConfig {
    /// Momentum decay β₁ ∈ [0, 1). Default 0.9.
    pub beta_1: f64,
    /// Fisher decay β₂ ∈ [0, 1). Default 0.999.
    pub beta_2: f64,
    /// Weight decay λ ≥ 0, preconditioned by the Fisher. Default 0.1, the paper's; in the
    /// repository's FAdam study (`results/fadam`) it cost 0.29 in test loss on a small GPT
    /// (total exposure η·λ·T ≈ 2) while λ = 0.01 matched λ = 0: take 0, or a λ that keeps
    /// η·λ·T below about 0.5 over the run.
    pub weight_decay: f64,
    /// RMS clipping threshold c > 0 of the natural gradient and of the decay term. Default 1.
    pub clip: f64,
    /// Fisher power p > 0 (0.5: Adam's square root). Default 0.5.
    pub p: f64,
    /// ε > 0 (the floor of the adaptive ε). Default 1e-8.
    pub epsilon: f64,
    /// ε₂ ≥ 0, the scale of the adaptive ε. Default 0.01.
    pub epsilon_2: f64,
    /// Which adaptive-ε rule to use. Default [`FAdamEpsilon::Adaptive`].
    pub epsilon_mode: FAdamEpsilon,
    /// Burn's per-tensor gradient clipping, applied by the `ModuleOptimizer` before the step.
    pub grad_clipping: Option<GradientClippingConfig>,
    /// Fused kernel or reference tensor ops. Default `auto` (fused where available).
    pub implementation: StepImplementation,
}

impl Default for FAdamConfig {
    fn default() -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            weight_decay: 0.1,
            clip: 1.0,
            p: 0.5,
            epsilon: 1e-8,
            epsilon_2: 0.01,
            epsilon_mode: FAdamEpsilon::Adaptive,
            grad_clipping: None,
            implementation: StepImplementation::Auto,
        }
    }
}

impl Config for FAdamConfig {}

with_setters!(FAdamConfig {
    /// Sets β₁.
    with_beta_1 => beta_1: f64,
    /// Sets β₂.
    with_beta_2 => beta_2: f64,
    /// Sets the weight decay λ.
    with_weight_decay => weight_decay: f64,
    /// Sets the RMS clipping threshold c.
    with_clip => clip: f64,
    /// Sets the Fisher power p.
    with_p => p: f64,
    /// Sets ε.
    with_epsilon => epsilon: f64,
    /// Sets ε₂.
    with_epsilon_2 => epsilon_2: f64,
    /// Sets the adaptive-ε rule.
    with_epsilon_mode => epsilon_mode: FAdamEpsilon,
    /// Sets Burn's gradient clipping.
    with_grad_clipping => grad_clipping: Option<GradientClippingConfig>,
    /// Sets the step implementation (fused where available, or the reference).
    with_implementation => implementation: StepImplementation,
});

impl FAdamConfig {
    /// The paper's defaults (β₁ 0.9, β₂ 0.999, λ 0.1, c 1, p 0.5, ε 1e-8, ε₂ 0.01).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every hyper-parameter; the error names the first bad field and its range.
    /// ε must be > 0: it is what keeps the default variant from dividing by zero.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = Validator::new("fadam");
        check.unit_interval("beta_1", self.beta_1)?;
        check.unit_interval("beta_2", self.beta_2)?;
        check.non_negative("weight_decay", self.weight_decay)?;
        check.positive("clip", self.clip)?;
        check.positive("p", self.p)?;
        check.positive("epsilon", self.epsilon)?;
        check.non_negative("epsilon_2", self.epsilon_2)?;
        crate::validate::grad_clipping(&check, self.grad_clipping.as_ref())
    }
}

impl OptimizerConfig for FAdamConfig {
    type Optimizer = FAdam;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> FAdam {
        tracing::debug!(config = ?self, "FAdam built");
        FAdam {
            config: self.clone(),
        }
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        self.grad_clipping.as_ref()
    }

    fn without_weight_decay(&self) -> Self {
        self.clone().with_weight_decay(0.0)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        OptimizerKind::Fadam
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation
    }

    fn kernel(&self) -> Kernel {
        Kernel::FAdam
    }
}

config_builders!(FAdamConfig => FAdam);

/// FAdam, built by [`FAdamConfig`]. The state's `v` is the diagonal Fisher `f`.
///
/// ```
/// use burn::optim::Optimizer;
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::FAdamConfig;
///
/// let device = Device::flex();
/// let optim = FAdamConfig::new().build();
/// let zeros = Tensor::<2>::zeros([2, 2], &device);
/// // An all-zero gradient is a finite no-op on the gradient side (only weight decay acts).
/// let (theta, _) = optim.step(1e-3, zeros.clone(), zeros, None);
/// let theta: Vec<f32> = theta.into_data().try_to_vec().unwrap();
/// assert!(theta.iter().all(|x| *x == 0.0));
/// ```
#[derive(Debug, Clone)]
pub struct FAdam {
    config: FAdamConfig,
}

impl FAdam {
    /// This step's host scalars.
    fn scalars(&self, lr: LearningRate, t: u64) -> FAdamScalars {
        let c = &self.config;
        FAdamScalars {
            beta_1: c.beta_1,
            fisher_decay: fisher_decay(c.beta_2, t),
            p: c.p,
            clip: c.clip,
            weight_decay: c.weight_decay,
            lr,
            epsilon: match c.epsilon_mode {
                FAdamEpsilon::Adaptive => EpsilonRule::Adaptive {
                    epsilon: c.epsilon,
                    epsilon_2: c.epsilon_2,
                },
                FAdamEpsilon::PaperV3 => EpsilonRule::PaperV3 { epsilon: c.epsilon },
            },
        }
    }
}

impl Optimizer for FAdam {
    type State<const D: usize> = MomentState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        theta: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let state = MomentState::resume(state, OptimizerKind::Fadam, &theta);
        let t = state.time + 1;
        tracing::trace!(t, lr, "FAdam step");
        let scalars = self.scalars(lr, t);
        let (theta, m, fisher) = step::fadam_step(
            self.config.implementation,
            theta,
            grad,
            state.m,
            state.v,
            &scalars,
        );
        let state = MomentState::stepped(OptimizerKind::Fadam, t, m, fisher);
        (theta, Some(state))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}
