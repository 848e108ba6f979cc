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
mod scalars;

#[cfg(feature = "cube")]
mod cube;
#[cfg(feature = "cube")]
mod cube_fadam;

use burn::tensor::Tensor;
pub(crate) use extension::Kernel;
pub(crate) use scalars::{AdamScalars, Blend, Decay, Direction, EpsilonRule, FAdamScalars};
use serde::{Deserialize, Serialize};

/// Which implementation runs an optimizer's step.
///
/// `Auto` (the default) takes the fused kernel where the tensor's backend has one (Flex, and
/// the CubeCL backends when this crate's `wgpu` or `cuda` feature is on) and the tensor is f32;
/// every other case falls back to the reference. `Reference` always uses Burn tensor ops,
/// e.g. to check the fused path or to run on a backend the kernels do not know. `Fused` demands
/// the kernel, like PyTorch's `fused=True`: a config's `try_init_for(&model)` returns
/// [`ConfigError::Unsupported`](crate::ConfigError::Unsupported) (naming the device and dtype)
/// where a parameter has none, and a step on such a tensor panics with that message instead of
/// falling back. AMSGrad and cautious weight decay have no fused form: with them `Fused` fails
/// `validate()` and `Auto` runs the reference.
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
    /// The fused kernel, or an error where the tensor's backend or dtype has none.
    Fused,
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

/// Why `tensor` has no fused `kernel` here, or `None` if it has one.
pub(crate) fn missing_kernel<const D: usize>(tensor: &Tensor<D>, kernel: Kernel) -> Option<String> {
    (!extension::supports(tensor, kernel)).then(|| {
        format!(
            "no fused {} kernel for a tensor on {:?} with dtype {:?} (kernels: f32 on Flex with \
             the crate's `flex` feature, f32 on wgpu/CUDA with `wgpu`/`cuda`); use \
             implementation = \"auto\" to fall back to the reference step",
            kernel.name(),
            tensor.device(),
            tensor.dtype()
        )
    })
}

/// Whether `implementation` runs the fused `kernel` for `tensor`.
///
/// # Panics
/// `Fused` where the kernel is missing (configs check this in `try_init_for`).
fn takes_fused<const D: usize>(
    implementation: StepImplementation,
    tensor: &Tensor<D>,
    kernel: Kernel,
) -> bool {
    match implementation {
        StepImplementation::Reference => false,
        StepImplementation::Auto => extension::supports(tensor, kernel),
        StepImplementation::Fused => match missing_kernel(tensor, kernel) {
            None => true,
            Some(reason) => panic!("implementation = \"fused\": {reason}"),
        },
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
    if takes_fused(implementation, &theta, Kernel::Adam) {
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
    if takes_fused(implementation, &theta, Kernel::FAdam) {
        extension::fadam_step(theta, grad, m, fisher, scalars)
    } else {
        reference::fadam_step(theta, grad, m, fisher, scalars)
    }
}
