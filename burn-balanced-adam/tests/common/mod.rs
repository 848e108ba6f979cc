//! Test helpers shared by the integration tests: the devices under test and tensor I/O.
#![allow(dead_code)] // each test binary uses a subset

pub mod noise;

use std::sync::OnceLock;

use burn::tensor::{Device, Tensor, TensorData};

/// The devices every device-parameterized test runs on.
#[derive(Debug, Clone, Copy)]
pub enum TestDevice {
    /// Burn's pure-Rust CPU backend: always available.
    Flex,
    /// The GPU backend under test: Burn's wgpu (a GPU, or Mesa's software Vulkan driver,
    /// lavapipe, in CI), or CUDA when `BBA_TEST_GPU=cuda` and the tests are built with
    /// `--features cuda` (`scripts/gpu-check.sh` runs them both ways).
    Wgpu,
}

/// The GPU backend `BBA_TEST_GPU` names: `wgpu` (the default) or `cuda`.
pub fn gpu_backend() -> String {
    std::env::var("BBA_TEST_GPU").unwrap_or_else(|_| "wgpu".into())
}

#[cfg(feature = "cuda")]
fn open_cuda() -> Device {
    Device::cuda(0)
}

#[cfg(not(feature = "cuda"))]
fn open_cuda() -> Device {
    panic!("BBA_TEST_GPU=cuda: build the tests with `--features cuda`")
}

impl TestDevice {
    /// The device, or `None` (with a message) when this machine has no wgpu adapter.
    ///
    /// With `BBA_REQUIRE_WGPU=1` (set by CI) a missing adapter is a failure, so a broken
    /// driver install cannot turn the GPU-path tests into silent skips.
    pub fn device(self) -> Option<Device> {
        match self {
            TestDevice::Flex => Some(Device::flex()),
            TestDevice::Wgpu => {
                static WGPU: OnceLock<Option<Device>> = OnceLock::new();
                match gpu_backend().as_str() {
                    "wgpu" => {}
                    // A missing CUDA device fails loudly at its first use: no silent skip.
                    "cuda" => return Some(open_cuda()),
                    other => panic!("BBA_TEST_GPU={other}: expected wgpu or cuda"),
                }
                let device = WGPU.get_or_init(|| match Device::wgpu_options().init() {
                    Ok(device) => Some(device),
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
