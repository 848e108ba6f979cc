//! The fused steps against the reference: every optimizer and weight-decay variant, small and
//! multi-threaded (larger than one parallel chunk) tensors, views, and on every device.
//!
//! On Flex the Adam family must match bit for bit (same operations, same order); FAdam sums its
//! RMS in another order, so it must agree to rounding. wgpu's kernels agree to rounding.

mod common;

use burn::optim::Optimizer;
use burn::tensor::{Device, Tensor, TensorData};
use burn_balanced_adam::{
    BalancedAdamConfig, DualAdamConfig, FAdamConfig, FAdamEpsilon, InvAdamConfig, MomentState,
    StepImplementation, WeightDecayMode, fused_fadam_available, fused_step_available,
};
use common::noise::noise;
use common::{TestDevice, values};
use rstest::rstest;

fn tensor2(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, shape.to_vec()), device)
}

/// How strictly the fused path must match.
#[derive(Clone, Copy, Debug)]
enum Match {
    Exact,
    Rounding,
}

/// Whether `a` (fused) and `b` (reference) agree: NaN on both sides counts as equal, NaN on one
/// side never does (a comparison with NaN is false, so it must be asked for explicitly).
/// `scale` is the largest magnitude in the reference tensor: an element that is a difference
/// of larger terms (m = β₁m + (1 − β₁)ḡ cancelling to near zero) carries the rounding of those
/// terms, a few ulps of the tensor's scale, not of itself. On an NVIDIA GPU through Vulkan,
/// whose division and square root are approximate (2.5–3 ulp), FAdam's momentum showed such an
/// element: 1.2e-7 apart at |m| = 8.6e-5.
fn agree(a: f32, b: f32, how: Match, scale: f64) -> bool {
    if a == b {
        return true; // equal infinities included
    }
    match (a.is_nan(), b.is_nan()) {
        (true, true) => return true,
        (true, false) | (false, true) => return false,
        (false, false) => {}
    }
    match how {
        Match::Exact => a.to_bits() == b.to_bits(),
        Match::Rounding => {
            let (a, b) = (f64::from(a), f64::from(b));
            (a - b).abs() <= 1e-5 * b.abs() + 1e-6 * scale + 1e-7
        }
    }
}

/// The largest finite magnitude in `values` (0 when there is none).
fn scale_of(values: &[f32]) -> f64 {
    values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| f64::from(v.abs()))
        .fold(0.0, f64::max)
}

/// The element where the two disagree worst (NaN against a number is the worst), if any.
fn worst_mismatch(got: &[f32], want: &[f32], how: Match) -> Option<usize> {
    let error = |i: usize| {
        let err = (f64::from(got[i]) - f64::from(want[i])).abs();
        if err.is_nan() { f64::INFINITY } else { err }
    };
    let scale = scale_of(want);
    (0..got.len())
        .filter(|&i| !agree(got[i], want[i], how, scale))
        .max_by(|&i, &j| error(i).total_cmp(&error(j)))
}

fn assert_match(got: &[f32], want: &[f32], how: Match, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = worst_mismatch(got, want, how) {
        panic!(
            "{what} ({how:?}): element {i} differs: fused {} vs reference {} \
             (largest |reference| {})",
            got[i],
            want[i],
            scale_of(want)
        );
    }
}

#[test]
fn a_nan_on_one_side_is_a_mismatch_and_on_both_sides_is_not() {
    for how in [Match::Exact, Match::Rounding] {
        assert_eq!(worst_mismatch(&[1.0, f32::NAN], &[1.0, 2.0], how), Some(1));
        assert_eq!(worst_mismatch(&[1.0, 2.0], &[1.0, f32::NAN], how), Some(1));
        // A NaN outranks a finite difference elsewhere.
        assert_eq!(worst_mismatch(&[5.0, f32::NAN], &[1.0, 2.0], how), Some(1));
        assert_eq!(
            worst_mismatch(&[1.0, f32::NAN], &[1.0, f32::NAN], how),
            None
        );
        assert_eq!(
            worst_mismatch(&[f32::INFINITY], &[f32::INFINITY], how),
            None
        );
        assert_eq!(worst_mismatch(&[f32::INFINITY], &[1.0], how), Some(0));
    }
}

#[test]
fn rounding_allows_a_few_ulps_of_the_tensor_scale_and_no_more() {
    // 1.2e-7 apart at 8.6e-5 in a tensor whose largest element is 0.5: rounding of the terms.
    let (got, want) = ([0.5, -8.625_405e-5], [0.5, -8.637_326e-5]);
    assert_eq!(worst_mismatch(&got, &want, Match::Rounding), None);
    // The same two values alone (the scale is their own): beyond rounding.
    assert_eq!(
        worst_mismatch(&got[1..], &want[1..], Match::Rounding),
        Some(0)
    );
    // 1e-5 of the scale apart: a real difference.
    assert_eq!(
        worst_mismatch(&[0.5, 5e-6], &[0.5, 0.0], Match::Rounding),
        Some(1)
    );
    // Exact stays bitwise.
    assert_eq!(worst_mismatch(&got, &want, Match::Exact), Some(1));
}

/// Gradient scale per step: mixed, with an all-zero step.
const MIXED: [f32; 6] = [0.1, 1.0, 10.0, 0.0, 0.1, 1.0];
/// Gradients so small that FAdam's ε adapts to them (ε₂·RMS(g) < ε).
const TINY: [f32; 6] = [1e-7, 3e-8, 1e-7, 0.0, 5e-8, 1e-7];

/// Runs 6 steps of `fused` and `reference` on the same data, the gradient scaled by `scales`;
/// compares θ, m and v after every step.
fn compare<O>(
    label: &str,
    fused: &O,
    reference: &O,
    shape: [usize; 2],
    device: &Device,
    how: Match,
    scales: [f32; 6],
) where
    O: Optimizer<State<2> = MomentState<2>>,
{
    let n = shape[0] * shape[1];
    let init = noise(n, 1, 1.0);
    let (mut theta_f, mut theta_r) = (
        tensor2(init.clone(), shape, device),
        tensor2(init, shape, device),
    );
    let (mut state_f, mut state_r) = (None, None);
    for (step, scale) in (0..6u64).zip(scales) {
        // Gradients with exact zeros.
        let mut grad = noise(n, 100 + step, scale);
        grad.iter_mut().step_by(7).for_each(|g| *g = 0.0);
        let lr = 1e-2 / (1.0 + step as f64);
        let (next_f, s_f) = fused.step(lr, theta_f, tensor2(grad.clone(), shape, device), state_f);
        let (next_r, s_r) = reference.step(lr, theta_r, tensor2(grad, shape, device), state_r);
        let (s_f, s_r) = (s_f.expect("a state"), s_r.expect("a state"));
        let what = |name: &str| format!("{label}: step {} {name} {shape:?}", step + 1);
        assert_match(
            &values(next_f.clone()),
            &values(next_r.clone()),
            how,
            &what("θ"),
        );
        assert_match(
            &values(s_f.m.clone()),
            &values(s_r.m.clone()),
            how,
            &what("m"),
        );
        assert_match(
            &values(s_f.v.clone()),
            &values(s_r.v.clone()),
            how,
            &what("v"),
        );
        assert_eq!(s_f.time, s_r.time);
        (theta_f, theta_r, state_f, state_r) = (next_f, next_r, Some(s_f), Some(s_r));
    }
}

/// Builds `config` twice: with the fused (auto) and with the reference implementation.
macro_rules! pair {
    ($config:expr) => {{
        let config = $config;
        (
            config
                .clone()
                .with_implementation(StepImplementation::Auto)
                .build(),
            config
                .with_implementation(StepImplementation::Reference)
                .build(),
        )
    }};
}

fn device_and_exactness(test_device: TestDevice) -> Option<(Device, Match, Match)> {
    let device = test_device.device()?;
    let probe = Tensor::<1>::zeros([1], &device);
    // Both kernels exist where the device has kernels: a silent fallback would compare the
    // reference to itself. Where it has none (ndarray, tch), `Auto` must fall back to exactly
    // the reference.
    let kernels = test_device.has_fused_kernels();
    assert_eq!(
        fused_step_available(&probe),
        kernels,
        "{test_device:?}: fused Adam step availability"
    );
    assert_eq!(
        fused_fadam_available(&probe),
        kernels,
        "{test_device:?}: fused FAdam step availability"
    );
    Some(match test_device {
        _ if !kernels => (device, Match::Exact, Match::Exact),
        TestDevice::Flex => (device, Match::Exact, Match::Rounding),
        TestDevice::Second => (device, Match::Rounding, Match::Rounding),
    })
}

/// 7 × 3 stays on one thread; 300 × 257 (77 100 elements) spans several parallel chunks.
const SHAPES: [[usize; 2]; 2] = [[7, 3], [300, 257]];

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn adam_family_fused_matches_reference(#[case] test_device: TestDevice) {
    let Some((device, adam, _)) = device_and_exactness(test_device) else {
        return;
    };
    for shape in SHAPES {
        for mode in [
            WeightDecayMode::None,
            WeightDecayMode::Coupled,
            WeightDecayMode::Decoupled,
        ] {
            let config = BalancedAdamConfig::new()
                .with_beta(0.9)
                .with_weight_decay(0.05)
                .with_weight_decay_mode(mode);
            let (fused, reference) = pair!(config);
            let label = format!("balanced Adam, decay {mode:?}");
            compare(&label, &fused, &reference, shape, &device, adam, MIXED);
        }
        // ξ = 0.2 over 6 steps: the blend (r = 0.8 … 0.2), then Adam's division once r < ξ.
        let dual = DualAdamConfig::new()
            .with_switch_rate(0.2)
            .with_weight_decay(0.01);
        let (fused, reference) = pair!(dual);
        compare("DualAdam", &fused, &reference, shape, &device, adam, MIXED);
        let (fused, reference) = pair!(InvAdamConfig::new().with_beta_2(0.99));
        compare("InvAdam", &fused, &reference, shape, &device, adam, MIXED);
    }
}

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn fadam_fused_matches_reference(#[case] test_device: TestDevice) {
    let Some((device, _, fadam)) = device_and_exactness(test_device) else {
        return;
    };
    // 520 × 512 (266 240 elements) is more than the GPU reduction's 2048 cubes × 128 units
    // cover at once: some units sum several elements, and the final sum loops over cubes.
    for shape in SHAPES.into_iter().chain([[520, 512]]) {
        let configs = [
            FAdamConfig::new(),
            FAdamConfig::new().with_weight_decay(0.0).with_clip(0.5),
            FAdamConfig::new()
                .with_p(1.0)
                .with_epsilon_mode(FAdamEpsilon::PaperV3),
        ];
        for (i, config) in configs.into_iter().enumerate() {
            let (fused, reference) = pair!(config);
            let label = |scales| format!("FAdam config {i}, {scales} gradients");
            compare(
                &label("mixed"),
                &fused,
                &reference,
                shape,
                &device,
                fadam,
                MIXED,
            );
            compare(
                &label("tiny"),
                &fused,
                &reference,
                shape,
                &device,
                fadam,
                TINY,
            );
        }
    }
}

#[test]
fn fused_step_runs_on_flex_and_leaves_shared_buffers_alone() {
    let device = Device::flex();
    let theta = Tensor::<1>::from_floats([1.0, -2.0, 3.0], &device);
    assert!(fused_step_available(&theta), "Flex f32 has a fused step");
    // The caller keeps a handle to θ: the in-place kernel must copy rather than modify it.
    let kept = theta.clone();
    let optim = BalancedAdamConfig::new().build();
    let grad = Tensor::<1>::from_floats([0.5, 0.5, -0.5], &device);
    let (next, _) = optim.step(0.1, theta, grad, None);
    assert_eq!(values(kept), vec![1.0, -2.0, 3.0]);
    let next = values(next);
    assert!((next[0] - 0.9).abs() < 1e-6 && (next[2] - 3.1).abs() < 1e-6);
}

#[test]
fn non_contiguous_parameters_take_the_fused_path_correctly() {
    let device = Device::flex();
    let init = noise(12, 5, 1.0);
    let grad = noise(12, 6, 1.0);
    let view = |v: &[f32]| tensor2(v.to_vec(), [3, 4], &device).swap_dims(0, 1);
    let (fused, reference) = pair!(BalancedAdamConfig::new().with_weight_decay(0.1));
    let (a, _) = fused.step(0.01, view(&init), view(&grad), None);
    let (b, _) = reference.step(0.01, view(&init), view(&grad), None);
    assert_eq!(a.dims(), [4, 3]);
    assert_match(&values(a), &values(b), Match::Exact, "transposed θ");
}

#[test]
fn other_dtypes_fall_back_to_the_reference() {
    let device = Device::flex();
    let theta = Tensor::<1>::from_floats([1.0, 2.0], &device).cast(burn::tensor::DType::F64);
    assert!(!fused_step_available(&theta));
    let grad = theta.clone().mul_scalar(0.5);
    let (next, state) = FAdamConfig::new().build().step(0.1, theta, grad, None);
    assert_eq!(next.dtype(), burn::tensor::DType::F64);
    assert_eq!(state.expect("a state").time, 1);
}

/// The mutation this comparison must catch: a fused step that emits NaN at one element of θ.
#[test]
fn a_fused_step_that_emits_nan_fails_the_comparison() {
    let (device, adam_match, _) = device_and_exactness(TestDevice::Flex).expect("Flex is built in");
    let (fused, reference) = pair!(BalancedAdamConfig::new().with_beta(0.9));
    let shape = [4, 5];
    let theta = || tensor2(noise(20, 1, 1.0), shape, &device);
    let grad = || tensor2(noise(20, 2, 1.0), shape, &device);
    let (want, _) = reference.step(1e-2, theta(), grad(), None);
    let (got, _) = fused.step(1e-2, theta(), grad(), None);
    let (want, mut got) = (values(want), values(got));
    assert_match(&got, &want, adam_match, "unmutated");
    got[7] = f32::NAN;
    let caught = std::panic::catch_unwind(|| assert_match(&got, &want, adam_match, "mutated"));
    assert!(caught.is_err(), "a NaN from the fused path went unnoticed");
}
