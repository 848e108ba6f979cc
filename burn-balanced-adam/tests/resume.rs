//! Resume: save an optimizer mid-training, load it into a fresh one, and the next steps must be
//! identical to the uninterrupted run's — for every optimizer, through bytes and through a file.
//! And parameter groups: a group built from a config keeps that config's gradient clipping.

mod common;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, ParamGroup};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use burn_balanced_adam::{
    BalancedAdamConfig, DualAdamConfig, FAdamConfig, InvAdamConfig, WeightDecayMode,
};
use common::{TestDevice, values};
use rstest::rstest;

#[derive(Module, Debug)]
struct Mlp {
    hidden: Linear,
    out: Linear,
}

impl Mlp {
    fn new(device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(3, 5).init(device),
            out: LinearConfig::new(5, 2).init(device),
        }
    }

    fn params(&self) -> Vec<Vec<f32>> {
        let bias = |l: &Linear| values(l.bias.as_ref().expect("a bias").val());
        vec![
            values(self.hidden.weight.val()),
            bias(&self.hidden),
            values(self.out.weight.val()),
            bias(&self.out),
        ]
    }

    /// Gradients of a nonlinear loss, so that they depend on the parameters.
    fn grads(&self, scale: f32) -> GradientsParams {
        let device = self.hidden.weight.val().device();
        let x = Tensor::<2>::from_floats([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], &device);
        let y = self.out.forward(self.hidden.forward(x).tanh());
        let loss = y.sub_scalar(0.3).square().sum().mul_scalar(scale);
        GradientsParams::from_grads(loss.backward(), self)
    }
}

const LR: f64 = 0.05;
const BEFORE: [f32; 3] = [1.0, 0.3, -0.5];
const AFTER: [f32; 3] = [0.7, -0.2, 0.05];

fn train(optim: &mut ModuleOptimizer, mut model: Mlp, scales: &[f32]) -> Mlp {
    for &scale in scales {
        let grads = model.grads(scale);
        model = optim.step(LR, model, grads);
    }
    model
}

fn assert_resume(name: &str, make: impl Fn() -> ModuleOptimizer, test_device: TestDevice) {
    let Some(device) = test_device.device() else {
        return;
    };
    let device = device.autodiff();
    let mut original = make();
    let model = train(&mut original, Mlp::new(&device), &BEFORE);
    assert!(
        !original.to_record().is_empty(),
        "{name}: the record holds no state"
    );

    let from_bytes = make()
        .from_bytes(original.into_bytes().expect("serializable"))
        .expect("loadable");
    let file = std::env::temp_dir().join(format!(
        "bba-resume-{name}-{test_device:?}-{}.bpk",
        std::process::id()
    ));
    original.save(&file).expect("saved");
    let from_file = make().load(&file).expect("loaded");

    let expected = train(&mut original, model.clone(), &AFTER).params();
    for (how, mut restored) in [("bytes", from_bytes), ("file", from_file)] {
        let resumed = train(&mut restored, model.clone(), &AFTER).params();
        assert_eq!(
            resumed, expected,
            "{name}: resumed from {how} on {test_device:?} differs"
        );
    }
    // Burn reads a loaded record lazily: the file must outlive the first step after `load`.
    std::fs::remove_file(&file).ok();
    // The check can fail: without the saved state the next steps differ.
    let fresh = train(&mut make(), model, &AFTER).params();
    assert_ne!(
        fresh, expected,
        "{name}: a fresh optimizer gives the same steps; the test proves nothing"
    );
}

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn every_optimizer_resumes_identically(#[case] test_device: TestDevice) {
    assert_resume(
        "balanced_adam",
        || {
            BalancedAdamConfig::new()
                .with_beta(0.9)
                .with_weight_decay(0.01)
                .with_weight_decay_mode(WeightDecayMode::Coupled)
                .init()
        },
        test_device,
    );
    assert_resume(
        "dual_adam",
        || DualAdamConfig::new().with_switch_rate(0.2).init(),
        test_device,
    );
    assert_resume("inv_adam", || InvAdamConfig::new().init(), test_device);
    assert_resume("fadam", || FAdamConfig::new().init(), test_device);
}

#[test]
fn a_parameter_group_keeps_its_configs_gradient_clipping() {
    let device = Device::flex().autodiff();
    let model = Mlp::new(&device);
    // InvAdam multiplies by the gradient's size, so clipping it changes the step.
    let plain = InvAdamConfig::new();
    let clipped =
        InvAdamConfig::new().with_grad_clipping(Some(GradientClippingConfig::Value(0.01)));
    let group = ParamGroup::ids_from_module(model.out.clone());
    let mut grouped = clipped.with_group(plain.init(), group);
    let after = |optim: &mut ModuleOptimizer| train(optim, model.clone(), &[1.0]).params();
    let (grouped, all_plain, all_clipped) = (
        after(&mut grouped),
        after(&mut plain.init()),
        after(&mut clipped.init()),
    );
    // [hidden weight, hidden bias, out weight, out bias]
    assert_eq!(
        grouped[..2],
        all_plain[..2],
        "the rest: the base optimizer, unclipped"
    );
    assert_eq!(
        grouped[2..],
        all_clipped[2..],
        "the group: its config, clipped"
    );
    assert_ne!(
        all_plain[2..],
        all_clipped[2..],
        "clipping changes this step"
    );
    // An invalid group config is an error, not a panic.
    let bad = InvAdamConfig::new().with_beta_1(1.5);
    let err = bad
        .try_with_group(plain.init(), ParamGroup::ids_from_module(model.out.clone()))
        .err()
        .expect("β₁ = 1.5 is refused");
    assert_eq!(err.field(), "beta_1");
}

#[test]
fn no_decay_groups_spare_biases_and_decay_weights() {
    let device = Device::flex().autodiff();
    let model = Mlp::new(&device);
    let before = model.params();
    // Zero gradients: the step is the decay alone, θ ← θ(1 − ηλ).
    let (lr, lambda) = (LR, 0.5);
    type Make = Box<dyn Fn(&Mlp) -> ModuleOptimizer>;
    let configs: Vec<(&str, Make)> = vec![
        (
            "balanced_adam",
            Box::new(move |m: &Mlp| {
                BalancedAdamConfig::new()
                    .with_weight_decay(lambda)
                    .with_weight_decay_mode(WeightDecayMode::Decoupled)
                    .try_init_no_decay(m)
                    .unwrap()
            }),
        ),
        (
            "dual_adam",
            Box::new(move |m: &Mlp| {
                DualAdamConfig::new()
                    .with_weight_decay(lambda)
                    .try_init_no_decay(m)
                    .unwrap()
            }),
        ),
    ];
    for (name, make) in configs {
        let mut optim = make(&model);
        let after = train(&mut optim, model.clone(), &[0.0]).params();
        // [hidden weight, hidden bias, out weight, out bias]
        for i in [0, 2] {
            for (a, b) in after[i].iter().zip(&before[i]) {
                let want = b * (1.0 - (lr * lambda) as f32);
                assert!(
                    (a - want).abs() <= 1e-6 * want.abs().max(1.0),
                    "{name}: weight {a} vs {want}"
                );
            }
        }
        assert_eq!(after[1], before[1], "{name}: hidden bias decayed");
        assert_eq!(after[3], before[3], "{name}: out bias decayed");
    }
}
