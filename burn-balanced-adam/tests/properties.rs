//! Invariants that hold for any input: balanced Adam's v ≥ m², finite in → finite out for every
//! optimizer (all-zero gradients included), and the gradient-scale behaviour the math predicts.

mod common;

use burn::optim::Optimizer;
use burn::tensor::{Device, Tensor};
use burn_balanced_adam::{
    BalancedAdamConfig, DualAdamConfig, FAdamConfig, InvAdamConfig, MomentState, WeightDecayMode,
};
use common::values;
use proptest::prelude::*;

fn device() -> Device {
    Device::flex()
}

fn t1(values: &[f32]) -> Tensor<1> {
    Tensor::from_floats(values, &device())
}

/// Runs the gradient sequence through `optim`; returns θ and the state after each step.
fn run<O: Optimizer<State<1> = MomentState<1>>>(
    optim: &O,
    theta: &[f32],
    grads: &[Vec<f32>],
    lr: f64,
) -> Vec<(Vec<f32>, MomentState<1>)> {
    let mut theta = t1(theta);
    let mut state = None;
    let mut out = Vec::new();
    for grad in grads {
        let (next, next_state) = optim.step(lr, theta, t1(grad), state);
        out.push((values(next.clone()), next_state.clone().expect("a state")));
        (theta, state) = (next, next_state);
    }
    out
}

const N: usize = 6;

fn vector(range: std::ops::Range<f32>) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(range, N)
}

/// Gradients that mix large, small and exactly-zero entries, and whole zero steps.
fn gradients() -> impl Strategy<Value = Vec<Vec<f32>>> {
    let entry = prop_oneof![3 => -50.0f32..50.0, 1 => -1e-4f32..1e-4, 1 => Just(0.0f32)];
    let step = prop_oneof![4 => prop::collection::vec(entry, N), 1 => Just(vec![0.0; N])];
    prop::collection::vec(step, 1..8)
}

fn all_finite(x: &[f32]) -> bool {
    x.iter().all(|v| v.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        // Failures print their minimal input; no regression files are written into the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn balanced_adam_keeps_v_at_least_m_squared(
        beta in 0.0f64..0.999, theta in vector(-3.0..3.0), grads in gradients(),
    ) {
        let optim = BalancedAdamConfig::new().with_beta(beta).build();
        for (step, (_, state)) in run(&optim, &theta, &grads, 1e-3).into_iter().enumerate() {
            for (m, v) in values(state.m).into_iter().zip(values(state.v)) {
                let m2 = f64::from(m) * f64::from(m);
                // v − m² ≥ 0 exactly; allow f32 rounding of the two moments (a few ulps).
                prop_assert!(f64::from(v) >= m2 * (1.0 - 1e-5), "step {}: v {v} < m² {m2}", step + 1);
            }
        }
    }

    #[test]
    fn every_optimizer_maps_finite_inputs_to_finite_outputs(
        theta in vector(-10.0..10.0), grads in gradients(), lr in 1e-5f64..1.0,
        weight_decay in 0.0f64..0.5, coupled in any::<bool>(), switch_rate in 0.0f64..0.5,
    ) {
        let mode = if coupled { WeightDecayMode::Coupled } else { WeightDecayMode::Decoupled };
        let balanced = BalancedAdamConfig::new().with_weight_decay(weight_decay).with_weight_decay_mode(mode).build();
        let dual = DualAdamConfig::new().with_switch_rate(switch_rate).with_weight_decay(weight_decay).build();
        let inv = InvAdamConfig::new().build();
        let fadam = FAdamConfig::new().with_weight_decay(weight_decay).build();
        let outputs = [
            ("balanced_adam", run(&balanced, &theta, &grads, lr)),
            ("dual_adam", run(&dual, &theta, &grads, lr)),
            ("inv_adam", run(&inv, &theta, &grads, lr)),
            ("fadam", run(&fadam, &theta, &grads, lr)),
        ];
        for (name, steps) in outputs {
            for (step, (theta, state)) in steps.into_iter().enumerate() {
                prop_assert!(all_finite(&theta), "{name} step {}: θ = {theta:?}", step + 1);
                prop_assert!(all_finite(&values(state.m)) && all_finite(&values(state.v)), "{name} step {}: state", step + 1);
            }
        }
    }

    /// Adam-type directions depend on the gradient only through g/√v: scaling every gradient
    /// by c > 0 leaves the trajectory unchanged (up to ε, negligible for these gradients).
    #[test]
    fn adam_directions_are_invariant_to_gradient_scale(
        beta in 0.0f64..0.99, theta in vector(-3.0..3.0),
        grads in prop::collection::vec(vector(0.01..5.0), 1..6), signs in vector(-1.0..1.0),
        scale in prop_oneof![1e-2f32..0.5, 2.0f32..100.0],
    ) {
        let grads: Vec<Vec<f32>> = grads.iter().map(|g| g.iter().zip(&signs).map(|(g, s)| g * s.signum()).collect()).collect();
        let scaled: Vec<Vec<f32>> = grads.iter().map(|g| g.iter().map(|x| x * scale).collect()).collect();
        let balanced = BalancedAdamConfig::new().with_beta(beta).build();
        let adam_phase = DualAdamConfig::new().with_switch_rate(1.0).build(); // r_t < ξ from step 1
        let fadam = FAdamConfig::new().with_weight_decay(0.0).build();
        let pairs = [
            ("balanced_adam", run(&balanced, &theta, &grads, 1e-2), run(&balanced, &theta, &scaled, 1e-2)),
            ("dual_adam (Adam phase)", run(&adam_phase, &theta, &grads, 1e-2), run(&adam_phase, &theta, &scaled, 1e-2)),
            ("fadam (λ = 0)", run(&fadam, &theta, &grads, 1e-2), run(&fadam, &theta, &scaled, 1e-2)),
        ];
        for (name, a, b) in pairs {
            for (step, ((a, _), (b, _))) in a.iter().zip(&b).enumerate() {
                for (x, y) in a.iter().zip(b) {
                    prop_assert!((x - y).abs() <= 1e-5 * x.abs().max(1.0), "{name} step {}: {x} vs {y} at scale {scale}", step + 1);
                }
            }
        }
    }

    /// InvAdam's update m̂ ⊙ (√v̂ + ε) is homogeneous of degree 2 in the gradient (ε = 0).
    /// Measured from θ = 0 with lr = 1, so that the update is not lost in θ's rounding.
    #[test]
    fn inv_adam_update_scales_with_the_square_of_the_gradient(
        grad in vector(-5.0..5.0), scale in 0.1f32..10.0,
    ) {
        let inv = InvAdamConfig::new().with_epsilon(0.0).build();
        let scaled: Vec<f32> = grad.iter().map(|g| g * scale).collect();
        let (a, _) = &run(&inv, &[0.0; N], &[grad], 1.0)[0];
        let (b, _) = &run(&inv, &[0.0; N], &[scaled], 1.0)[0];
        for (x, y) in a.iter().zip(b) {
            let expected = f64::from(*x) * f64::from(scale).powi(2);
            prop_assert!((f64::from(*y) - expected).abs() <= 1e-5 * expected.abs(), "{y} vs {expected}");
        }
    }

    /// DualAdam with switch_rate 0 is InvAdam, bit for bit.
    #[test]
    fn dual_adam_without_switch_is_inv_adam(theta in vector(-3.0..3.0), grads in gradients(), weight_decay in 0.0f64..0.1) {
        let dual = DualAdamConfig::new().with_switch_rate(0.0).with_weight_decay(weight_decay).build();
        let inv = InvAdamConfig::new().with_weight_decay(weight_decay).build();
        let a: Vec<Vec<f32>> = run(&dual, &theta, &grads, 1e-2).into_iter().map(|(t, _)| t).collect();
        let b: Vec<Vec<f32>> = run(&inv, &theta, &grads, 1e-2).into_iter().map(|(t, _)| t).collect();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn fadam_all_zero_gradients_stay_finite_in_the_default_variant() {
    let fadam = FAdamConfig::new().build();
    let zeros = vec![vec![0.0; N]; 5];
    for (theta, state) in run(&fadam, &[1.0, -2.0, 0.0, 3.0, -4.0, 0.5], &zeros, 1e-2) {
        assert!(all_finite(&theta), "θ = {theta:?}");
        assert!(all_finite(&values(state.m)) && all_finite(&values(state.v)));
    }
}

#[test]
fn fadam_paper_v3_epsilon_divides_zero_by_zero_as_documented() {
    use burn_balanced_adam::FAdamEpsilon;
    let fadam = FAdamConfig::new()
        .with_epsilon_mode(FAdamEpsilon::PaperV3)
        .with_weight_decay(0.0)
        .build();
    let steps = run(&fadam, &[1.0; N], &[vec![0.0; N]], 1e-2);
    assert!(
        steps[0].0.iter().all(|x| x.is_nan()),
        "the v3 rule is expected to give NaN: {:?}",
        steps[0].0
    );
}

#[test]
fn non_finite_gradients_propagate_instead_of_being_hidden() {
    // Defined behaviour: the step does not read values back to the host to check them, so a
    // NaN gradient poisons the coordinates it touches; callers detect it from the loss.
    let optim = BalancedAdamConfig::new().build();
    let steps = run(&optim, &[1.0, 2.0], &[vec![f32::NAN, 1.0]], 1e-2);
    assert!(steps[0].0[0].is_nan() && steps[0].0[1].is_finite());
}
