//! The scalars one optimizer step takes, shared by every implementation (reference, fused CPU,
//! fused GPU): decay, blend, direction, Adam's and FAdam's per-step numbers.

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

impl AdamScalars {
    /// Adam's step `t` (1-based) at rate `lr`, as PyTorch computes it:
    /// `θ −= (η / bc₁) · m / (sqrt(v) / sqrt(bc₂) + ε)` with `bcᵢ = 1 − βᵢᵗ`. Adam, AdamW and
    /// balanced Adam (β₁ = β₂) all build their scalars here.
    pub(crate) fn adam(
        beta_1: f64,
        beta_2: f64,
        epsilon: f64,
        lr: f64,
        t: u64,
        decay: Decay,
    ) -> Self {
        Self {
            beta_1,
            beta_2,
            decay,
            direction: Direction::Adam {
                step_size: lr / crate::math::bias_correction(beta_1, t),
                bc2_sqrt: crate::math::bias_correction(beta_2, t).sqrt(),
                epsilon,
            },
        }
    }
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

    /// RMS clipping's divisor `max(1, rms / c)`, in f32 as the reference has it. A NaN RMS
    /// (PaperV3's 0/0 on a tensor whose gradient is all zero) stays NaN, as in the reference
    /// and PyTorch: `f32::max` would silently drop it and hide the failure in part of the tensor.
    pub(crate) fn clip_divisor(&self, rms: f32) -> f32 {
        if rms.is_nan() {
            f32::NAN
        } else {
            (rms / self.clip as f32).max(1.0)
        }
    }
}
