//! Fused steps on the CubeCL backends (wgpu, CUDA): one kernel launch per tensor and step,
//! one unit per element, θ, m and v rewritten in place.
//!
//! The weight-decay mode and the direction are compile-time parameters of the kernel, so each
//! variant compiles to straight-line code; the arithmetic is the reference's, in its order.
//! FAdam's step, which needs per-tensor reductions first, is in [`super::cube_fadam`].

use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::tensor::CubeTensor;
use cubecl::calculate_cube_count_elemwise;
use cubecl::prelude::*;

use super::scalars::{AdamScalars, Blend, Decay, Direction};

/// Comptime codes of the kernel variants.
const DECAY_NONE: u32 = 0;
const DECAY_COUPLED: u32 = 1;
const DECAY_DECOUPLED: u32 = 2;
const DIRECTION_ADAM: u32 = 0;
const DIRECTION_DIVIDE: u32 = 1;
const DIRECTION_MULTIPLY: u32 = 2;
const DIRECTION_MIX: u32 = 3;

/// The step's scalars, rounded to f32 as the reference's scalar ops round them.
/// `decay_value` is λ (coupled) or `1 − ηλ` (decoupled). Adam direction:
/// `c = [step_size, bc2_sqrt, ε, –]`; DualAdam: `c = [η, 1/bc1, 1/bc2, ε]`, with `r` and `1 − r`.
#[derive(CubeLaunch, CubeType)]
struct AdamArgs {
    beta_1: f32,
    one_minus_beta_1: f32,
    beta_2: f32,
    one_minus_beta_2: f32,
    decay_value: f32,
    c0: f32,
    c1: f32,
    c2: f32,
    c3: f32,
    r: f32,
    one_minus_r: f32,
}

/// The Adam-family element update.
#[cube(launch_unchecked)]
fn adam_kernel(
    theta: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    a: AdamArgs,
    #[comptime] decay: u32,
    #[comptime] direction: u32,
) {
    let i = ABSOLUTE_POS;
    if i >= theta.len() {
        terminate!();
    }
    let mut t = theta[i];
    let mut g = grad[i];
    if comptime![decay == DECAY_COUPLED] {
        g += t * a.decay_value;
    } else if comptime![decay == DECAY_DECOUPLED] {
        t *= a.decay_value;
    }
    let m_new = m[i] * a.beta_1 + g * a.one_minus_beta_1;
    let v_new = v[i] * a.beta_2 + (g * g) * a.one_minus_beta_2;
    let m_hat = m_new * a.c1;
    let d = (v_new * a.c2).sqrt() + a.c3;
    let update = if comptime![direction == DIRECTION_ADAM] {
        (m_new / (v_new.sqrt() / a.c1 + a.c2)) * a.c0
    } else if comptime![direction == DIRECTION_DIVIDE] {
        (m_hat / d) * a.c0
    } else if comptime![direction == DIRECTION_MULTIPLY] {
        (m_hat * d) * a.c0
    } else {
        (m_hat * (d * a.r + (1.0 / d) * a.one_minus_r)) * a.c0
    };
    theta[i] = t - update;
    m[i] = m_new;
    v[i] = v_new;
}

/// A contiguous tensor this step may overwrite: a copy when its buffer is shared or strided.
pub(super) fn writable(tensor: CubeTensor) -> CubeTensor {
    let tensor = contiguous(tensor);
    if tensor.can_mut() {
        tensor
    } else {
        tensor.copy()
    }
}

pub(super) fn contiguous(tensor: CubeTensor) -> CubeTensor {
    if tensor.is_contiguous() && tensor.is_contiguous_buffer() {
        tensor
    } else {
        into_contiguous(tensor)
    }
}

/// The Adam-family step as one kernel launch; returns `(θ, m, v)`.
pub(crate) fn adam_step(
    theta: CubeTensor,
    grad: CubeTensor,
    m: CubeTensor,
    v: CubeTensor,
    s: &AdamScalars,
) -> (CubeTensor, CubeTensor, CubeTensor) {
    let (theta, grad, m, v) = (writable(theta), contiguous(grad), writable(m), writable(v));
    let (decay, decay_value) = match s.decay {
        Decay::None => (DECAY_NONE, 0.0),
        Decay::Coupled { lambda } => (DECAY_COUPLED, lambda),
        Decay::Decoupled { factor } => (DECAY_DECOUPLED, factor),
    };
    let (direction, c, (r, one_minus_r)) = match s.direction {
        Direction::Adam {
            step_size,
            bc2_sqrt,
            epsilon,
        } => (
            DIRECTION_ADAM,
            [step_size, bc2_sqrt, epsilon, 0.0],
            (0.0, 0.0),
        ),
        Direction::Dual {
            lr,
            bc1,
            bc2,
            epsilon,
            blend,
        } => {
            let (code, r) = match blend {
                Blend::Divide => (DIRECTION_DIVIDE, (0.0, 0.0)),
                Blend::Multiply => (DIRECTION_MULTIPLY, (0.0, 0.0)),
                Blend::Mix { r } => (DIRECTION_MIX, (r, 1.0 - r)),
            };
            (code, [lr, 1.0 / bc1, 1.0 / bc2, epsilon], r)
        }
    };
    let args = AdamArgsLaunch::new(
        s.beta_1 as f32,
        (1.0 - s.beta_1) as f32,
        s.beta_2 as f32,
        (1.0 - s.beta_2) as f32,
        decay_value as f32,
        c[0] as f32,
        c[1] as f32,
        c[2] as f32,
        c[3] as f32,
        r as f32,
        one_minus_r as f32,
    );
    let client = theta.client.clone();
    let n = theta.meta.num_elements();
    let cube_dim = CubeDim::new(&client, n);
    let cube_count = calculate_cube_count_elemwise(&client, n, cube_dim);
    // SAFETY: every buffer holds `n` f32 (contiguous, checked above); the kernel bounds-checks
    // its index against `theta.len()`, and θ, m and v are uniquely owned (`writable`).
    unsafe {
        adam_kernel::launch_unchecked(
            &client,
            cube_count,
            cube_dim,
            theta.clone().into_buffer_arg(),
            grad.into_buffer_arg(),
            m.clone().into_buffer_arg(),
            v.clone().into_buffer_arg(),
            args,
            decay,
            direction,
        );
    }
    (theta, m, v)
}
