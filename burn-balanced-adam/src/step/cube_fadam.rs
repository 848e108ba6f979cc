//! FAdam's fused step on the CubeCL backends (wgpu, CUDA): its per-tensor reductions and its
//! update as four small kernels over the tensor, with no full-size temporaries.
//!
//! FAdam needs three per-tensor sums before it can update: Σg² (the adaptive ε's RMS(g)), and
//! Σ(g/base)² and Σ(θ/base)² (the two RMS-clipping norms), where `base = f^p + e` itself
//! depends on RMS(g). The first pass therefore guesses `e`: its value whenever the gradient's
//! RMS is not tiny (ε^(2p) with the adaptive rule, ε with paper v3's), which is every real step
//! but the rarest. A one-cube kernel then finishes the sums, checks the guess and either writes
//! the three scalars or flags a second pass with the true `e`; the second pass's kernels read
//! the flag on the device and return at once when it is clear, so the host never waits for a
//! value. The update kernel then reads `[e, natural-gradient divisor, decay-term divisor]` and
//! rewrites θ, m and f in place. Sums are f32 per unit, then a tree in shared memory: the same
//! rounding class as the reference's `mean`, in another order.

use burn_cubecl::tensor::CubeTensor;
use cubecl::calculate_cube_count_elemwise;
use cubecl::prelude::*;

use super::cube::{contiguous, writable};
use super::scalars::{EpsilonRule, FAdamScalars, power_f32};

/// Comptime codes of `x^p` (`f^p`, and `e`'s `(·)^(2p)`).
const POWER_SQRT: u32 = 0;
const POWER_ONE: u32 = 1;
const POWER_GENERAL: u32 = 2;

/// Comptime codes of the ε rule.
const EPSILON_ADAPTIVE: u32 = 0;
const EPSILON_PAPER_V3: u32 = 1;

/// Units per cube of the reduction kernels: 128 is the least every Vulkan device must allow.
const REDUCE_UNITS: u32 = 128;
/// Shared memory of the reductions: three running sums per unit.
const SHARED_LEN: usize = 384;
/// Most cubes of the partial-sum pass: each unit strides over the tensor, so 2048 × 128 units
/// fill a large GPU and leave the final sum one cube's work.
const MAX_PARTIAL_CUBES: usize = 2048;

/// The code of `x^exponent`, exact for the exponents 1 and ½ (as the reference computes them).
fn power_code(exponent: f32) -> u32 {
    if exponent == 0.5 {
        POWER_SQRT
    } else if exponent == 1.0 {
        POWER_ONE
    } else {
        POWER_GENERAL
    }
}

#[cube]
fn power(x: f32, exponent: f32, #[comptime] code: u32) -> f32 {
    if comptime![code == POWER_SQRT] {
        x.sqrt()
    } else if comptime![code == POWER_ONE] {
        x
    } else {
        x.powf(exponent)
    }
}

/// The scalars of the reduction kernels, rounded to f32 as the reference rounds them.
#[derive(CubeLaunch, CubeType)]
struct NormArgs {
    fisher_decay: f32,
    one_minus_fisher_decay: f32,
    p: f32,
    two_p: f32,
    epsilon: f32,
    epsilon_2: f32,
    clip: f32,
    /// The first pass's `e`: its value unless the gradient's RMS is tiny.
    e_guess: f32,
    /// The element count, as the reference's `mean` divides by it.
    count: f32,
}

/// Reduces this cube's three running sums in shared memory; unit 0 gets the totals.
#[cube]
fn cube_sums(shared: &mut Shared<[f32]>, sum_g: f32, sum_n: f32, sum_w: f32) {
    let u = UNIT_POS as usize;
    shared[3 * u] = sum_g;
    shared[3 * u + 1] = sum_n;
    shared[3 * u + 2] = sum_w;
    sync_cube();
    let mut width = (CUBE_DIM / 2) as usize;
    while width > 0 {
        if u < width {
            let other = 3 * (u + width);
            shared[3 * u] += shared[other];
            shared[3 * u + 1] += shared[other + 1];
            shared[3 * u + 2] += shared[other + 2];
        }
        sync_cube();
        width /= 2;
    }
}

/// Per-cube partial sums `[Σg², Σ(g/base)², Σ(θ/base)²]` with `base = f_new^p + e`; `e` is the
/// guess (first pass) or `norms[0]` (second pass, which returns at once unless flagged).
#[cube(launch_unchecked)]
fn partial_sums_kernel(
    theta: &[f32],
    grad: &[f32],
    fisher: &[f32],
    norms: &[f32],
    partials: &mut [f32],
    a: NormArgs,
    #[comptime] power_p: u32,
    #[comptime] second: bool,
) {
    let mut e = a.e_guess;
    if comptime![second] {
        // The guess held (flag clear): nothing to redo. Uniform over the cube.
        if norms[3] == 0.0 {
            terminate!();
        }
        e = norms[0];
    }
    let n = theta.len();
    let stride = CUBE_COUNT * (CUBE_DIM as usize);
    let mut i = ABSOLUTE_POS;
    let mut sum_g = 0.0f32;
    let mut sum_n = 0.0f32;
    let mut sum_w = 0.0f32;
    while i < n {
        let g = grad[i];
        let f = fisher[i] * a.fisher_decay + (g * g) * a.one_minus_fisher_decay;
        let base = power(f, a.p, power_p) + e;
        let natural = g / base;
        let term = theta[i] / base;
        sum_g += g * g;
        sum_n += natural * natural;
        sum_w += term * term;
        i += stride;
    }
    let mut shared = Shared::<[f32]>::new_slice(SHARED_LEN);
    cube_sums(&mut shared, sum_g, sum_n, sum_w);
    if UNIT_POS == 0 {
        let c = 3 * CUBE_POS;
        partials[c] = shared[0];
        partials[c + 1] = shared[1];
        partials[c + 2] = shared[2];
    }
}

/// `max(1, rms / c)`, NaN kept (a NaN RMS fails both comparisons and stays).
#[cube]
fn clip_divisor(rms: f32, clip: f32) -> f32 {
    let d = rms / clip;
    let mut out = d;
    if d <= 1.0 {
        out = 1.0;
    }
    out
}

/// One cube: sums the partials and writes `norms = [e, natural divisor, decay divisor, flag]`;
/// the flag is 1 when the first pass's guess of `e` was wrong (the divisors are then the second
/// pass's to write).
#[cube(launch_unchecked)]
fn norms_kernel(
    partials: &[f32],
    norms: &mut [f32],
    a: NormArgs,
    #[comptime] epsilon_rule: u32,
    #[comptime] power_2p: u32,
    #[comptime] decay: bool,
    #[comptime] second: bool,
) {
    // A compile-time and a run-time condition: they cannot share one `&&` in a cube function.
    #[allow(clippy::collapsible_if)]
    if comptime![second] {
        if norms[3] == 0.0 {
            terminate!();
        }
    }
    let cubes = partials.len() / 3;
    let mut c = UNIT_POS as usize;
    let mut sum_g = 0.0f32;
    let mut sum_n = 0.0f32;
    let mut sum_w = 0.0f32;
    while c < cubes {
        sum_g += partials[3 * c];
        sum_n += partials[3 * c + 1];
        sum_w += partials[3 * c + 2];
        c += CUBE_DIM as usize;
    }
    let mut shared = Shared::<[f32]>::new_slice(SHARED_LEN);
    cube_sums(&mut shared, sum_g, sum_n, sum_w);
    if UNIT_POS == 0 {
        let s = (shared[0] / a.count).sqrt();
        let e = if comptime![epsilon_rule == EPSILON_ADAPTIVE] {
            let mut scaled = s * a.epsilon_2;
            if scaled > a.epsilon {
                scaled = a.epsilon;
            }
            if scaled <= 0.0 {
                scaled = a.epsilon;
            }
            power(scaled, a.two_p, power_2p)
        } else {
            let mut capped = s;
            if capped > 1.0 {
                capped = 1.0;
            }
            capped * a.epsilon
        };
        norms[0] = e;
        let mut guessed_wrong = false;
        if comptime![!second] {
            guessed_wrong = e != a.e_guess;
        }
        if guessed_wrong {
            norms[3] = 1.0;
        } else {
            norms[1] = clip_divisor((shared[1] / a.count).sqrt(), a.clip);
            norms[2] = 1.0;
            if comptime![decay] {
                norms[2] = clip_divisor((shared[2] / a.count).sqrt(), a.clip);
            }
            norms[3] = 0.0;
        }
    }
}

/// FAdam's element update; `norms = [e, natural-gradient divisor, decay-term divisor, …]`.
#[derive(CubeLaunch, CubeType)]
struct UpdateArgs {
    beta_1: f32,
    one_minus_beta_1: f32,
    fisher_decay: f32,
    one_minus_fisher_decay: f32,
    weight_decay: f32,
    lr: f32,
    p: f32,
}

#[cube(launch_unchecked)]
fn update_kernel(
    theta: &mut [f32],
    grad: &[f32],
    m: &mut [f32],
    fisher: &mut [f32],
    norms: &[f32],
    a: UpdateArgs,
    #[comptime] decay: bool,
    #[comptime] power_p: u32,
) {
    let i = ABSOLUTE_POS;
    if i >= theta.len() {
        terminate!();
    }
    let t = theta[i];
    let g = grad[i];
    let f = fisher[i] * a.fisher_decay + (g * g) * a.one_minus_fisher_decay;
    let base = power(f, a.p, power_p) + norms[0];
    let m_new = m[i] * a.beta_1 + ((g / base) / norms[1]) * a.one_minus_beta_1;
    let mut direction = m_new;
    if comptime![decay] {
        direction = m_new + ((t / base) / norms[2]) * a.weight_decay;
    }
    theta[i] = t - direction * a.lr;
    m[i] = m_new;
    fisher[i] = f;
}

/// The fused FAdam step; returns `(θ, m, f)`, updated in place where not shared.
pub(crate) fn fadam_step(
    theta: CubeTensor,
    grad: CubeTensor,
    m: CubeTensor,
    fisher: CubeTensor,
    s: &FAdamScalars,
) -> (CubeTensor, CubeTensor, CubeTensor) {
    let (theta, grad, m, fisher) = (
        writable(theta),
        contiguous(grad),
        writable(m),
        writable(fisher),
    );
    let client = theta.client.clone();
    let n = theta.meta.num_elements();
    let (p, two_p) = (s.p as f32, (2.0 * s.p) as f32);
    let (epsilon_rule, epsilon, epsilon_2, e_guess) = match s.epsilon {
        EpsilonRule::Adaptive { epsilon, epsilon_2 } => (
            EPSILON_ADAPTIVE,
            epsilon as f32,
            epsilon_2 as f32,
            power_f32(epsilon as f32, two_p),
        ),
        EpsilonRule::PaperV3 { epsilon } => (EPSILON_PAPER_V3, epsilon as f32, 0.0, epsilon as f32),
    };
    let norm_args = || {
        NormArgsLaunch::new(
            s.fisher_decay as f32,
            (1.0 - s.fisher_decay) as f32,
            p,
            two_p,
            epsilon,
            epsilon_2,
            s.clip as f32,
            e_guess,
            n as f32,
        )
    };
    let decay = s.weight_decay != 0.0;
    let cubes = n
        .div_ceil(REDUCE_UNITS as usize)
        .clamp(1, MAX_PARTIAL_CUBES);
    let partials = client.empty(3 * cubes * size_of::<f32>());
    let norms = client.empty(4 * size_of::<f32>());
    for second in [false, true] {
        // SAFETY: θ, g and f hold `n` contiguous f32, `partials` 3 per cube and `norms` 4; the
        // kernels stride within `theta.len()` and index partials by cube and norms below 4.
        unsafe {
            partial_sums_kernel::launch_unchecked(
                &client,
                CubeCount::Static(cubes as u32, 1, 1),
                CubeDim::new_1d(REDUCE_UNITS),
                theta.clone().into_buffer_arg(),
                grad.clone().into_buffer_arg(),
                fisher.clone().into_buffer_arg(),
                BufferArg::from_raw_parts(norms.clone(), 4),
                BufferArg::from_raw_parts(partials.clone(), 3 * cubes),
                norm_args(),
                power_code(p),
                second,
            );
            norms_kernel::launch_unchecked(
                &client,
                CubeCount::Static(1, 1, 1),
                CubeDim::new_1d(REDUCE_UNITS),
                BufferArg::from_raw_parts(partials.clone(), 3 * cubes),
                BufferArg::from_raw_parts(norms.clone(), 4),
                norm_args(),
                epsilon_rule,
                power_code(two_p),
                decay,
                second,
            );
        }
    }
    let args = UpdateArgsLaunch::new(
        s.beta_1 as f32,
        (1.0 - s.beta_1) as f32,
        s.fisher_decay as f32,
        (1.0 - s.fisher_decay) as f32,
        s.weight_decay as f32,
        s.lr as f32,
        p,
    );
    let cube_dim = CubeDim::new(&client, n);
    let cube_count = calculate_cube_count_elemwise(&client, n, cube_dim);
    // SAFETY: θ, g, m and f hold `n` contiguous f32 and `norms` 4; the kernel bounds-checks its
    // index against `theta.len()`, and θ, m and f are uniquely owned (`writable`).
    unsafe {
        update_kernel::launch_unchecked(
            &client,
            cube_count,
            cube_dim,
            theta.clone().into_buffer_arg(),
            grad.into_buffer_arg(),
            m.clone().into_buffer_arg(),
            fisher.clone().into_buffer_arg(),
            BufferArg::from_raw_parts(norms, 4),
            args,
            decay,
            power_code(p),
        );
    }
    (theta, m, fisher)
}
