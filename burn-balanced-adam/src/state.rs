//! The per-parameter state shared by every optimizer of the crate: a step counter, two moment
//! tensors (three with AMSGrad) and the kind of optimizer that wrote it. It serializes through
//! Burn's [`RecordState`], so `ModuleOptimizer::{save, load, into_bytes, from_bytes}`
//! round-trip it; [`crate::record`] checks a saved record before it is loaded.

use burn::optim::{RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use burn_pack::Scalar;
use serde::{Deserialize, Serialize};

/// Which optimizer of the crate wrote a state; recorded beside each parameter's state so that a
/// record is never loaded into another optimizer. Named as [`crate::AnyOptimizerConfig`]'s
/// `kind`.
///
/// ```
/// use burn_balanced_adam::record::OptimizerKind;
/// assert_eq!(OptimizerKind::BalancedAdam.name(), "balanced_adam");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Burn's Adam on the fused step ([`crate::FusedAdam`]).
    Adam,
    /// Burn's AdamW on the fused step ([`crate::FusedAdamW`]).
    Adamw,
    /// [`crate::BalancedAdam`].
    BalancedAdam,
    /// [`crate::InvAdam`].
    InvAdam,
    /// [`crate::DualAdam`].
    DualAdam,
    /// [`crate::FAdam`].
    Fadam,
}

impl OptimizerKind {
    /// Every kind.
    pub const ALL: [OptimizerKind; 6] = [
        Self::Adam,
        Self::Adamw,
        Self::BalancedAdam,
        Self::InvAdam,
        Self::DualAdam,
        Self::Fadam,
    ];

    /// The name, as in config files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Adam => "adam",
            Self::Adamw => "adamw",
            Self::BalancedAdam => "balanced_adam",
            Self::InvAdam => "inv_adam",
            Self::DualAdam => "dual_adam",
            Self::Fadam => "fadam",
        }
    }

    /// The number stored in records (burnpack scalars are numbers).
    pub(crate) fn code(self) -> u64 {
        Self::ALL.iter().position(|&k| k == self).expect("listed") as u64 + 1
    }

    pub(crate) fn from_code(code: u64) -> Option<Self> {
        let index = usize::try_from(code.checked_sub(1)?).ok()?;
        Self::ALL.get(index).copied()
    }
}

impl std::fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The record leaf that names the optimizer kind.
pub(crate) const KIND_LEAF: &str = "optimizer";

/// State of one parameter tensor: the step count `t` and two moments.
///
/// - balanced Adam, InvAdam, DualAdam, Adam, AdamW: `m` is the first moment, `v` the second
///   (raw, not bias-corrected); with AMSGrad, `v_max` is the running maximum of `v`;
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
    /// AMSGrad's running maximum of `v` (Burn's `max_moment_2`); `None` without AMSGrad.
    pub v_max: Option<Tensor<D>>,
    /// The optimizer that wrote the state; `None` for a new state, and for records written
    /// before kinds were recorded.
    pub kind: Option<OptimizerKind>,
}

impl<const D: usize> MomentState<D> {
    /// A state at step 0 with zero moments shaped like `like`.
    pub fn zeros(like: &Tensor<D>) -> Self {
        Self {
            time: 0,
            m: like.zeros_like(),
            v: like.zeros_like(),
            v_max: None,
            kind: None,
        }
    }

    /// The state `kind` steps from: `state`, or zeros on a parameter's first step.
    ///
    /// # Panics
    /// If `state` was written by another kind of optimizer. Burn's `Optimizer::step` cannot
    /// return an error; load records with [`crate::record`]'s checked loads to get one instead.
    pub(crate) fn resume(state: Option<Self>, kind: OptimizerKind, like: &Tensor<D>) -> Self {
        match state {
            None => Self::zeros(like),
            Some(state) => {
                if let Some(recorded) = state.kind.filter(|&recorded| recorded != kind) {
                    panic!(
                        "optimizer state written by {recorded} cannot be stepped by {kind}: the \
                         record was saved by another optimizer (load records with \
                         burn_balanced_adam::record::load_checked to get this as an error)"
                    );
                }
                state
            }
        }
    }

    /// The state after a step of `kind`.
    pub(crate) fn stepped(kind: OptimizerKind, time: u64, m: Tensor<D>, v: Tensor<D>) -> Self {
        Self {
            time,
            m,
            v,
            v_max: None,
            kind: Some(kind),
        }
    }

    /// Moves the moments to `device`.
    pub fn to_device(self, device: &Device) -> Self {
        Self {
            time: self.time,
            m: self.m.to_device(device),
            v: self.v.to_device(device),
            v_max: self.v_max.map(|v_max| v_max.to_device(device)),
            kind: self.kind,
        }
    }
}

// Written by hand rather than derived: the derive expands to paths that must resolve at the
// crate root (see the Burn 0.22 notes), and these few leaves are clearer than that setup.
impl<const D: usize> RecordState for MomentState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_scalar(prefix, "time", Scalar::from(self.time));
        if let Some(kind) = self.kind {
            out.push_scalar(prefix, KIND_LEAF, Scalar::from(kind.code()));
        }
        out.push_tensor(prefix, "m", self.m.to_data());
        out.push_tensor(prefix, "v", self.v.to_data());
        if let Some(v_max) = &self.v_max {
            out.push_tensor(prefix, "v_max", v_max.to_data());
        }
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let time = u64::try_from(src.take_scalar(prefix, "time")?).ok()?;
        // Absent in records written before kinds were recorded; an unknown code is not ours.
        let kind = match src.take_scalar(prefix, KIND_LEAF) {
            None => None,
            Some(code) => Some(OptimizerKind::from_code(u64::try_from(code).ok()?)?),
        };
        let m = src.take_tensor(prefix, "m")?;
        let v = src.take_tensor(prefix, "v")?;
        let v_max = src.take_tensor(prefix, "v_max");
        // Burn falls back to a fresh state when this returns `None`; `record::load_checked`
        // reports these cases as errors before Burn sees the record.
        if m.rank() != D || v.shape() != m.shape() {
            return None;
        }
        if v_max
            .as_ref()
            .is_some_and(|v_max| v_max.shape() != m.shape())
        {
            return None;
        }
        Some(Self {
            time,
            m: Tensor::from_data(m, device),
            v: Tensor::from_data(v, device),
            v_max: v_max.map(|data| Tensor::from_data(data, device)),
            kind,
        })
    }
}
