//! Math shared by the optimizers: host-side step scalars (computed in f64, as the spec asks)
//! and per-tensor reductions that stay on the device.

use burn::tensor::Tensor;

/// Adam's bias correction `1 − βᵗ`, in f64.
///
/// ```
/// use burn_balanced_adam::math::bias_correction;
///
/// assert_eq!(bias_correction(0.9, 1), 1.0 - 0.9);
/// assert_eq!(bias_correction(0.0, 3), 1.0);
/// ```
pub fn bias_correction(beta: f64, t: u64) -> f64 {
    1.0 - powu(beta, t)
}

/// `βᵗ` for an unsigned step count, exact for the step counts of real runs.
pub fn powu(beta: f64, t: u64) -> f64 {
    match i32::try_from(t) {
        Ok(t) => beta.powi(t),
        // Past 2³¹ steps powi would wrap; powf is exact enough there (βᵗ has long underflowed).
        Err(_) => beta.powf(t as f64),
    }
}

/// FAdam's bias-corrected Fisher decay `β̂₂ = β₂ (1 − β₂^(t−1)) / (1 − β₂ᵗ)`; 0 at `t = 1`.
///
/// With it, `f ← β̂₂ f + (1 − β̂₂) g²` equals Adam's bias-corrected `v̂`.
///
/// ```
/// use burn_balanced_adam::math::fisher_decay;
///
/// assert_eq!(fisher_decay(0.999, 1), 0.0);
/// assert!((fisher_decay(0.999, 2) - 0.999 * 0.001 / (1.0 - 0.999f64 * 0.999)).abs() < 1e-15);
/// ```
pub fn fisher_decay(beta_2: f64, t: u64) -> f64 {
    beta_2 * bias_correction(beta_2, t - 1) / bias_correction(beta_2, t)
}

/// DualAdam's blend weight of the inverse direction, `r_t = max(0, 1 − t·ξ)`, in f64.
///
/// ```
/// use burn_balanced_adam::math::inverse_weight;
///
/// assert_eq!(inverse_weight(0.0, 7), 1.0);
/// assert_eq!(inverse_weight(0.25, 2), 0.5);
/// assert_eq!(inverse_weight(0.25, 9), 0.0);
/// ```
pub fn inverse_weight(switch_rate: f64, t: u64) -> f64 {
    (1.0 - t as f64 * switch_rate).max(0.0)
}

/// Root mean square of one tensor, as a tensor of shape `[1, …, 1]` that broadcasts against it.
///
/// It stays on the device: reading it back per tensor would stall a GPU every step.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::math::rms;
///
/// let x = Tensor::<2>::from_floats([[1.0, -1.0], [1.0, -1.0]], &Device::flex());
/// let r = rms(x);
/// assert_eq!(r.dims(), [1, 1]);
/// assert_eq!(r.into_data().try_to_vec::<f32>().unwrap(), vec![1.0]);
/// ```
pub fn rms<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.square().mean().sqrt().reshape([1usize; D])
}

/// Per-tensor RMS clipping: `x / max(1, RMS(x) / clip)`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::math::rms_clip;
///
/// let x = Tensor::<1>::from_floats([3.0, -3.0], &Device::flex()); // RMS 3
/// let clipped: Vec<f32> = rms_clip(x.clone(), 1.0).into_data().try_to_vec().unwrap();
/// assert_eq!(clipped, vec![1.0, -1.0]);
/// let untouched: Vec<f32> = rms_clip(x, 5.0).into_data().try_to_vec().unwrap();
/// assert_eq!(untouched, vec![3.0, -3.0]);
/// ```
pub fn rms_clip<const D: usize>(x: Tensor<D>, clip: f64) -> Tensor<D> {
    let divisor = rms_clip_divisor(&x, clip);
    x.div(divisor)
}

/// The divisor of [`rms_clip`], `max(1, RMS(x) / clip)`, as a `[1, …, 1]` tensor on the device.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::math::rms_clip_divisor;
///
/// let x = Tensor::<1>::from_floats([3.0, -3.0], &Device::flex());
/// let d: Vec<f32> = rms_clip_divisor(&x, 1.5).into_data().try_to_vec().unwrap();
/// assert_eq!(d, vec![2.0]);
/// ```
pub fn rms_clip_divisor<const D: usize>(x: &Tensor<D>, clip: f64) -> Tensor<D> {
    rms(x.clone()).div_scalar(clip).clamp_min(1.0)
}
