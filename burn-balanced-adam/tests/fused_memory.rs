//! The fused steps allocate no full-size buffer: after the first step (which creates the
//! state), a step of a 4 MB parameter allocates less than a tenth of it at its peak, while the
//! reference's chain of tensor ops allocates several full-size temporaries (which shows that
//! this measurement sees them). One test in its own binary, so the counters see nothing else.

use burn::optim::Optimizer;
use burn::tensor::{Device, Tensor, TensorData};
use burn_balanced_adam::{
    BalancedAdamConfig, DualAdamConfig, FAdamConfig, InvAdamConfig, MomentState, StepImplementation,
};

#[path = "common/peak_alloc.rs"]
mod peak_alloc;
use peak_alloc::{PeakAlloc, peak_since, start_peak};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

const N: usize = 1 << 20;
const TENSOR_BYTES: usize = N * size_of::<f32>();

/// Peak bytes allocated by the second step of `optim` (the first one creates the state).
fn second_step_peak<O: Optimizer<State<1> = MomentState<1>>>(optim: &O) -> usize {
    let device = Device::flex();
    let data = |scale: f32| {
        let values = (0..N)
            .map(|i| ((i % 97) as f32 - 48.0) * scale)
            .collect::<Vec<_>>();
        Tensor::<1>::from_data(TensorData::new(values, [N]), &device)
    };
    let (theta, state) = optim.step(1e-3, data(1e-2), data(1e-3), None);
    let grad = data(2e-3);
    let base = start_peak();
    let (theta, state) = optim.step(1e-3, theta, grad, state);
    let peak = peak_since(base);
    drop((theta, state));
    peak
}

#[test]
fn fused_steps_allocate_no_full_size_buffer() {
    let run = |implementation| {
        [
            (
                "balanced_adam",
                second_step_peak(
                    &BalancedAdamConfig::new()
                        .with_weight_decay(0.1)
                        .with_implementation(implementation)
                        .build(),
                ),
            ),
            (
                "dual_adam",
                second_step_peak(
                    &DualAdamConfig::new()
                        .with_implementation(implementation)
                        .build(),
                ),
            ),
            (
                "inv_adam",
                second_step_peak(
                    &InvAdamConfig::new()
                        .with_implementation(implementation)
                        .build(),
                ),
            ),
            (
                "fadam",
                second_step_peak(
                    &FAdamConfig::new()
                        .with_implementation(implementation)
                        .build(),
                ),
            ),
        ]
    };
    for (name, peak) in run(StepImplementation::Auto) {
        println!("{name} fused: {peak} bytes at peak");
        assert!(
            peak < TENSOR_BYTES / 10,
            "{name}: the fused step allocated {peak} bytes at its peak ({TENSOR_BYTES} per tensor)"
        );
    }
    for (name, peak) in run(StepImplementation::Reference) {
        println!("{name} reference: {peak} bytes at peak");
        assert!(
            peak >= TENSOR_BYTES,
            "{name}: the reference should allocate full-size temporaries; got {peak} bytes"
        );
    }
}
