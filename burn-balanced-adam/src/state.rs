//! The per-parameter state shared by every optimizer of the crate: a step counter and two
//! moment tensors. It serializes through Burn's [`RecordState`], so
//! `ModuleOptimizer::{save, load, into_bytes, from_bytes}` round-trip it.

use burn::optim::{RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use burn_pack::Scalar;

/// State of one parameter tensor: the step count `t` and two moments.
///
/// - balanced Adam, InvAdam, DualAdam: `m` is the first moment, `v` the second (raw, not
///   bias-corrected);
/// - FAdam: `m` is the momentum of the natural gradient, `v` the diagonal empirical Fisher `f`.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_balanced_adam::MomentState;
///
/// let device = Device::flex();
/// let state = MomentState::<1>::zeros(&Tensor::from_floats([1.0, 2.0], &device));
/// assert_eq!(state.time, 0);
/// ```
#[derive(Clone, Debug)]
pub struct MomentState<const D: usize> {
    /// Number of steps taken (1-based once a step has run).
    pub time: u64,
    /// First moment (FAdam: momentum of the natural gradient).
    pub m: Tensor<D>,
    /// Second moment (FAdam: diagonal Fisher).
    pub v: Tensor<D>,
}

impl<const D: usize> MomentState<D> {
    /// A state at step 0 with zero moments shaped like `like`.
    pub fn zeros(like: &Tensor<D>) -> Self {
        Self {
            time: 0,
            m: like.zeros_like(),
            v: like.zeros_like(),
        }
    }

    /// Moves the moments to `device`.
    pub fn to_device(self, device: &Device) -> Self {
        Self {
            time: self.time,
            m: self.m.to_device(device),
            v: self.v.to_device(device),
        }
    }
}

// Written by hand rather than derived: the derive expands to paths that must resolve at the
// crate root (see the Burn 0.22 notes), and three leaves are clearer than that setup.
impl<const D: usize> RecordState for MomentState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_scalar(prefix, "time", Scalar::from(self.time));
        out.push_tensor(prefix, "m", self.m.to_data());
        out.push_tensor(prefix, "v", self.v.to_data());
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let time = u64::try_from(src.take_scalar(prefix, "time")?).ok()?;
        let m = src.take_tensor(prefix, "m")?;
        let v = src.take_tensor(prefix, "v")?;
        // A record from another optimizer, or a truncated one, must not load as garbage: reject
        // tensors of the wrong rank so that Burn re-initializes the parameter instead.
        if m.rank() != D || v.shape() != m.shape() {
            return None;
        }
        Some(Self {
            time,
            m: Tensor::from_data(m, device),
            v: Tensor::from_data(v, device),
        })
    }
}
