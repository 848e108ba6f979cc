//! The drop-in optimizers against Burn's own: `FusedAdamConfig` ≡ `burn::optim::AdamConfig` and
//! `FusedAdamWConfig` ≡ `burn::optim::AdamWConfig`, field for field, through Burn's
//! `ModuleOptimizer` (so gradient clipping is Burn's), on the same parameters and the same
//! gradients for 50 steps, with weight decay and clipping, fused and reference, on Flex and wgpu;
//! AMSGrad and cautious weight decay (reference steps) too, and through save/load/resume.

mod common;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use burn_balanced_adam::{
    ConfigError, FusedAdamConfig, FusedAdamWConfig, StepImplementation, fused_step_available,
};
use common::noise::noise;
use common::{TestDevice, tensor, values};
use rstest::rstest;

const STEPS: u64 = 50;
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

fn train(optim: ModuleOptimizer, layer: Layer, device: &Device) -> Vec<f32> {
    params(&train_steps(optim, layer, 0..STEPS, device).1)
}

fn train_steps(
    mut optim: ModuleOptimizer,
    mut layer: Layer,
    steps: std::ops::Range<u64>,
    device: &Device,
) -> (ModuleOptimizer, Layer) {
    for t in steps {
        let g = grads(&layer, t, device);
        layer = optim.step(LR, layer, g);
    }
    (optim, layer)
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
    for amsgrad in [false, true] {
        for decay in [None, Some(WeightDecayConfig::new(0.05))] {
            for clip in clipping() {
                let burn = AdamConfig::new()
                    .with_beta_2(0.99)
                    .with_amsgrad(amsgrad)
                    .with_weight_decay(decay.clone())
                    .with_grad_clipping(clip.clone())
                    .init();
                let want = train(burn, layer.clone(), &device);
                assert_ne!(want, start, "Burn's Adam did not move the parameters");
                for implementation in IMPLEMENTATIONS {
                    let ours = FusedAdamConfig::new()
                        .with_beta_2(0.99)
                        .with_amsgrad(amsgrad)
                        .with_weight_decay(decay.clone())
                        .with_grad_clipping(clip.clone())
                        .with_implementation(implementation)
                        .init();
                    let got = train(ours, layer.clone(), &device);
                    let what = format!(
                        "adam amsgrad={amsgrad} {decay:?} {clip:?} {implementation:?} {test_device:?}"
                    );
                    assert_close(&got, &want, &what);
                }
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
    for (amsgrad, cautious) in [(false, false), (true, false), (false, true), (true, true)] {
        for lambda in [0.0, 1e-4, 0.1] {
            // Clipping is Burn's, tested in full on the plain case.
            let clips = if amsgrad || cautious {
                vec![None, Some(GradientClippingConfig::Norm(1.0))]
            } else {
                clipping().to_vec()
            };
            for clip in clips {
                let burn = AdamWConfig::new()
                    .with_weight_decay(lambda)
                    .with_amsgrad(amsgrad)
                    .with_cautious_weight_decay(cautious)
                    .with_grad_clipping(clip.clone())
                    .init();
                let want = train(burn, layer.clone(), &device);
                for implementation in IMPLEMENTATIONS {
                    let ours = FusedAdamWConfig::new()
                        .with_weight_decay(lambda)
                        .with_amsgrad(amsgrad)
                        .with_cautious_weight_decay(cautious)
                        .with_grad_clipping(clip.clone())
                        .with_implementation(implementation)
                        .init();
                    let got = train(ours, layer.clone(), &device);
                    let what = format!(
                        "adamw amsgrad={amsgrad} cautious={cautious} λ={lambda} {clip:?} \
                         {implementation:?} {test_device:?}"
                    );
                    assert_close(&got, &want, &what);
                }
            }
        }
    }
}

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn amsgrad_and_cautious_decay_resume_to_burns_trajectory(#[case] test_device: TestDevice) {
    let Some(device) = test_device.device() else {
        return;
    };
    let layer = Layer {
        linear: LinearConfig::new(300, 257).init(&device.clone().autodiff()),
    };
    let burn = AdamWConfig::new()
        .with_weight_decay(0.1)
        .with_amsgrad(true)
        .with_cautious_weight_decay(true)
        .init();
    let want = train(burn, layer.clone(), &device);
    let config = FusedAdamWConfig::new()
        .with_weight_decay(0.1)
        .with_amsgrad(true)
        .with_cautious_weight_decay(true);
    let (first, halfway) = train_steps(config.init(), layer.clone(), 0..STEPS / 2, &device);
    let bytes = first.into_bytes().expect("serializable");
    // AMSGrad's running maximum is part of the state: without it the resumed steps would differ.
    let resumed = burn_balanced_adam::record::from_bytes_checked(
        config.init(),
        bytes,
        &halfway,
        burn_balanced_adam::record::OptimizerKind::Adamw,
    )
    .expect("our own record loads");
    let (_, done) = train_steps(resumed, halfway, STEPS / 2..STEPS, &device);
    assert_close(&params(&done), &want, &format!("resumed {test_device:?}"));
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
fn every_burn_switch_is_accepted_and_only_fused_is_refused_with_them() {
    assert!(FusedAdamConfig::new().with_amsgrad(true).validate().is_ok());
    assert!(
        FusedAdamWConfig::new()
            .with_amsgrad(true)
            .with_cautious_weight_decay(true)
            .try_init()
            .is_ok()
    );
    // Demanding the fused kernel for a step that has none is an error naming the switch.
    let err = FusedAdamWConfig::new()
        .with_cautious_weight_decay(true)
        .with_implementation(StepImplementation::Fused)
        .validate()
        .unwrap_err();
    assert_eq!(err.field(), "implementation");
    assert!(
        matches!(&err, ConfigError::Unsupported { reason, .. } if reason.contains("cautious_weight_decay")),
        "{err}"
    );
    let err = FusedAdamConfig::new()
        .with_amsgrad(true)
        .with_implementation(StepImplementation::Fused)
        .try_init()
        .err()
        .expect("refused");
    assert!(err.to_string().contains("amsgrad"), "{err}");
    let err = FusedAdamWConfig::new()
        .with_weight_decay(-1.0)
        .validate()
        .unwrap_err();
    assert_eq!(err.field(), "weight_decay");
    let err = FusedAdamConfig::new()
        .with_weight_decay(Some(WeightDecayConfig::new(f32::NAN)))
        .validate()
        .unwrap_err();
    assert_eq!(err.field(), "weight_decay.penalty");
}
