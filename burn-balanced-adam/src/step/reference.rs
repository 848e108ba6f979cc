//! The reference steps: Burn tensor ops, on any backend. They define the math the fused
//! kernels reproduce. Scalars are f64 here; Burn rounds them to the tensor's dtype.

use burn::tensor::Tensor;

use super::scalars::{AdamScalars, Blend, Decay, Direction, EpsilonRule, FAdamScalars};
use crate::math::{rms, rms_clip_divisor};

/// Adam-family step: returns `(θ, m, v)`.
pub(crate) fn adam_step<const D: usize>(
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    v: Tensor<D>,
    s: &AdamScalars,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (theta, m, v) = decay_and_moments(theta, grad, m, v, s);
    let update = direction(&m, &v, s);
    (theta.sub(update), m, v)
}

/// The options of Burn's Adam/AdamW that have no fused form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AdamExtras {
    /// AMSGrad: the denominator uses the running maximum of `v`.
    pub amsgrad: bool,
    /// Cautious decoupled decay at this rate `ηλ`: `θ ← θ − ηλθ` only where θ and the new `m`
    /// have the same sign (Burn's `AdamWConfig::cautious_weight_decay`; `s.decay` is then
    /// `None`).
    pub cautious_decay: Option<f64>,
}

/// An Adam step with AMSGrad and/or cautious weight decay, as Burn's `Adam`/`AdamW` take it:
/// returns `(θ, m, v, v_max)`.
pub(crate) fn adam_extended_step<const D: usize>(
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    v: Tensor<D>,
    v_max: Option<Tensor<D>>,
    s: &AdamScalars,
    extras: AdamExtras,
) -> (Tensor<D>, Tensor<D>, Tensor<D>, Option<Tensor<D>>) {
    let (theta, m, v) = decay_and_moments(theta, grad, m, v, s);
    // Burn starts the maximum from the current `v` when there is none yet.
    let v_max = extras
        .amsgrad
        .then(|| v_max.map_or_else(|| v.clone(), |max| max.max_pair(v.clone())));
    let update = direction(&m, v_max.as_ref().unwrap_or(&v), s);
    let theta = match extras.cautious_decay {
        Some(rate) if rate != 0.0 => {
            let differ = theta
                .clone()
                .greater_equal_elem(0.0)
                .not_equal(m.clone().greater_equal_elem(0.0));
            theta
                .clone()
                .sub(theta.mul_scalar(rate).mask_fill(differ, 0.0))
        }
        _ => theta,
    };
    (theta.sub(update), m, v, v_max)
}

/// Weight decay, then the two moments: returns `(θ, m, v)`.
fn decay_and_moments<const D: usize>(
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    v: Tensor<D>,
    s: &AdamScalars,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (theta, grad) = match s.decay {
        Decay::None => (theta, grad),
        Decay::Coupled { lambda } => {
            let grad = grad.add(theta.clone().mul_scalar(lambda));
            (theta, grad)
        }
        Decay::Decoupled { factor } => (theta.mul_scalar(factor), grad),
    };
    let m = m
        .mul_scalar(s.beta_1)
        .add(grad.clone().mul_scalar(1.0 - s.beta_1));
    let v = v
        .mul_scalar(s.beta_2)
        .add(grad.square().mul_scalar(1.0 - s.beta_2));
    (theta, m, v)
}

/// The step the moments give, before the learning rate's sign: `θ_new = θ − direction`.
fn direction<const D: usize>(m: &Tensor<D>, v: &Tensor<D>, s: &AdamScalars) -> Tensor<D> {
    match s.direction {
        Direction::Adam {
            step_size,
            bc2_sqrt,
            epsilon,
        } => {
            let denom = v.clone().sqrt().div_scalar(bc2_sqrt).add_scalar(epsilon);
            m.clone().div(denom).mul_scalar(step_size)
        }
        Direction::Dual {
            lr,
            bc1,
            bc2,
            epsilon,
            blend,
        } => {
            // Multiplications by the host-side reciprocals: two divisions per element fewer than
            // `m / bc1` and `v / bc2`, which keeps the fused kernel memory-bound.
            let m_hat = m.clone().mul_scalar(1.0 / bc1);
            let d = v.clone().mul_scalar(1.0 / bc2).sqrt().add_scalar(epsilon);
            let direction = match blend {
                Blend::Divide => m_hat.div(d),
                Blend::Multiply => m_hat.mul(d),
                Blend::Mix { r } => {
                    m_hat.mul(d.clone().mul_scalar(r).add(d.recip().mul_scalar(1.0 - r)))
                }
            };
            direction.mul_scalar(lr)
        }
    }
}

/// The additive term `e` of FAdam's Fisher base, as a `[1, …, 1]` tensor on the device.
fn epsilon_term<const D: usize>(grad: &Tensor<D>, s: &FAdamScalars) -> Tensor<D> {
    let scale = rms(grad.clone());
    match s.epsilon {
        EpsilonRule::Adaptive { epsilon, epsilon_2 } => {
            // min(ε₂·s, ε) is ε₂·s when that is below ε, else ε; s = 0 falls back to ε.
            let scaled = scale.mul_scalar(epsilon_2).clamp_max(epsilon);
            let zero = scaled.clone().lower_equal_elem(0.0);
            power(scaled.mask_fill(zero, epsilon), 2.0 * s.p)
        }
        EpsilonRule::PaperV3 { epsilon } => scale.clamp_max(1.0).mul_scalar(epsilon),
    }
}

/// `x^e`, exact for the common `e = 1` and `e = 0.5` (no `pow` rounding).
fn power<const D: usize>(x: Tensor<D>, exponent: f64) -> Tensor<D> {
    if exponent == 1.0 {
        x
    } else if exponent == 0.5 {
        x.sqrt()
    } else {
        x.powf_scalar(exponent)
    }
}

/// What FAdam computes before its update: the new Fisher `f`, the natural gradient `g / base`
/// (base = `f^p + e`), and the clipping divisors as `[1, …, 1]` tensors.
struct FAdamParts<const D: usize> {
    fisher: Tensor<D>,
    natural: Tensor<D>,
    natural_divisor: Tensor<D>,
    /// `θ / base` and its divisor, when weight decay is on.
    decay: Option<(Tensor<D>, Tensor<D>)>,
}

fn fadam_parts<const D: usize>(
    theta: &Tensor<D>,
    grad: &Tensor<D>,
    fisher: Tensor<D>,
    s: &FAdamScalars,
) -> FAdamParts<D> {
    let decay = s.fisher_decay;
    let fisher = fisher
        .mul_scalar(decay)
        .add(grad.clone().square().mul_scalar(1.0 - decay));
    let epsilon = epsilon_term(grad, s);
    let base = power(fisher.clone(), s.p).add(epsilon);
    let natural = grad.clone().div(base.clone());
    let natural_divisor = rms_clip_divisor(&natural, s.clip);
    let decay = (s.weight_decay != 0.0).then(|| {
        let term = theta.clone().div(base.clone());
        let divisor = rms_clip_divisor(&term, s.clip);
        (term, divisor)
    });
    FAdamParts {
        fisher,
        natural,
        natural_divisor,
        decay,
    }
}

/// FAdam step: returns `(θ, m, f)`.
pub(crate) fn fadam_step<const D: usize>(
    theta: Tensor<D>,
    grad: Tensor<D>,
    m: Tensor<D>,
    fisher: Tensor<D>,
    s: &FAdamScalars,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let parts = fadam_parts(&theta, &grad, fisher, s);
    let natural_grad = parts.natural.div(parts.natural_divisor);
    let m = m
        .mul_scalar(s.beta_1)
        .add(natural_grad.mul_scalar(1.0 - s.beta_1));
    let direction = match parts.decay {
        None => m.clone(),
        Some((term, divisor)) => m.clone().add(term.div(divisor).mul_scalar(s.weight_decay)),
    };
    (theta.sub(direction.mul_scalar(s.lr)), m, parts.fisher)
}
