//! Device names in configs (`flex`, `wgpu`, `wgpu:1`, `cuda`, `cuda:0`) → Burn devices.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use burn::tensor::Device;

use crate::error::ExperimentError;

/// The backends a config can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Burn's pure-Rust CPU backend.
    Flex,
    /// CubeCL on wgpu (Vulkan, Metal, DX12; lavapipe on a GPU-less machine).
    Wgpu,
    /// CubeCL on CUDA (needs the `cuda` cargo feature).
    Cuda,
}

/// A device as a config names it, parsed when the config is read: `flex`, `wgpu`, `wgpu:N`,
/// `cuda`, `cuda:N` (`cpu` is read as `flex`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceName {
    /// The backend.
    pub backend: Backend,
    /// Which of its devices (`None`: the default one).
    pub index: Option<usize>,
}

impl DeviceName {
    /// Burn's CPU backend.
    pub const FLEX: DeviceName = DeviceName {
        backend: Backend::Flex,
        index: None,
    };
}

impl FromStr for DeviceName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        let (backend, index) = parse_device_name(name)?;
        Ok(Self { backend, index })
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.backend {
            Backend::Flex => "flex",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        };
        match self.index {
            Some(i) => write!(f, "{backend}:{i}"),
            None => f.write_str(backend),
        }
    }
}

impl serde::Serialize for DeviceName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DeviceName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse()
            .map_err(|why| serde::de::Error::custom(format!("device {name:?}: {why}")))
    }
}

/// Parses `backend` or `backend:index`.
fn parse_device_name(name: &str) -> Result<(Backend, Option<usize>), String> {
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
pub fn open_device(name: &DeviceName) -> Result<Device, ExperimentError> {
    static OPENED: OnceLock<Mutex<HashMap<DeviceName, Device>>> = OnceLock::new();
    let mut opened = OPENED
        .get_or_init(Default::default)
        .lock()
        .expect("no panic while holding the device table");
    if let Some(device) = opened.get(name) {
        return Ok(device.clone());
    }
    let device = open_new(name)?;
    opened.insert(*name, device.clone());
    Ok(device)
}

fn open_new(name: &DeviceName) -> Result<Device, ExperimentError> {
    let fail = |why: String| ExperimentError::Device {
        device: name.to_string(),
        why,
    };
    let index = name.index;
    match name.backend {
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
