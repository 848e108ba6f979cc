//! The fused steps as a Burn backend extension: one trait, implemented by each backend that has
//! a kernel (Flex; CubeCL under the `cube` feature, wrapped lazily for Burn's fusion), and
//! reached from a `Tensor` through Burn's dispatch. [`supports`] decides by device and dtype
//! before anything is dispatched, because calling an extension on a backend without an
//! implementation panics.

// A build with fewer kernels (no `flex`, or no `cube`) generates dispatch code for traits
// whose backends are all compiled out, leaving some arguments and imports unused.
#![cfg_attr(
    not(all(feature = "flex", feature = "cube")),
    allow(unused_imports, unused_variables)
)]

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, DispatchDevice, backend_extension};
use burn::tensor::{DType, Tensor};

use super::scalars::{AdamScalars, FAdamScalars};

/// `(θ, m, v)` as backend primitives.
type Triple<B> = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

/// The fused Adam-family step a backend implements: consumes θ and the two moments and returns
/// their new values, updated in place where the buffers are not shared.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    Cube: cfg(feature = "cube"),
    Fusion: cfg(feature = "cube")
)]
pub trait FusedAdamBackend: Backend {
    /// Adam-family step; returns `(θ, m, v)`.
    #[fusion(meta = |theta, _grad, m, v, _scalars| (theta.clone(), m.clone(), v.clone()))]
    fn fused_adam_step(
        theta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        scalars: AdamScalars,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// The fused FAdam step: its per-tensor reductions and its update in the kernels' own passes
/// (Flex: a multi-threaded loop; CubeCL: reduction kernels, then one update kernel); returns
/// `(θ, m, f)`.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    Cube: cfg(feature = "cube"),
    Fusion: cfg(feature = "cube")
)]
pub trait FusedFAdamBackend: Backend {
    /// FAdam step; returns `(θ, m, f)`.
    #[fusion(meta = |theta, _grad, m, fisher, _scalars| (theta.clone(), m.clone(), fisher.clone()))]
    fn fused_fadam_step(
        theta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        fisher: FloatTensor<Self>,
        scalars: FAdamScalars,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

#[cfg(feature = "flex")]
impl FusedAdamBackend for burn::backend::Flex {
    fn fused_adam_step(
        theta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        scalars: AdamScalars,
    ) -> Triple<Self> {
        super::flex::adam_step(theta, grad, m, v, &scalars)
    }
}

#[cfg(feature = "flex")]
impl FusedFAdamBackend for burn::backend::Flex {
    fn fused_fadam_step(
        theta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        fisher: FloatTensor<Self>,
        scalars: FAdamScalars,
    ) -> Triple<Self> {
        super::flex::fadam_step(theta, grad, m, fisher, &scalars)
    }
}

#[cfg(feature = "cube")]
impl FusedAdamBackend for burn_cubecl::CubeBackend {
    fn fused_adam_step(
        theta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        scalars: AdamScalars,
    ) -> Triple<Self> {
        super::cube::adam_step(theta, grad, m, v, &scalars)
    }
}

#[cfg(feature = "cube")]
impl FusedFAdamBackend for burn_cubecl::CubeBackend {
    fn fused_fadam_step(
        theta: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        fisher: FloatTensor<Self>,
        scalars: FAdamScalars,
    ) -> Triple<Self> {
        super::cube_fadam::fadam_step(theta, grad, m, fisher, &scalars)
    }
}

/// Which optimizer's kernel is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    Adam,
    FAdam,
}

impl Kernel {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kernel::Adam => "Adam-family",
            Kernel::FAdam => "FAdam",
        }
    }
}

/// Whether this tensor's backend has `kernel` here, and the tensor is f32. The table names
/// every (backend, kernel) pair, so a new kernel is not taken as present on a backend that
/// lacks it: adding a `Kernel` variant fails to compile until each backend says whether it has it.
pub(crate) fn supports<const D: usize>(tensor: &Tensor<D>, kernel: Kernel) -> bool {
    if tensor.dtype() != DType::F32 {
        return false;
    }
    #[allow(unreachable_patterns)] // which devices exist depends on Burn's features
    match tensor.device().as_dispatch() {
        #[cfg(feature = "flex")]
        DispatchDevice::Flex(_) => match kernel {
            Kernel::Adam | Kernel::FAdam => true,
        },
        #[cfg(feature = "cube")]
        DispatchDevice::Cube(_) => match kernel {
            Kernel::Adam | Kernel::FAdam => true,
        },
        _ => false,
    }
}

type Tensors<const D: usize> = (Tensor<D>, Tensor<D>, Tensor<D>);

fn from_dispatch<const D: usize>(out: Triple<Dispatch>) -> Tensors<D> {
    let (a, b, c) = out;
    (
        Tensor::from_dispatch(a),
        Tensor::from_dispatch(b),
        Tensor::from_dispatch(c),
    )
}

/// The fused Adam-family step; callers check [`supports`] first.
pub(crate) fn adam_step<const D: usize>(
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    v: Tensor<D>,
    scalars: &AdamScalars,
) -> Tensors<D> {
    from_dispatch(<Dispatch as FusedAdamBackend>::fused_adam_step(
        theta.into_dispatch(),
        grad.into_dispatch(),
        m.into_dispatch(),
        v.into_dispatch(),
        *scalars,
    ))
}

/// The fused FAdam step; callers check [`supports`] first.
pub(crate) fn fadam_step<const D: usize>(
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    fisher: Tensor<D>,
    scalars: &FAdamScalars,
) -> Tensors<D> {
    from_dispatch(<Dispatch as FusedFAdamBackend>::fused_fadam_step(
        theta.into_dispatch(),
        grad.into_dispatch(),
        m.into_dispatch(),
        fisher.into_dispatch(),
        *scalars,
    ))
}
