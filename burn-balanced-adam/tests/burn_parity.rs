//! The drop-in optimizers against Burn's own: `FusedAdamConfig` ≡ `burn::optim::AdamConfig` and
//! `FusedAdamWConfig` ≡ `burn::optim::AdamWConfig`, field for field, through Burn's
//! `ModuleOptimizer` (so gradient clipping is Burn's), on the same parameters and the same
//! gradients for 25 steps, with weight decay and clipping, fused and reference, on Flex and wgpu.

mod common;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use burn_balanced_adam::{
    FusedAdamConfig, FusedAdamWConfig, StepImplementation, fused_step_available,
};
use common::noise::noise;
use common::{TestDevice, tensor, values};
use rstest::rstest;

const STEPS: u64 = 25;
const LR: f64 = 0.01;

/// A 300 × 257 weight (several parallel chunks of the CPU kernel) and its bias.
#[derive(Module, Debug)]
struct Layer {
    linear: Linear,
}

fn params(layer: &Layer) -> Vec<f32> {
    let mut all = values(layer.linear.weight.val());
    all.extend(values(layer.linear.bias.as_ref().expect("a bias").val()));
    all
}

/// Step `t`'s gradients: the same for both optimizers, of a size that varies by step (so
/// clipping bites on some steps and not others), with a few exact zeros.
fn grads(layer: &Layer, t: u64, device: &Device) -> GradientsParams {
    let scale = [0.02, 1.0, 5.0, 0.001][t as usize % 4];
    let mut weight = noise(300 * 257, 17 + t, scale);
    weight.iter_mut().step_by(97).for_each(|g| *g = 0.0);
    let bias = noise(257, 1_000 + t, scale);
    let mut grads = GradientsParams::new();
    grads.register(
        layer.linear.weight.id,
        tensor::<2>(&weight, &[300, 257], device),
    );
    let bias_id = layer.linear.bias.as_ref().expect("a bias").id;
    grads.register(bias_id, tensor::<1>(&bias, &[257], device));
    grads
}

fn train(mut optim: ModuleOptimizer, mut layer: Layer, device: &Device) -> Vec<f32> {
    for t in 0..STEPS {
        let g = grads(&layer, t, device);
        layer = optim.step(LR, layer, g);
    }
    params(&layer)
}

/// Rounding: f32 arithmetic in a different order (Burn folds the bias corrections differently).
fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let worst = got
        .iter()
        .zip(want)
        .map(|(g, w)| {
            let error = (g - w).abs() / w.abs().max(1.0);
            if error.is_nan() { f32::INFINITY } else { error }
        })
        .fold(0.0f32, f32::max);
    assert!(worst <= 2e-5, "{what}: worst relative error {worst:e}");
}

fn clipping() -> [Option<GradientClippingConfig>; 3] {
    [
        None,
        Some(GradientClippingConfig::Norm(1.0)),
        Some(GradientClippingConfig::Value(0.5)),
    ]
}

const IMPLEMENTATIONS: [StepImplementation; 2] =
    [StepImplementation::Auto, StepImplementation::Reference];

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn fused_adam_takes_burns_adam_steps(#[case] test_device: TestDevice) {
    let Some(device) = test_device.device() else {
        return;
    };
    let probe = burn::tensor::Tensor::<1>::zeros([1], &device);
    // Where the device has the kernel, `Auto` must take it (else the fused step would go
    // untested); elsewhere (ndarray, tch) both implementations are the reference path.
    assert_eq!(
        fused_step_available(&probe),
        test_device.has_fused_kernels(),
        "{test_device:?}: fused step availability"
    );
    let layer = Layer {
        linear: LinearConfig::new(300, 257).init(&device.clone().autodiff()),
    };
    let start = params(&layer);
    for decay in [None, Some(WeightDecayConfig::new(0.05))] {
        for clip in clipping() {
            let burn = AdamConfig::new()
                .with_beta_2(0.99)
                .with_weight_decay(decay.clone())
                .with_grad_clipping(clip.clone())
                .init();
            let want = train(burn, layer.clone(), &device);
            assert_ne!(want, start, "Burn's Adam did not move the parameters");
            for implementation in IMPLEMENTATIONS {
                let ours = FusedAdamConfig::new()
                    .with_beta_2(0.99)
                    .with_weight_decay(decay.clone())
                    .with_grad_clipping(clip.clone())
                    .with_implementation(implementation)
                    .init();
                let got = train(ours, layer.clone(), &device);
                let what = format!("adam {decay:?} {clip:?} {implementation:?} {test_device:?}");
                assert_close(&got, &want, &what);
            }
        }
    }
}

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn fused_adamw_takes_burns_adamw_steps(#[case] test_device: TestDevice) {
    let Some(device) = test_device.device() else {
        return;
    };
    let layer = Layer {
        linear: LinearConfig::new(300, 257).init(&device.clone().autodiff()),
    };
    for lambda in [0.0, 1e-4, 0.1] {
        for clip in clipping() {
            let burn = AdamWConfig::new()
                .with_weight_decay(lambda)
                .with_grad_clipping(clip.clone())
                .init();
            let want = train(burn, layer.clone(), &device);
            for implementation in IMPLEMENTATIONS {
                let ours = FusedAdamWConfig::new()
                    .with_weight_decay(lambda)
                    .with_grad_clipping(clip.clone())
                    .with_implementation(implementation)
                    .init();
                let got = train(ours, layer.clone(), &device);
                let what = format!("adamw λ={lambda} {clip:?} {implementation:?} {test_device:?}");
                assert_close(&got, &want, &what);
            }
        }
    }
}

#[test]
fn the_comparison_can_fail() {
    // Same test harness, a different ε: the trajectories must be told apart.
    let device = Device::flex();
    let layer = Layer {
        linear: LinearConfig::new(300, 257).init(&device.clone().autodiff()),
    };
    let want = train(AdamConfig::new().init(), layer.clone(), &device);
    let got = train(
        FusedAdamConfig::new().with_epsilon(1e-8).init(),
        layer,
        &device,
    );
    let result = std::panic::catch_unwind(|| assert_close(&got, &want, "ε 1e-8 vs 1e-5"));
    assert!(result.is_err(), "a different ε passed as Burn's Adam");
    let nan = std::panic::catch_unwind(|| assert_close(&[f32::NAN], &[f32::NAN], "NaN"));
    assert!(nan.is_err(), "NaN compared equal");
}

#[test]
fn burns_config_files_read_as_the_fused_configs() {
    // A Burn config file (all fields, as Burn's `Config::save` writes it) parses unchanged.
    let burn = serde_json::to_string(
        &AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(0.01))),
    )
    .unwrap();
    let ours: FusedAdamConfig = serde_json::from_str(&burn).expect("Burn's AdamConfig JSON");
    assert_eq!(ours.weight_decay.map(|d| d.penalty), Some(0.01));
    assert_eq!(ours.epsilon, 1e-5);
    let burn = serde_json::to_string(&AdamWConfig::new().with_beta_1(0.8)).unwrap();
    let ours: FusedAdamWConfig = serde_json::from_str(&burn).expect("Burn's AdamWConfig JSON");
    assert_eq!((ours.beta_1, ours.weight_decay), (0.8, 1e-4));
}

#[test]
fn unfused_switches_are_rejected_by_name() {
    let err = FusedAdamConfig::new()
        .with_amsgrad(true)
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "amsgrad");
    assert!(err.to_string().contains("Burn's own optimizer"), "{err}");
    let err = FusedAdamWConfig::new()
        .with_cautious_weight_decay(true)
        .try_init()
        .err()
        .expect("rejected");
    assert_eq!(err.field, "cautious_weight_decay");
    let err = FusedAdamWConfig::new()
        .with_weight_decay(-1.0)
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "weight_decay");
    let err = FusedAdamConfig::new()
        .with_weight_decay(Some(WeightDecayConfig::new(f32::NAN)))
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "weight_decay.penalty");
}
