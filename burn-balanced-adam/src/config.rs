//! What every optimizer config builds from its own checks: the bare optimizer, Burn's
//! `ModuleOptimizer` (with the config's gradient clipping), a parameter group of a
//! `ModuleOptimizer` (with that clipping too), and the panicking shorthands. Written once here
//! ([`OptimizerConfig`]); [`config_builders!`] puts them on each config as inherent methods.

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, ParamGroup};
use burn::optim::{ModuleOptimizer, Optimizer};

use crate::error::ConfigError;
use crate::record::{OptimizerKind, StateError};
use crate::step::{Kernel, StepImplementation};

/// A validated optimizer config: its checks and its unchecked build; the rest is provided.
pub(crate) trait OptimizerConfig {
    /// The optimizer it builds.
    type Optimizer: Optimizer + 'static;

    /// Checks every hyper-parameter (the config's `validate`).
    fn check(&self) -> Result<(), ConfigError>;

    /// The optimizer, assuming [`check`](Self::check) passed.
    fn build_unchecked(&self) -> Self::Optimizer;

    /// Burn's per-tensor gradient clipping, if configured.
    fn clipping(&self) -> Option<&GradientClippingConfig>;

    /// The same config without weight decay.
    fn without_weight_decay(&self) -> Self
    where
        Self: Sized;

    /// The optimizer kind its states record.
    fn optimizer_kind(&self) -> OptimizerKind;

    /// The configured step implementation.
    fn step_implementation(&self) -> StepImplementation;

    /// The fused kernel its step takes.
    fn kernel(&self) -> Kernel {
        Kernel::Adam
    }

    /// [`try_init`](Self::try_init), after checking that every float parameter of `module` has
    /// the fused kernel when the config demands it (`implementation = "fused"`).
    fn try_init_for<M: Module>(&self, module: &M) -> Result<ModuleOptimizer, ConfigError>
    where
        Self: Sized,
    {
        self.check()?;
        if self.step_implementation() == StepImplementation::Fused {
            let params = crate::record::float_params(module, Some(self.kernel()));
            let first_missing = params
                .into_iter()
                .find_map(|p| Some((p.path, p.missing_kernel?)));
            if let Some((path, reason)) = first_missing {
                return Err(ConfigError::Unsupported {
                    optimizer: self.optimizer_kind().name(),
                    field: "implementation",
                    reason: format!("parameter `{path}`: {reason}"),
                });
            }
        }
        self.try_init()
    }

    /// `optim` with the state saved at `path` (by `ModuleOptimizer::save`), after
    /// [`crate::record::check_record`] found it written by this config's optimizer kind for
    /// `module`'s parameters.
    fn try_load_state<M: Module>(
        &self,
        optim: ModuleOptimizer,
        path: &std::path::Path,
        module: &M,
    ) -> Result<ModuleOptimizer, StateError>
    where
        Self: Sized,
    {
        crate::record::load_checked(optim, path, module, self.optimizer_kind())
    }

    /// The bare optimizer, or the validation error.
    fn try_build(&self) -> Result<Self::Optimizer, ConfigError> {
        self.check()?;
        Ok(self.build_unchecked())
    }

    /// The module optimizer with the config's clipping, or the validation error.
    fn try_init(&self) -> Result<ModuleOptimizer, ConfigError> {
        let optim = ModuleOptimizer::from(self.try_build()?);
        Ok(match self.clipping() {
            Some(config) => optim.with_grad_clipping(config.init()),
            None => optim,
        })
    }

    /// The module optimizer with weight decay on `module`'s matrices and kernels only: its
    /// parameters of rank ≤ 1 (biases, norm gains and shifts) form a group without decay. Both
    /// keep the config's clipping.
    fn try_init_no_decay<M: Module>(&self, module: &M) -> Result<ModuleOptimizer, ConfigError>
    where
        Self: Sized,
    {
        let optim = self.try_init()?;
        match rank_one_params(module) {
            Some(group) => self.without_weight_decay().try_with_group(optim, group),
            None => Ok(optim),
        }
    }

    /// `optim` with this config's optimizer (and clipping) for the parameters of `group`.
    fn try_with_group(
        &self,
        optim: ModuleOptimizer,
        group: ParamGroup,
    ) -> Result<ModuleOptimizer, ConfigError> {
        let built = self.try_build()?;
        Ok(optim.with_group(
            group,
            built,
            self.clipping().map(GradientClippingConfig::init),
        ))
    }
}

/// The parameters of rank ≤ 1 of `module` (biases, norm gains and shifts), as a group matched by
/// path the way `ModuleOptimizer` names parameters; `None` if it has none. For building the
/// usual "no weight decay on biases and norms" group around any optimizer, Burn's included.
///
/// ```
/// use burn::nn::LinearConfig;
/// use burn::tensor::Device;
///
/// let layer = LinearConfig::new(3, 2).init(&Device::flex());
/// assert!(burn_balanced_adam::rank_one_params(&layer).is_some()); // its bias
/// ```
pub fn rank_one_params<M: Module>(module: &M) -> Option<ParamGroup> {
    let found: Vec<String> = crate::record::float_params(module, None)
        .into_iter()
        .filter(|param| param.shape.len() <= 1)
        .map(|param| param.path)
        .collect();
    (!found.is_empty()).then(|| ParamGroup::from_paths(found))
}

/// The public builders of a config that implements [`OptimizerConfig`]: `try_build`,
/// `try_init`, `try_with_group` and their panicking forms `build`, `init`, `with_group`.
macro_rules! config_builders {
    ($config:ty => $optim:ty) => {
        impl $config {
            /// The bare optimizer (e.g. for `ModuleOptimizer::with_group`), or the validation
            /// error.
            pub fn try_build(&self) -> Result<$optim, $crate::error::ConfigError> {
                $crate::config::OptimizerConfig::try_build(self)
            }

            /// The module optimizer to hand to Burn's `Learner` (with the config's gradient
            /// clipping), or the validation error.
            pub fn try_init(
                &self,
            ) -> Result<burn::optim::ModuleOptimizer, $crate::error::ConfigError> {
                $crate::config::OptimizerConfig::try_init(self)
            }

            /// `optim` with this optimizer for the parameters of `group`, with this config's
            /// gradient clipping (the group's own), or the validation error.
            pub fn try_with_group(
                &self,
                optim: burn::optim::ModuleOptimizer,
                group: burn::module::ParamGroup,
            ) -> Result<burn::optim::ModuleOptimizer, $crate::error::ConfigError> {
                $crate::config::OptimizerConfig::try_with_group(self, optim, group)
            }

            /// Like [`try_init`](Self::try_init), but the parameters of `module` of rank ≤ 1
            /// (biases, norm gains and shifts) get no weight decay, as is usual for AdamW-style
            /// training; both groups keep the config's gradient clipping.
            pub fn try_init_no_decay<M: burn::module::Module>(
                &self,
                module: &M,
            ) -> Result<burn::optim::ModuleOptimizer, $crate::error::ConfigError> {
                $crate::config::OptimizerConfig::try_init_no_decay(self, module)
            }

            /// Like [`try_init`](Self::try_init), after checking that every float parameter of
            /// `module` has the fused kernel when the config says `implementation = "fused"`
            /// ([`ConfigError::Unsupported`](crate::ConfigError::Unsupported) names the first
            /// parameter, its device and dtype otherwise).
            pub fn try_init_for<M: burn::module::Module>(
                &self,
                module: &M,
            ) -> Result<burn::optim::ModuleOptimizer, $crate::error::ConfigError> {
                $crate::config::OptimizerConfig::try_init_for(self, module)
            }

            /// `optim` with the optimizer state saved at `path`, after checking that it was
            /// written by this optimizer for `module`'s parameters (see [`crate::record`]).
            pub fn try_load_state<M: burn::module::Module>(
                &self,
                optim: burn::optim::ModuleOptimizer,
                path: &std::path::Path,
                module: &M,
            ) -> Result<burn::optim::ModuleOptimizer, $crate::record::StateError> {
                $crate::config::OptimizerConfig::try_load_state(self, optim, path, module)
            }

            /// Like [`try_build`](Self::try_build).
            ///
            /// # Panics
            /// If the config is invalid; call [`try_build`](Self::try_build) to get the error.
            pub fn build(&self) -> $optim {
                self.try_build().unwrap_or_else(|err| panic!("{err}"))
            }

            /// Like [`try_init`](Self::try_init).
            ///
            /// # Panics
            /// If the config is invalid; call [`try_init`](Self::try_init) to get the error.
            pub fn init(&self) -> burn::optim::ModuleOptimizer {
                self.try_init().unwrap_or_else(|err| panic!("{err}"))
            }

            /// Like [`try_with_group`](Self::try_with_group).
            ///
            /// # Panics
            /// If the config is invalid.
            pub fn with_group(
                &self,
                optim: burn::optim::ModuleOptimizer,
                group: burn::module::ParamGroup,
            ) -> burn::optim::ModuleOptimizer {
                self.try_with_group(optim, group)
                    .unwrap_or_else(|err| panic!("{err}"))
            }
        }
    };
}
pub(crate) use config_builders;
