//! The element-wise update of every optimizer of the crate, behind one interface with two
//! implementations (PyTorch's `foreach`/`fused` split):
//!
//! - [`reference`]: Burn tensor ops. Runs on every backend; the definition of the math.
//! - fused (`flex` and `cube` modules): one pass over memory per step, in place on the state,
//!   no full-size temporaries. Flex (CPU) uses a multi-threaded loop over the tensors' buffers;
//!   CubeCL backends (wgpu, CUDA) one kernel per step. Both are reached through Burn's
//!   backend-extension mechanism ([`extension`]).
//!
//! The optimizers compute their per-step scalars on the host, in f64, once ([`AdamScalars`],
//! [`FAdamScalars`]); both implementations consume the same values, rounded to f32 the way
//! Burn's scalar ops round them. On Flex the fused step therefore reproduces the reference
//! bit for bit for the Adam family; FAdam's per-tensor RMS is summed in a different order
//! (and in f64), so it agrees to rounding.

mod extension;
#[cfg(feature = "flex")]
mod flex;
pub(crate) mod reference;

#[cfg(feature = "cube")]
mod cube;

use burn::tensor::Tensor;
use extension::Kernel;
use serde::{Deserialize, Serialize};

/// Which implementation runs an optimizer's step.
///
/// `Auto` (the default) takes the fused kernel where the tensor's backend has one (Flex, and
/// the CubeCL backends when this crate's `wgpu` or `cuda` feature is on) and the tensor is f32;
/// every other case falls back to the reference. `Reference` always uses Burn tensor ops,
/// e.g. to check the fused path or to run on a backend the kernels do not know.
///
/// ```
/// use burn_balanced_adam::{BalancedAdamConfig, StepImplementation};
///
/// let config: BalancedAdamConfig = toml::from_str(r#"implementation = "reference""#).unwrap();
/// assert_eq!(config.implementation, StepImplementation::Reference);
/// assert_eq!(BalancedAdamConfig::new().implementation, StepImplementation::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepImplementation {
    /// The fused kernel where one exists for the tensor's backend and dtype, else the reference.
    #[default]
    Auto,
    /// Burn tensor ops only.
    Reference,
}

/// Whether [`StepImplementation::Auto`] runs the fused kernel of balanced Adam, InvAdam and
/// DualAdam for this tensor: its backend has one compiled in (see the crate features) and its
/// dtype is f32.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::fused_step_available;
///
/// let theta = Tensor::<1>::zeros([4], &Device::flex());
/// assert_eq!(fused_step_available(&theta), cfg!(feature = "flex"));
/// ```
pub fn fused_step_available<const D: usize>(tensor: &Tensor<D>) -> bool {
    extension::supports(tensor, Kernel::Adam)
}

/// Whether [`StepImplementation::Auto`] runs FAdam's fused kernel for this tensor: f32 on Flex
/// (reductions and update in the kernel's passes) or on a CubeCL backend (reductions as tensor
/// ops that Burn fuses, then one update kernel).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::fused_fadam_available;
///
/// let theta = Tensor::<1>::zeros([4], &Device::flex());
/// assert_eq!(fused_fadam_available(&theta), cfg!(feature = "flex"));
/// ```
pub fn fused_fadam_available<const D: usize>(tensor: &Tensor<D>) -> bool {
    extension::supports(tensor, Kernel::FAdam)
}

/// How weight decay enters an Adam-family step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decay {
    /// None.
    None,
    /// L2 folded into the gradient: `g ← g + λθ`.
    Coupled { lambda: f64 },
    /// Decoupled: `θ ← θ·factor` with `factor = 1 − ηλ`.
    Decoupled { factor: f64 },
}

/// DualAdam's direction: Adam's `m̂ / d`, InvAdam's `m̂ ⊙ d`, or the blend of both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Blend {
    /// `m̂ / d` (the switch has happened).
    Divide,
    /// `m̂ ⊙ d` (pure inverse direction, `r = 1`).
    Multiply,
    /// `m̂ ⊙ (r·d + (1 − r)/d)`.
    Mix { r: f64 },
}

/// How the moments become a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Direction {
    /// PyTorch's Adam arithmetic: `θ −= step_size · m / (sqrt(v) / bc2_sqrt + ε)`.
    Adam {
        step_size: f64,
        bc2_sqrt: f64,
        epsilon: f64,
    },
    /// DualAdam: `θ −= η · m̂ ⊙ blend(d)`, `m̂ = m · (1/bc1)`, `d = sqrt(v · (1/bc2)) + ε`.
    Dual {
        lr: f64,
        bc1: f64,
        bc2: f64,
        epsilon: f64,
        blend: Blend,
    },
}

/// One Adam-family step's host scalars: moment decays, weight decay and direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AdamScalars {
    pub beta_1: f64,
    pub beta_2: f64,
    pub decay: Decay,
    pub direction: Direction,
}

/// FAdam's adaptive-ε rule, with its constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum EpsilonRule {
    /// `e = (min(ε₂·s, ε))^(2p)`, with `ε^(2p)` when `ε₂·s ≤ 0`.
    Adaptive { epsilon: f64, epsilon_2: f64 },
    /// `e = ε·min(1, s)`.
    PaperV3 { epsilon: f64 },
}

/// One FAdam step's host scalars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FAdamScalars {
    pub beta_1: f64,
    /// `β̂₂` of this step ([`crate::math::fisher_decay`]).
    pub fisher_decay: f64,
    pub p: f64,
    pub clip: f64,
    pub weight_decay: f64,
    pub lr: f64,
    pub epsilon: EpsilonRule,
}

/// `x^e` in f32, exact for the common `e = 1`, `e = 0.5` and `e = 2`, as Burn's `powf_scalar`
/// computes them.
#[inline(always)]
#[cfg_attr(not(feature = "flex"), allow(dead_code))] // the CPU kernel's
pub(crate) fn power_f32(x: f32, exponent: f32) -> f32 {
    if exponent == 1.0 {
        x
    } else if exponent == 0.5 {
        x.sqrt()
    } else if exponent == 2.0 {
        x * x
    } else {
        x.powf(exponent)
    }
}

#[cfg_attr(not(feature = "flex"), allow(dead_code))] // the CPU kernel's
impl FAdamScalars {
    /// FAdam's additive term `e` from the gradient's RMS `s`, in f32 as the reference has it.
    pub(crate) fn epsilon_term(&self, s: f32) -> f32 {
        match self.epsilon {
            EpsilonRule::Adaptive { epsilon, epsilon_2 } => {
                let scaled = (s * epsilon_2 as f32).min(epsilon as f32);
                let base = if scaled <= 0.0 {
                    epsilon as f32
                } else {
                    scaled
                };
                power_f32(base, (2.0 * self.p) as f32)
            }
            EpsilonRule::PaperV3 { epsilon } => s.min(1.0) * epsilon as f32,
        }
    }

    /// RMS clipping's divisor `max(1, rms / c)`, in f32 as the reference has it.
    pub(crate) fn clip_divisor(&self, rms: f32) -> f32 {
        (rms / self.clip as f32).max(1.0)
    }
}

/// An Adam-family step by `implementation`: returns the new `(θ, m, v)`.
pub(crate) fn adam_step<const D: usize>(
    implementation: StepImplementation,
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    v: Tensor<D>,
    scalars: &AdamScalars,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    if implementation == StepImplementation::Auto && extension::supports(&theta, Kernel::Adam) {
        extension::adam_step(theta, grad, m, v, scalars)
    } else {
        reference::adam_step(theta, grad, m, v, scalars)
    }
}

/// A FAdam step by `implementation`: returns the new `(θ, m, f)`.
pub(crate) fn fadam_step<const D: usize>(
    implementation: StepImplementation,
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    fisher: Tensor<D>,
    scalars: &FAdamScalars,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    if implementation == StepImplementation::Auto && extension::supports(&theta, Kernel::FAdam) {
        extension::fadam_step(theta, grad, m, fisher, scalars)
    } else {
        reference::fadam_step(theta, grad, m, fisher, scalars)
    }
}
