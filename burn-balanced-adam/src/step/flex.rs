//! Fused steps on Flex (Burn's CPU backend): one loop over the tensors' own buffers, split
//! across rayon's threads, updating θ, m and v in place.
//!
//! Every (decay, direction) pair is its own monomorphic loop, so the compiler vectorizes the
//! element math; the operations are those of the reference, in its order and with its f32
//! scalars, which makes the result bit-identical to it.

use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::{AdamScalars, Blend, Decay, Direction, FAdamScalars, power_f32};

/// Elements per parallel task: large enough to amortize scheduling, small enough to balance.
const CHUNK: usize = 1 << 15;

/// A tensor whose buffer is exactly its elements, in order (copied only if it was a view).
fn contiguous(tensor: FlexTensor) -> FlexTensor {
    let exact = tensor.layout().contiguous_offsets() == Some((0, tensor.layout().num_elements()))
        && tensor.bytes().len() == tensor.layout().num_elements() * size_of::<f32>();
    if exact {
        tensor
    } else {
        let copy = tensor.to_contiguous();
        drop(tensor); // release the view so that `copy` owns its buffer uniquely
        copy
    }
}

/// Runs `kernel` over matching chunks of one read-only and three written buffers.
fn for_each_chunk<K>(theta: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], kernel: K)
where
    K: Fn(&mut [f32], &[f32], &mut [f32], &mut [f32]) + Sync,
{
    if theta.len() <= CHUNK {
        kernel(theta, grad, m, v);
        return;
    }
    theta
        .par_chunks_mut(CHUNK)
        .zip(grad.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|(((theta, grad), m), v)| kernel(theta, grad, m, v));
}

/// Sums `K` per-element terms over chunks of `0..len` in f64, in parallel.
fn sum_chunks<const K: usize, F>(len: usize, kernel: F) -> [f64; K]
where
    F: Fn(std::ops::Range<usize>) -> [f64; K] + Sync,
{
    if len <= CHUNK {
        return kernel(0..len);
    }
    (0..len.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| kernel(chunk * CHUNK..((chunk + 1) * CHUNK).min(len)))
        .reduce(|| [0.0; K], |a, b| std::array::from_fn(|k| a[k] + b[k]))
}

/// Takes the four tensors' buffers and runs `body` on them; returns `(θ, m, v)`.
fn with_buffers(
    theta: FlexTensor,
    grad: FlexTensor,
    m: FlexTensor,
    v: FlexTensor,
    body: impl FnOnce(&mut [f32], &[f32], &mut [f32], &mut [f32]),
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let (mut theta, grad, mut m, mut v) = (
        contiguous(theta),
        contiguous(grad),
        contiguous(m),
        contiguous(v),
    );
    // `storage_mut` copies a buffer that something else still shares (copy-on-write), so a
    // parameter that the caller kept a handle to is never modified behind its back.
    body(
        theta.storage_mut::<f32>(),
        grad.storage::<f32>(),
        m.storage_mut::<f32>(),
        v.storage_mut::<f32>(),
    );
    (theta, m, v)
}

/// The Adam-family step, in place: returns `(θ, m, v)`.
pub(crate) fn adam_step(
    theta: FlexTensor,
    grad: FlexTensor,
    m: FlexTensor,
    v: FlexTensor,
    s: &AdamScalars,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    with_buffers(theta, grad, m, v, |theta, grad, m, v| match s.decay {
        Decay::None => with_direction(s, theta, grad, m, v, |theta, grad| (theta, grad)),
        Decay::Coupled { lambda } => {
            let lambda = lambda as f32;
            with_direction(s, theta, grad, m, v, move |theta, grad| {
                (theta, grad + theta * lambda)
            })
        }
        Decay::Decoupled { factor } => {
            let factor = factor as f32;
            with_direction(s, theta, grad, m, v, move |theta, grad| {
                (theta * factor, grad)
            })
        }
    })
}

/// Picks the direction's loop for a given weight-decay prologue.
fn with_direction<P>(
    s: &AdamScalars,
    theta: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    prologue: P,
) where
    P: Fn(f32, f32) -> (f32, f32) + Sync + Copy,
{
    match s.direction {
        Direction::Adam {
            step_size,
            bc2_sqrt,
            epsilon,
        } => {
            let (step_size, bc2_sqrt, epsilon) =
                (step_size as f32, bc2_sqrt as f32, epsilon as f32);
            adam_loop(s, theta, grad, m, v, prologue, move |m, v| {
                (m / (v.sqrt() / bc2_sqrt + epsilon)) * step_size
            })
        }
        Direction::Dual {
            lr,
            bc1,
            bc2,
            epsilon,
            blend,
        } => {
            let (lr, bc1, bc2, epsilon) = (lr as f32, bc1 as f32, bc2 as f32, epsilon as f32);
            let moments = move |m: f32, v: f32| (m / bc1, (v / bc2).sqrt() + epsilon);
            match blend {
                Blend::Divide => adam_loop(s, theta, grad, m, v, prologue, move |m, v| {
                    let (m_hat, d) = moments(m, v);
                    (m_hat / d) * lr
                }),
                Blend::Multiply => adam_loop(s, theta, grad, m, v, prologue, move |m, v| {
                    let (m_hat, d) = moments(m, v);
                    (m_hat * d) * lr
                }),
                Blend::Mix { r } => {
                    let (r, one_minus_r) = (r as f32, (1.0 - r) as f32);
                    adam_loop(s, theta, grad, m, v, prologue, move |m, v| {
                        let (m_hat, d) = moments(m, v);
                        (m_hat * (d * r + (1.0 / d) * one_minus_r)) * lr
                    })
                }
            }
        }
    }
}

/// The one pass: decay prologue, both moments, `θ ← θ − update(m, v)`.
fn adam_loop<P, U>(
    s: &AdamScalars,
    theta: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    prologue: P,
    update: U,
) where
    P: Fn(f32, f32) -> (f32, f32) + Sync + Copy,
    U: Fn(f32, f32) -> f32 + Sync + Copy,
{
    let (b1, one_minus_b1) = (s.beta_1 as f32, (1.0 - s.beta_1) as f32);
    let (b2, one_minus_b2) = (s.beta_2 as f32, (1.0 - s.beta_2) as f32);
    for_each_chunk(theta, grad, m, v, |theta, grad, m, v| {
        let rows = theta
            .iter_mut()
            .zip(grad)
            .zip(m.iter_mut())
            .zip(v.iter_mut());
        for (((theta, &grad), m), v) in rows {
            let (t, g) = prologue(*theta, grad);
            let m_new = *m * b1 + g * one_minus_b1;
            let v_new = *v * b2 + (g * g) * one_minus_b2;
            *theta = t - update(m_new, v_new);
            *m = m_new;
            *v = v_new;
        }
    });
}

/// The FAdam step: one read pass for `RMS(g)`, one for the two clipping norms, one update
/// pass. Returns `(θ, m, f)`.
pub(crate) fn fadam_step(
    theta: FlexTensor,
    grad: FlexTensor,
    m: FlexTensor,
    fisher: FlexTensor,
    s: &FAdamScalars,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    with_buffers(theta, grad, m, fisher, |theta, grad, m, fisher| {
        if s.weight_decay == 0.0 {
            fadam_passes::<false>(s, theta, grad, m, fisher)
        } else {
            fadam_passes::<true>(s, theta, grad, m, fisher)
        }
    })
}

fn fadam_passes<const DECAY: bool>(
    s: &FAdamScalars,
    theta: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    fisher: &mut [f32],
) {
    let n = theta.len() as f64;
    let rms = |sum_sq: f64| (sum_sq / n).sqrt() as f32;

    let [grad_sq] = sum_chunks(grad.len(), |range| {
        [grad[range].iter().map(|&g| f64::from(g * g)).sum()]
    });
    let e = s.epsilon_term(rms(grad_sq));
    let (decay, one_minus_decay) = (s.fisher_decay as f32, (1.0 - s.fisher_decay) as f32);
    let p = s.p as f32;
    let base = move |f: f32, g: f32| {
        let f_new = f * decay + (g * g) * one_minus_decay;
        (f_new, power_f32(f_new, p) + e)
    };

    // Pass 2: the RMS of the natural gradient g / base and, with decay, of θ / base.
    let (theta_ro, fisher_ro) = (&*theta, &*fisher);
    let [natural_sq, decay_sq] = sum_chunks(grad.len(), |range| {
        let mut sums = [0.0; 2];
        for i in range {
            let (_, b) = base(fisher_ro[i], grad[i]);
            let natural = grad[i] / b;
            sums[0] += f64::from(natural * natural);
            if DECAY {
                let decay = theta_ro[i] / b;
                sums[1] += f64::from(decay * decay);
            }
        }
        sums
    });
    let natural_div = s.clip_divisor(rms(natural_sq));
    let decay_div = s.clip_divisor(rms(decay_sq));

    // Pass 3: the update, in place.
    let (b1, one_minus_b1) = (s.beta_1 as f32, (1.0 - s.beta_1) as f32);
    let (weight_decay, lr) = (s.weight_decay as f32, s.lr as f32);
    for_each_chunk(theta, grad, m, fisher, |theta, grad, m, fisher| {
        let rows = theta
            .iter_mut()
            .zip(grad)
            .zip(m.iter_mut())
            .zip(fisher.iter_mut());
        for (((theta, &g), m), f) in rows {
            let (f_new, b) = base(*f, g);
            let m_new = *m * b1 + ((g / b) / natural_div) * one_minus_b1;
            let direction = if DECAY {
                m_new + ((*theta / b) / decay_div) * weight_decay
            } else {
                m_new
            };
            *theta -= direction * lr;
            *m = m_new;
            *f = f_new;
        }
    });
}
