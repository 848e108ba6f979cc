//! `implementation = "fused"` demands the kernel, as PyTorch's `fused=True` does: where a
//! parameter's backend or dtype has none, `try_init_for(&model)` is an error naming the
//! parameter, the device and the dtype, and a bare step panics with that message instead of
//! silently taking the reference path; `auto` keeps falling back; f32 on Flex takes the kernel.

use burn::module::{Module, Param};
use burn::optim::Optimizer;
use burn::tensor::{DType, Device, Tensor};
use burn_balanced_adam::{
    BalancedAdamConfig, ConfigError, FAdamConfig, StepImplementation, fused_step_available,
};

#[derive(Module, Debug)]
struct Weights {
    w: Param<Tensor<2>>,
}

/// A 3 × 4 parameter of `dtype` on Flex.
fn weights(dtype: DType) -> Weights {
    let w = Tensor::<2>::ones([3, 4], &Device::flex()).cast(dtype);
    Weights {
        w: Param::from_tensor(w),
    }
}

#[test]
fn fused_without_a_kernel_is_an_error_naming_device_and_dtype() {
    let f64_model = weights(DType::F64);
    assert!(!fused_step_available(&f64_model.w.val()), "no f64 kernel");
    let fused = BalancedAdamConfig::new().with_implementation(StepImplementation::Fused);
    let err = fused.try_init_for(&f64_model).err().expect("refused");
    match &err {
        ConfigError::Unsupported { field, reason, .. } => {
            assert_eq!(*field, "implementation");
            assert!(reason.contains("`w`") && reason.contains("F64"), "{reason}");
            assert!(
                reason.contains("Flex") || reason.contains("flex"),
                "{reason}"
            );
        }
        other => panic!("expected Unsupported, got {other}"),
    }
    let fadam = FAdamConfig::new().with_implementation(StepImplementation::Fused);
    assert!(
        fadam.try_init_for(&f64_model).is_err(),
        "FAdam's kernel is f32 too"
    );

    // The bare step says the same instead of falling back.
    let theta = f64_model.w.val();
    let grad = theta.clone().mul_scalar(0.5);
    let optim = fused.build();
    let panic = std::panic::catch_unwind(|| optim.step(0.1, theta.clone(), grad.clone(), None))
        .expect_err("a fused step without a kernel");
    let message = panic.downcast_ref::<String>().expect("a message");
    assert!(
        message.contains("fused") && message.contains("F64"),
        "{message}"
    );

    // `auto` falls back to the reference and steps.
    let auto = BalancedAdamConfig::new().build();
    let (stepped, state) = auto.step(0.1, theta.clone(), grad, None);
    assert_eq!(state.expect("a state").time, 1);
    let moved: Vec<f64> = stepped.into_data().convert::<f64>().try_to_vec().unwrap();
    assert!(moved.iter().all(|&x| (x - 0.9).abs() < 1e-6), "{moved:?}");
}

#[test]
fn fused_with_a_kernel_initializes_and_steps() {
    let model = weights(DType::F32);
    let fused = BalancedAdamConfig::new().with_implementation(StepImplementation::Fused);
    assert_eq!(
        fused.try_init_for(&model).is_ok(),
        cfg!(feature = "flex"),
        "f32 on Flex has the kernel exactly when the crate's `flex` feature is on"
    );
}
