//! Test helpers shared by the integration tests: the devices under test and tensor I/O.
#![allow(dead_code)] // each test binary uses a subset

pub mod noise;

use std::sync::OnceLock;

use burn::tensor::wgpu::WgpuInitError;
use burn::tensor::{Device, DeviceKind, Tensor, TensorData};

/// The devices every device-parameterized test runs on.
#[derive(Debug, Clone, Copy)]
pub enum TestDevice {
    /// Burn's pure-Rust CPU backend: always available.
    Flex,
    /// The second backend under test, named by `BBA_TEST_BACKEND` (see [`second_backend`]):
    /// Burn's wgpu by default (a GPU, or Mesa's software Vulkan driver, lavapipe, in CI).
    Second,
}

/// The backend `BBA_TEST_BACKEND` names (`BBA_TEST_GPU` is read as an older spelling):
/// `wgpu` (the default), `cuda` (tests built with `--features cuda`; `scripts/gpu-check.sh`
/// runs them both ways), or Burn's deprecated CPU backends `ndarray` and `tch` (built with
/// `--features ndarray` / `--features tch`), where our optimizers take their reference path.
pub fn second_backend() -> String {
    std::env::var("BBA_TEST_BACKEND")
        .or_else(|_| std::env::var("BBA_TEST_GPU"))
        .unwrap_or_else(|_| "wgpu".into())
}

/// Opens a backend that is either built in or a hard failure: a test run that asks for it
/// must not turn into silent skips.
fn open_named(name: &str) -> Device {
    #[cfg(feature = "cuda")]
    if name == "cuda" {
        return Device::cuda(0);
    }
    #[cfg(feature = "ndarray")]
    if name == "ndarray" {
        #[allow(deprecated)] // the deprecated backend is what this case tests
        return Device::ndarray();
    }
    #[cfg(feature = "tch")]
    if name == "tch" {
        #[allow(deprecated)] // the deprecated backend is what this case tests
        return Device::libtorch();
    }
    match name {
        "cuda" | "ndarray" | "tch" => {
            panic!("BBA_TEST_BACKEND={name}: build the tests with `--features {name}`")
        }
        other => panic!("BBA_TEST_BACKEND={other}: expected wgpu, cuda, ndarray or tch"),
    }
}

impl TestDevice {
    /// Whether this device has our fused kernels (Flex, wgpu, CUDA); on Burn's deprecated CPU
    /// backends (`ndarray`, `tch`) every step takes the reference path.
    pub fn has_fused_kernels(self) -> bool {
        match self {
            TestDevice::Flex => true,
            TestDevice::Second => matches!(second_backend().as_str(), "wgpu" | "cuda"),
        }
    }

    /// The device, or `None` (with a message) when this machine has no wgpu adapter.
    ///
    /// With `BBA_REQUIRE_WGPU=1` (set by CI) a missing adapter is a failure, so a broken
    /// driver install cannot turn the GPU-path tests into silent skips.
    pub fn device(self) -> Option<Device> {
        match self {
            TestDevice::Flex => Some(Device::flex()),
            TestDevice::Second => {
                static WGPU: OnceLock<Option<Device>> = OnceLock::new();
                let name = second_backend();
                if name != "wgpu" {
                    return Some(open_named(&name));
                }
                let device = WGPU.get_or_init(|| match Device::wgpu_options().init() {
                    Ok(device) => Some(device),
                    // Another copy of this module registered the runtime first (the suites
                    // linked into one executable, tests/gpu_check.rs): it is there to use.
                    Err(WgpuInitError::Registration { .. }) => {
                        Some(Device::wgpu(DeviceKind::DefaultDevice))
                    }
                    Err(err) => {
                        eprintln!("wgpu: no adapter on this machine ({err})");
                        None
                    }
                });
                if device.is_none() {
                    let required = std::env::var("BBA_REQUIRE_WGPU").is_ok_and(|v| v == "1");
                    assert!(
                        !required,
                        "BBA_REQUIRE_WGPU=1 but no wgpu adapter could be initialized"
                    );
                    eprintln!(
                        "SKIPPED on wgpu: no adapter (install mesa-vulkan-drivers for lavapipe)"
                    );
                }
                device.clone()
            }
        }
    }
}

/// A tensor from flat row-major values and a shape.
pub fn tensor<const D: usize>(values: &[f32], shape: &[usize], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape.to_vec()), device)
}

/// The values of a tensor, flattened row-major.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .try_to_vec::<f32>()
        .expect("an f32 tensor")
}
