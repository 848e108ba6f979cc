//! Device names in configs (`flex`, `wgpu`, `wgpu:1`, `cuda`, `cuda:0`) → Burn devices.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use burn::tensor::Device;

use crate::error::ExperimentError;

/// The backends a config can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Burn's pure-Rust CPU backend.
    Flex,
    /// CubeCL on wgpu (Vulkan, Metal, DX12; lavapipe on a GPU-less machine).
    Wgpu,
    /// CubeCL on CUDA (needs the `cuda` cargo feature).
    Cuda,
}

/// Parses `backend` or `backend:index`.
pub fn parse_device_name(name: &str) -> Result<(Backend, Option<usize>), String> {
    let (backend, index) = match name.split_once(':') {
        Some((backend, index)) => {
            let index = index
                .parse::<usize>()
                .map_err(|_| format!("`{index}` is not a device index"))?;
            (backend, Some(index))
        }
        None => (name, None),
    };
    let backend = match backend {
        "flex" | "cpu" => Backend::Flex,
        "wgpu" => Backend::Wgpu,
        "cuda" => Backend::Cuda,
        other => {
            return Err(format!(
                "unknown backend `{other}`: one of flex, wgpu, wgpu:N, cuda, cuda:N"
            ));
        }
    };
    if backend == Backend::Flex && index.is_some_and(|i| i > 0) {
        return Err("there is one flex (CPU) device: write `flex`".into());
    }
    Ok((backend, index))
}

/// Opens the device a config names. Devices are opened once per process (wgpu's adapter can be
/// initialized only once) and reused by later runs of a sweep.
pub fn open_device(name: &str) -> Result<Device, ExperimentError> {
    static OPENED: OnceLock<Mutex<HashMap<String, Device>>> = OnceLock::new();
    let mut opened = OPENED
        .get_or_init(Default::default)
        .lock()
        .expect("no panic while holding the device table");
    if let Some(device) = opened.get(name) {
        return Ok(device.clone());
    }
    let device = open_new(name)?;
    opened.insert(name.to_string(), device.clone());
    Ok(device)
}

fn open_new(name: &str) -> Result<Device, ExperimentError> {
    let fail = |why: String| ExperimentError::Device {
        device: name.to_string(),
        why,
    };
    let (backend, index) = parse_device_name(name).map_err(fail)?;
    match backend {
        Backend::Flex => Ok(Device::flex()),
        Backend::Wgpu => {
            use burn::tensor::DeviceKind;
            let kind = match index {
                None => DeviceKind::DefaultDevice,
                Some(i) => DeviceKind::DiscreteGpu(i),
            };
            let first = Device::wgpu_options().device_kind(kind).init();
            match (first, index) {
                (Ok(device), _) => Ok(device),
                // No discrete GPU with that index: an integrated or software adapter may be it.
                (Err(_), Some(i)) => Device::wgpu_options()
                    .device_kind(DeviceKind::IntegratedGpu(i))
                    .init()
                    .map_err(|err| fail(format!("no wgpu adapter: {err}"))),
                (Err(err), None) => Err(fail(format!(
                    "no wgpu adapter ({err}); on a machine without a GPU install Mesa's software Vulkan driver (apt install mesa-vulkan-drivers libvulkan1)"
                ))),
            }
        }
        Backend::Cuda => open_cuda(index.unwrap_or(0)).map_err(fail),
    }
}

#[cfg(feature = "cuda")]
fn open_cuda(index: usize) -> Result<Device, String> {
    Ok(Device::cuda(index))
}

#[cfg(not(feature = "cuda"))]
fn open_cuda(_index: usize) -> Result<Device, String> {
    Err("this binary was built without CUDA: rebuild with `cargo build --release -p bba-experiments --features cuda`".into())
}
