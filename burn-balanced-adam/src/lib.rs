//! Optimizers for [Burn](https://burn.dev) from three recent papers, behind Burn's own
//! `Optimizer` API so they drop into any Burn model:
//!
//! - [`BalancedAdam`]: Adam with β₁ = β₂ = β, and the [`refresh`] rule that picks β from the
//!   learning horizon T_ES ([`t_es`] estimates it from a validation trajectory);
//! - [`InvAdam`] / [`DualAdam`]: Adam's division replaced by a multiplication, blended back
//!   into Adam by a linearly decaying weight;
//! - [`FAdam`]: Adam as a natural-gradient method with the diagonal empirical Fisher;
//! - [`FusedAdam`] / [`FusedAdamW`]: Burn's own Adam and AdamW, field for field, on the fused
//!   kernels (change the type name, keep the config);
//! - [`surge`]: the optimal learning rate against batch size for Adam-style optimizers, and its
//!   fits from sweeps.
//!
//! Each step runs a fused kernel where the tensor's backend has one (one pass over memory, in
//! place: Flex with the default `flex` feature; wgpu/CUDA with the `wgpu`/`cuda` features, FAdam's
//! per-tensor reductions running first as fused tensor ops), and Burn tensor ops everywhere else;
//! configs choose with [`StepImplementation`]. Both implementations are tested against each other.
//!
//! [`AnyOptimizerConfig`] is all of them behind one config tagged by `kind`, for config files
//! that name an optimizer.
//!
//! Every config is a serde struct (TOML/JSON; unknown keys rejected) with `validate()`,
//! `try_build()` and `try_init()` that return a [`ConfigError`] naming the bad field. States
//! are [`MomentState`]s that record which optimizer wrote them, saved by Burn's
//! `ModuleOptimizer::save` and loaded, checked, by [`record::load_checked`] (or a config's
//! `try_load_state`). With the `train` feature, [`learner`] reads the validation trajectory of
//! a run of Burn's `Learner` for the refresh rule ([`refresh::RefreshRule`]).
//!
//! ```
//! use burn::optim::ModuleOptimizer;
//! use burn_balanced_adam::{refresh, BalancedAdamConfig};
//!
//! // A pilot run's validation loss bottomed out at update 20 000: the rule picks β = 0.94377.
//! let beta = refresh::refresh_beta(20_000.0, refresh::DEFAULT_R0).unwrap();
//! let optim: ModuleOptimizer = BalancedAdamConfig::new().with_beta(beta).try_init().unwrap();
//! # let _ = optim;
//! ```

#![warn(missing_docs)]

mod adam;
mod any;
mod balanced_adam;
mod config;
mod dual_adam;
mod error;
mod fadam;
#[cfg(feature = "train")]
pub mod learner;
pub mod math;
pub mod record;
pub mod refresh;
pub mod schedule;
mod state;
mod step;
pub mod surge;
pub mod t_es;
mod validate;

pub use adam::{FusedAdam, FusedAdamConfig, FusedAdamW, FusedAdamWConfig};
pub use any::{AnyOptimizer, AnyOptimizerConfig};
pub use balanced_adam::{BalancedAdam, BalancedAdamConfig, WeightDecayMode};
pub use config::rank_one_params;
pub use dual_adam::{DualAdam, DualAdamConfig, InvAdam, InvAdamConfig};
pub use error::{ConfigError, RefreshError, SurgeError};
pub use fadam::{FAdam, FAdamConfig, FAdamEpsilon};
pub use state::MomentState;
pub use step::{StepImplementation, fused_fadam_available, fused_step_available};
