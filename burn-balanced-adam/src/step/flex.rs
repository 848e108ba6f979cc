//! Fused steps on Flex (Burn's CPU backend): one loop over the tensors' own buffers, split
//! across rayon's threads, updating θ, m and v in place.
//!
//! Every (decay, direction) pair is its own monomorphic loop, so the compiler vectorizes the
//! element math. The Adam family uses the reference's operations, in its order and with its
//! f32 scalars, which makes the result bit-identical to it; FAdam sums its RMS norms in f32
//! lanes and f64 blocks and divides once per element, so it agrees with the reference to
//! rounding.

use burn::backend::flex::FlexTensor;
use rayon::prelude::*;

use super::scalars::{AdamScalars, Blend, Decay, Direction, FAdamScalars, power_f32};

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

/// Runs `body` compiled for 256-bit vectors (AVX2) when the CPU has them, else as built.
///
/// The element math has no fused multiply-adds (Rust never contracts `a * b + c`), and IEEE
/// `+ − × ÷ √` round the same at any vector width, so both versions give the same bits; the
/// wide one does twice the work per instruction, which matters for FAdam's roots and divisions.
#[inline(always)]
fn wide<R>(body: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { with_avx2(body) };
    }
    body()
}

/// `body`, inlined into a function compiled with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn with_avx2<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// Runs `kernel` over matching chunks of one read-only and three written buffers.
fn for_each_chunk<K>(theta: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], kernel: K)
where
    K: Fn(&mut [f32], &[f32], &mut [f32], &mut [f32]) + Sync,
{
    if theta.len() <= CHUNK {
        wide(|| kernel(theta, grad, m, v));
        return;
    }
    theta
        .par_chunks_mut(CHUNK)
        .zip(grad.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|(((theta, grad), m), v)| wide(|| kernel(theta, grad, m, v)));
}

/// Sums `K` per-element terms over chunks of `0..len` in f64, in parallel. `kernel` picks its
/// own vector width: a large closure body passed through [`wide`] is not inlined into the AVX2
/// function and runs as scalar SSE code (seen in a profile of FAdam's read pass).
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
            let (lr, inv_bc1, inv_bc2) = (lr as f32, (1.0 / bc1) as f32, (1.0 / bc2) as f32);
            let epsilon = epsilon as f32;
            let moments = move |m: f32, v: f32| (m * inv_bc1, (v * inv_bc2).sqrt() + epsilon);
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

/// The FAdam step: one read pass for `RMS(g)` and the two clipping norms (two when the
/// gradient is so small that ε adapts to it), one update pass. Returns `(θ, m, f)`.
pub(crate) fn fadam_step(
    theta: FlexTensor,
    grad: FlexTensor,
    m: FlexTensor,
    fisher: FlexTensor,
    s: &FAdamScalars,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    with_buffers(theta, grad, m, fisher, |theta, grad, m, fisher| {
        // Monomorphic loops for the common powers, so that none branches per element.
        let p = s.p as f32;
        let buffers = (theta, grad, m, fisher);
        match (s.weight_decay == 0.0, p) {
            (true, 0.5) => fadam_passes::<false, _>(s, buffers, |f: f32| f.sqrt()),
            (false, 0.5) => fadam_passes::<true, _>(s, buffers, |f: f32| f.sqrt()),
            (true, _) => fadam_passes::<false, _>(s, buffers, move |f| power_f32(f, p)),
            (false, _) => fadam_passes::<true, _>(s, buffers, move |f| power_f32(f, p)),
        }
    })
}

/// Lanes of an f32 partial sum: independent accumulators the compiler keeps in vector registers.
const LANES: usize = 16;
/// Elements summed in f32 before the partial sum moves to f64.
const BLOCK: usize = LANES * 16;

/// FAdam's read pass over one chunk: `[Σg², Σ(g/b)², Σ(θ/b)²]` (the last 0 without decay),
/// with `b = f_new^p + e` and `(decay, 1 − decay, e)` in `c`. Summed in f32 lanes within
/// blocks and in f64 across them (a sequential f64 sum would be bound by the latency of its
/// additions), and written out without closures so that the whole loop is compiled with the
/// caller's target features (AVX2 through [`fadam_read_sums_wide`]).
#[inline(always)]
fn fadam_read_sums<const DECAY: bool, P>(
    f: &[f32],
    g: &[f32],
    t: &[f32],
    (decay, one_minus_decay, e): (f32, f32, f32),
    power: P,
) -> [f64; 3]
where
    P: Fn(f32) -> f32 + Copy,
{
    let mut total = [0.0f64; 3];
    let blocks = f.chunks(BLOCK).zip(g.chunks(BLOCK)).zip(t.chunks(BLOCK));
    for ((f, g), t) in blocks {
        let ((f_rows, f_rest), (g_rows, g_rest), (t_rows, t_rest)) = (
            f.as_chunks::<LANES>(),
            g.as_chunks::<LANES>(),
            t.as_chunks::<LANES>(),
        );
        let mut lanes = [[0.0f32; LANES]; 3];
        for ((f, g), t) in f_rows.iter().zip(g_rows).zip(t_rows) {
            for lane in 0..LANES {
                let (fv, gv) = (f[lane], g[lane]);
                let f_new = fv * decay + (gv * gv) * one_minus_decay;
                let inv_b = 1.0 / (power(f_new) + e);
                let natural = gv * inv_b;
                lanes[0][lane] += gv * gv;
                lanes[1][lane] += natural * natural;
                if DECAY {
                    let d = t[lane] * inv_b;
                    lanes[2][lane] += d * d;
                }
            }
        }
        for ((&fv, &gv), &tv) in f_rest.iter().zip(g_rest).zip(t_rest) {
            let f_new = fv * decay + (gv * gv) * one_minus_decay;
            let inv_b = 1.0 / (power(f_new) + e);
            let natural = gv * inv_b;
            lanes[0][0] += gv * gv;
            lanes[1][0] += natural * natural;
            if DECAY {
                let d = tv * inv_b;
                lanes[2][0] += d * d;
            }
        }
        for k in 0..3 {
            total[k] += lanes[k].iter().map(|&x| f64::from(x)).sum::<f64>();
        }
    }
    total
}

/// [`fadam_read_sums`] compiled for AVX2 when the CPU has it (same bits: see [`wide`]).
fn fadam_read_sums_wide<const DECAY: bool, P>(
    f: &[f32],
    g: &[f32],
    t: &[f32],
    c: (f32, f32, f32),
    power: P,
) -> [f64; 3]
where
    P: Fn(f32) -> f32 + Copy,
{
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2<const DECAY: bool, P: Fn(f32) -> f32 + Copy>(
            f: &[f32],
            g: &[f32],
            t: &[f32],
            c: (f32, f32, f32),
            power: P,
        ) -> [f64; 3] {
            fadam_read_sums::<DECAY, P>(f, g, t, c, power)
        }
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { avx2::<DECAY, P>(f, g, t, c, power) };
    }
    fadam_read_sums::<DECAY, P>(f, g, t, c, power)
}

type FAdamBuffers<'a> = (&'a mut [f32], &'a [f32], &'a mut [f32], &'a mut [f32]);

fn fadam_passes<const DECAY: bool, P>(
    s: &FAdamScalars,
    (theta, grad, m, fisher): FAdamBuffers<'_>,
    power: P,
) where
    P: Fn(f32) -> f32 + Sync + Copy,
{
    let n = theta.len() as f64;
    let rms = |sum_sq: f64| (sum_sq / n).sqrt() as f32;

    let (decay, one_minus_decay) = (s.fisher_decay as f32, (1.0 - s.fisher_decay) as f32);
    let base = move |f: f32, g: f32, e: f32| {
        let f_new = f * decay + (g * g) * one_minus_decay;
        (f_new, power(f_new) + e)
    };

    // The read pass: Σg² (for the adaptive ε) and, for a given ε term, the squared norms of the
    // natural gradient g / base and, with decay, of θ / base.
    let (theta_ro, fisher_ro) = (&*theta, &*fisher);
    let read_pass = |e: f32| {
        sum_chunks(grad.len(), |range| {
            let (f, g, t) = (
                &fisher_ro[range.clone()],
                &grad[range.clone()],
                &theta_ro[range],
            );
            fadam_read_sums_wide::<DECAY, _>(f, g, t, (decay, one_minus_decay, e), power)
        })
    };
    // ε depends on RMS(g) only when the gradient is tiny (ε₂·RMS(g) < ε); otherwise it is the
    // constant of an infinitely large gradient. Guess that, and read again only if wrong: the
    // common case saves a pass over g, and either way the sums are those of the exact ε.
    let e_guess = s.epsilon_term(f32::INFINITY);
    let [grad_sq, mut natural_sq, mut decay_sq] = read_pass(e_guess);
    let e = s.epsilon_term(rms(grad_sq));
    if e.to_bits() != e_guess.to_bits() {
        [_, natural_sq, decay_sq] = read_pass(e);
    }
    // One division per element (1/base); the rest are multiplications by reciprocals, which
    // rounds slightly differently from the reference's divisions (FAdam is compared to rounding).
    let natural_scale = 1.0 / s.clip_divisor(rms(natural_sq));
    let decay_scale = 1.0 / s.clip_divisor(rms(decay_sq));

    // The update pass, in place.
    let (b1, one_minus_b1) = (s.beta_1 as f32, (1.0 - s.beta_1) as f32);
    let (weight_decay, lr) = (s.weight_decay as f32, s.lr as f32);
    for_each_chunk(theta, grad, m, fisher, |theta, grad, m, fisher| {
        let rows = theta
            .iter_mut()
            .zip(grad)
            .zip(m.iter_mut())
            .zip(fisher.iter_mut());
        for (((theta, &g), m), f) in rows {
            let (f_new, b) = base(*f, g, e);
            let inv_b = 1.0 / b;
            let m_new = *m * b1 + (g * inv_b * natural_scale) * one_minus_b1;
            let direction = if DECAY {
                m_new + (*theta * inv_b * decay_scale) * weight_decay
            } else {
                m_new
            };
            *theta -= direction * lr;
            *m = m_new;
            *f = f_new;
        }
    });
}
