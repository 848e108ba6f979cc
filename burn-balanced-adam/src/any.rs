//! Every optimizer of the crate behind one config, tagged by `kind` in files, so a config file
//! names an optimizer and its fields and the crate builds it ([`AnyOptimizerConfig`]), and one
//! optimizer type that steps as any of them ([`AnyOptimizer`]; they all keep a
//! [`MomentState`], so the state type is shared).

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{LearningRate, Optimizer};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::adam::{FusedAdam, FusedAdamConfig, FusedAdamW, FusedAdamWConfig};
use crate::balanced_adam::{BalancedAdam, BalancedAdamConfig};
use crate::config::{OptimizerConfig, config_builders};
use crate::dual_adam::{DualAdam, DualAdamConfig, InvAdam, InvAdamConfig};
use crate::error::ConfigError;
use crate::fadam::{FAdam, FAdamConfig};
use crate::record::OptimizerKind;
use crate::state::MomentState;
use crate::step::{Kernel, StepImplementation};

/// The config of any optimizer of the crate, chosen by `kind`: `adam`, `adamw` (Burn's Adam and
/// AdamW, fused: [`FusedAdamConfig`], [`FusedAdamWConfig`]), `balanced_adam`, `inv_adam`,
/// `dual_adam`, `fadam`; the other keys are that config's fields.
///
/// ```
/// use burn_balanced_adam::AnyOptimizerConfig;
///
/// let config: AnyOptimizerConfig = toml::from_str("kind = \"dual_adam\"\nswitch_rate = 8e-5").unwrap();
/// assert_eq!(config.kind(), "dual_adam");
/// let optim = config.try_init().unwrap(); // a burn::optim::ModuleOptimizer
/// # let _ = optim;
///
/// let err = toml::from_str::<AnyOptimizerConfig>("kind = \"fadam\"\nbeta_1 = 1.5").unwrap()
///     .validate().unwrap_err();
/// assert_eq!((err.optimizer(), err.field()), ("fadam", "beta_1"));
/// assert!(toml::from_str::<AnyOptimizerConfig>("kind = \"lion\"").is_err());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnyOptimizerConfig {
    /// Burn's Adam (coupled L2 decay) on the fused step.
    Adam(FusedAdamConfig),
    /// Burn's AdamW (decoupled decay) on the fused step.
    Adamw(FusedAdamWConfig),
    /// Balanced Adam, β₁ = β₂ = β.
    BalancedAdam(BalancedAdamConfig),
    /// InvAdam.
    InvAdam(InvAdamConfig),
    /// DualAdam.
    DualAdam(DualAdamConfig),
    /// FAdam.
    Fadam(FAdamConfig),
}

/// Any optimizer of the crate, built by [`AnyOptimizerConfig`]: steps as the one it holds.
#[derive(Debug, Clone)]
pub enum AnyOptimizer {
    /// See [`FusedAdam`].
    Adam(FusedAdam),
    /// See [`FusedAdamW`].
    Adamw(FusedAdamW),
    /// See [`BalancedAdam`].
    BalancedAdam(BalancedAdam),
    /// See [`InvAdam`].
    InvAdam(InvAdam),
    /// See [`DualAdam`].
    DualAdam(DualAdam),
    /// See [`FAdam`].
    Fadam(FAdam),
}

/// `$body` with `$config` bound to the inner config of any variant.
macro_rules! each_config {
    ($value:expr, $config:ident => $body:expr) => {
        match $value {
            AnyOptimizerConfig::Adam($config) => $body,
            AnyOptimizerConfig::Adamw($config) => $body,
            AnyOptimizerConfig::BalancedAdam($config) => $body,
            AnyOptimizerConfig::InvAdam($config) => $body,
            AnyOptimizerConfig::DualAdam($config) => $body,
            AnyOptimizerConfig::Fadam($config) => $body,
        }
    };
}

/// The variant of the same kind, wrapping `$body` built from `$config`.
macro_rules! map_config {
    ($value:expr, $config:ident => $body:expr, $out:ident) => {
        match $value {
            AnyOptimizerConfig::Adam($config) => $out::Adam($body),
            AnyOptimizerConfig::Adamw($config) => $out::Adamw($body),
            AnyOptimizerConfig::BalancedAdam($config) => $out::BalancedAdam($body),
            AnyOptimizerConfig::InvAdam($config) => $out::InvAdam($body),
            AnyOptimizerConfig::DualAdam($config) => $out::DualAdam($body),
            AnyOptimizerConfig::Fadam($config) => $out::Fadam($body),
        }
    };
}

impl Config for AnyOptimizerConfig {}

impl AnyOptimizerConfig {
    /// The `kind` as written in files.
    pub fn kind(&self) -> &'static str {
        self.optimizer_kind().name()
    }

    /// Checks every hyper-parameter; the error names the optimizer, the field and its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        each_config!(self, config => config.validate())
    }

    /// The same optimizer with another step implementation.
    #[must_use]
    pub fn with_implementation(self, implementation: StepImplementation) -> Self {
        map_config!(self, config => config.with_implementation(implementation), AnyOptimizerConfig)
    }

    /// Its step implementation.
    pub fn implementation(&self) -> StepImplementation {
        each_config!(self, config => config.implementation)
    }
}

impl OptimizerConfig for AnyOptimizerConfig {
    type Optimizer = AnyOptimizer;

    fn check(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn build_unchecked(&self) -> AnyOptimizer {
        map_config!(self, config => config.build_unchecked(), AnyOptimizer)
    }

    fn clipping(&self) -> Option<&GradientClippingConfig> {
        each_config!(self, config => config.clipping())
    }

    fn without_weight_decay(&self) -> Self {
        map_config!(self, config => config.without_weight_decay(), AnyOptimizerConfig)
    }

    fn optimizer_kind(&self) -> OptimizerKind {
        each_config!(self, config => config.optimizer_kind())
    }

    fn step_implementation(&self) -> StepImplementation {
        self.implementation()
    }

    fn kernel(&self) -> Kernel {
        each_config!(self, config => config.kernel())
    }
}

config_builders!(AnyOptimizerConfig => AnyOptimizer);

macro_rules! from_config {
    ($($variant:ident($config:ty)),*) => {$(
        impl From<$config> for AnyOptimizerConfig {
            fn from(config: $config) -> Self {
                AnyOptimizerConfig::$variant(config)
            }
        }
    )*};
}
from_config!(
    Adam(FusedAdamConfig),
    Adamw(FusedAdamWConfig),
    BalancedAdam(BalancedAdamConfig),
    InvAdam(InvAdamConfig),
    DualAdam(DualAdamConfig),
    Fadam(FAdamConfig)
);

impl Optimizer for AnyOptimizer {
    type State<const D: usize> = MomentState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        theta: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        match self {
            AnyOptimizer::Adam(optim) => optim.step(lr, theta, grad, state),
            AnyOptimizer::Adamw(optim) => optim.step(lr, theta, grad, state),
            AnyOptimizer::BalancedAdam(optim) => optim.step(lr, theta, grad, state),
            AnyOptimizer::InvAdam(optim) => optim.step(lr, theta, grad, state),
            AnyOptimizer::DualAdam(optim) => optim.step(lr, theta, grad, state),
            AnyOptimizer::Fadam(optim) => optim.step(lr, theta, grad, state),
        }
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}
