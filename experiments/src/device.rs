//! Device names in configs (`flex`, `wgpu`, `wgpu:1`, `cuda`, `cuda:0`, and the optional CPU
//! backends `ndarray` and `tch`) → Burn devices.

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
    /// Burn's ndarray CPU backend (the `ndarray` cargo feature; `openblas` adds a BLAS).
    /// Deprecated by Burn 0.22 in favour of Flex; kept as a measured alternative.
    NdArray,
    /// LibTorch's CPU device through `tch` (the `tch` cargo feature and a libtorch; see
    /// docs/performance.md). Deprecated by Burn 0.22; kept as a measured alternative.
    Tch,
}

/// A device as a config names it, parsed when the config is read: `flex`, `wgpu`, `wgpu:N`,
/// `cuda`, `cuda:N`, `ndarray`, `tch` (`cpu` is read as `flex`).
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
            Backend::NdArray => "ndarray",
            Backend::Tch => "tch",
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
        "ndarray" => Backend::NdArray,
        "tch" => Backend::Tch,
        other => {
            return Err(format!(
                "unknown backend `{other}`: one of flex, wgpu, wgpu:N, cuda, cuda:N, ndarray, tch"
            ));
        }
    };
    let single = matches!(backend, Backend::Flex | Backend::NdArray | Backend::Tch);
    if single && index.is_some_and(|i| i > 0) {
        let name = DeviceName {
            backend,
            index: None,
        };
        return Err(format!("there is one {name} (CPU) device: write `{name}`"));
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
        Backend::NdArray => open_ndarray().map_err(fail),
        Backend::Tch => open_tch().map_err(fail),
    }
}

#[cfg(feature = "ndarray")]
fn open_ndarray() -> Result<Device, String> {
    #[allow(deprecated)] // measured against Flex on purpose (docs/performance.md)
    Ok(Device::ndarray())
}

#[cfg(not(feature = "ndarray"))]
fn open_ndarray() -> Result<Device, String> {
    Err(
        "this binary was built without ndarray: rebuild with `--features ndarray` (or `openblas`)"
            .into(),
    )
}

#[cfg(feature = "tch")]
fn open_tch() -> Result<Device, String> {
    #[allow(deprecated)] // measured against Flex on purpose (docs/performance.md)
    Ok(Device::libtorch())
}

#[cfg(not(feature = "tch"))]
fn open_tch() -> Result<Device, String> {
    Err("this binary was built without LibTorch: rebuild with `--features tch` (docs/performance.md)".into())
}

#[cfg(feature = "cuda")]
fn open_cuda(index: usize) -> Result<Device, String> {
    Ok(Device::cuda(index))
}

#[cfg(not(feature = "cuda"))]
fn open_cuda(_index: usize) -> Result<Device, String> {
    Err("this binary was built without CUDA: rebuild with `cargo build --release -p bba-experiments --features cuda`".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_display() {
        for name in ["flex", "wgpu", "wgpu:1", "cuda", "cuda:0", "ndarray", "tch"] {
            let parsed: DeviceName = name.parse().unwrap();
            assert_eq!(parsed.to_string(), name);
        }
        assert_eq!("cpu".parse::<DeviceName>().unwrap(), DeviceName::FLEX);
    }

    #[test]
    fn bad_names_say_what_is_accepted() {
        let unknown = "tpu".parse::<DeviceName>().unwrap_err();
        assert!(unknown.contains("unknown backend `tpu`"), "{unknown}");
        assert!(unknown.contains("ndarray, tch"), "{unknown}");
        let index = "wgpu:x".parse::<DeviceName>().unwrap_err();
        assert!(index.contains("`x` is not a device index"), "{index}");
        for (name, single) in [
            ("flex:1", "flex"),
            ("ndarray:1", "ndarray"),
            ("tch:2", "tch"),
        ] {
            let err = name.parse::<DeviceName>().unwrap_err();
            assert_eq!(
                err,
                format!("there is one {single} (CPU) device: write `{single}`")
            );
        }
    }

    #[test]
    fn a_backend_left_out_of_the_build_is_an_error_naming_its_feature() {
        let cases = [
            ("cuda", cfg!(feature = "cuda")),
            ("ndarray", cfg!(feature = "ndarray")),
            ("tch", cfg!(feature = "tch")),
        ];
        for (name, built) in cases {
            if built {
                continue;
            }
            let err = open_device(&name.parse().unwrap()).unwrap_err().to_string();
            assert!(err.contains("--features"), "{name}: {err}");
        }
    }
}
