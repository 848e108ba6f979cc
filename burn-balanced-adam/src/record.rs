//! Checked loads of saved optimizer state.
//!
//! Burn's `ModuleOptimizer::load` cannot fail on content: a parameter whose state does not
//! rebuild (another optimizer's leaves, a truncated record) is silently re-initialized, and a
//! record of another shape fails later, inside a step. [`load_checked`] (and
//! [`from_bytes_checked`], or a config's `try_load_state`) reads the record's layout first and
//! refuses, naming the parameter, a record written by another kind of optimizer, one whose
//! moments do not match the model's parameter shapes, or one holding parameters the model does
//! not have; only then does it hand the record to Burn. Records written before the optimizer
//! kind was recorded load as before (they carry no kind, so only their layout is checked).
//!
//! ```no_run
//! use burn::nn::LinearConfig;
//! use burn::tensor::Device;
//! use burn_balanced_adam::BalancedAdamConfig;
//!
//! let model = LinearConfig::new(4, 2).init(&Device::flex());
//! let config = BalancedAdamConfig::new();
//! let optim = config.try_load_state(config.try_init()?, "checkpoint/optim-3.bpk".as_ref(), &model)?;
//! # let _ = optim;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::ModuleOptimizer;
use burn::tensor::{Bytes, Tensor};
use burn_pack::{Reader, Scalar};
use thiserror::Error;

use crate::state::KIND_LEAF;
pub use crate::state::OptimizerKind;
use crate::step::{Kernel, missing_kernel};

/// Why a saved optimizer state was refused.
#[derive(Debug, Error)]
pub enum StateError {
    /// The file (or bytes) is not a readable burnpack record.
    #[error("cannot read the optimizer record {}: {reason}", source_name(.path))]
    Unreadable {
        /// The file, if read from one.
        path: Option<PathBuf>,
        /// What the reader said.
        reason: String,
    },
    /// The record was written by another optimizer.
    #[error(
        "parameter `{param}`: the record was written by {recorded}, not {expected}; load it into \
         a {recorded} optimizer, or start {expected} from a fresh state"
    )]
    KindMismatch {
        /// The parameter's path.
        param: String,
        /// Who wrote it.
        recorded: OptimizerKind,
        /// Who is loading it.
        expected: OptimizerKind,
    },
    /// The record's leaves are not this crate's state (e.g. Burn's own Adam: `momentum.*`).
    #[error(
        "parameter `{param}`: not a burn-balanced-adam state (leaves: {}); was it saved by \
         another optimizer, e.g. Burn's own?", leaves.join(", ")
    )]
    Foreign {
        /// The parameter's path.
        param: String,
        /// The leaves it holds.
        leaves: Vec<String>,
    },
    /// A moment's shape differs from the model's parameter.
    #[error(
        "parameter `{param}`: the recorded `{leaf}` has shape {recorded:?}, the model's parameter \
         {expected:?}; the record belongs to another model"
    )]
    ShapeMismatch {
        /// The parameter's path.
        param: String,
        /// Which leaf (`m`, `v`, `v_max`, or `rank`).
        leaf: String,
        /// The recorded shape.
        recorded: Vec<usize>,
        /// The parameter's shape.
        expected: Vec<usize>,
    },
    /// The record holds a parameter the model does not have.
    #[error(
        "the record holds state for parameter {id}{} that the model does not have; it belongs to \
         another model (or another initialization of it: parameter ids are saved with the model's \
         record)", path.as_ref().map(|p| format!(" (`{p}`)")).unwrap_or_default()
    )]
    UnknownParameter {
        /// The parameter id.
        id: u64,
        /// Its path, as recorded.
        path: Option<String>,
    },
    /// Burn failed to load the checked record.
    #[error("loading the optimizer record failed: {0}")]
    Load(String),
}

fn source_name(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map_or_else(|| "(bytes)".into(), |p| p.display().to_string())
}

/// A float parameter of a module, as the checks need it.
#[derive(Debug, Clone)]
pub(crate) struct FloatParam {
    pub(crate) id: u64,
    pub(crate) path: String,
    pub(crate) shape: Vec<usize>,
    /// With a kernel asked for: why this parameter has none, if it has none.
    pub(crate) missing_kernel: Option<String>,
}

/// Every float parameter of `module`, with its path as `ModuleOptimizer` names it.
pub(crate) fn float_params<M: Module>(module: &M, kernel: Option<Kernel>) -> Vec<FloatParam> {
    struct Params {
        kernel: Option<Kernel>,
        path: Vec<String>,
        found: Vec<FloatParam>,
    }
    impl ModuleVisitor for Params {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val();
            self.found.push(FloatParam {
                id: param.id.val(),
                path: self.path.join("."),
                shape: tensor.shape().to_vec(),
                missing_kernel: self
                    .kernel
                    .and_then(|kernel| missing_kernel(&tensor, kernel)),
            });
        }
    }
    let mut params = Params {
        kernel,
        path: Vec::new(),
        found: Vec::new(),
    };
    module.visit(&mut params);
    params.found
}

/// The leaves one parameter's record holds.
#[derive(Default)]
struct RecordedParam {
    tensors: BTreeMap<String, Vec<usize>>,
    scalars: BTreeMap<String, Scalar>,
    path: Option<String>,
}

/// Checks a record's layout against `module` and the `expected` optimizer kind (module docs).
fn check_reader<M: Module>(
    reader: Reader,
    module: &M,
    expected: OptimizerKind,
) -> Result<(), StateError> {
    let mut recorded: BTreeMap<u64, RecordedParam> = BTreeMap::new();
    for (key, value) in reader.scalars() {
        if let Some((id, leaf)) = split_key(key) {
            let param = recorded.entry(id).or_default();
            param.scalars.insert(leaf.to_string(), *value);
        }
    }
    for (key, path) in reader.metadata() {
        if let Ok(id) = key.parse::<u64>() {
            recorded.entry(id).or_default().path = Some(path.clone());
        }
    }
    let unreadable = |err: burn_pack::Error| StateError::Unreadable {
        path: None,
        reason: err.to_string(),
    };
    for tensor in reader.into_tensors().map_err(unreadable)? {
        let (name, _dtype, shape, param_id, _bytes) = tensor.into_parts().map_err(unreadable)?;
        let (id, leaf) = match (param_id, split_key(&name)) {
            (Some(id), Some((_, leaf))) => (id, leaf.to_string()),
            (_, Some((id, leaf))) => (id, leaf.to_string()),
            _ => continue,
        };
        recorded
            .entry(id)
            .or_default()
            .tensors
            .insert(leaf, shape.to_vec());
    }

    let params: BTreeMap<u64, FloatParam> = float_params(module, None)
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for (id, record) in recorded {
        let Some(param) = params.get(&id) else {
            return Err(StateError::UnknownParameter {
                id,
                path: record.path,
            });
        };
        check_param(param, &record, expected)?;
    }
    Ok(())
}

fn check_param(
    param: &FloatParam,
    record: &RecordedParam,
    expected: OptimizerKind,
) -> Result<(), StateError> {
    let name = param.path.clone();
    // Without a kind the record predates kinds (or is someone else's): only its layout is
    // checked below.
    if let Some(&code) = record.scalars.get(KIND_LEAF) {
        match u64::try_from(code).ok().and_then(OptimizerKind::from_code) {
            Some(recorded) if recorded != expected => {
                return Err(StateError::KindMismatch {
                    param: name,
                    recorded,
                    expected,
                });
            }
            Some(_) => {}
            None => {
                return Err(StateError::Foreign {
                    param: name,
                    leaves: vec![format!(
                        "{KIND_LEAF} = {code:?} (no optimizer of this crate)"
                    )],
                });
            }
        }
    }
    let ours = record.tensors.contains_key("m")
        && record.tensors.contains_key("v")
        && record.scalars.contains_key("time");
    if !ours {
        let leaves = record
            .tensors
            .keys()
            .chain(record.scalars.keys().filter(|k| !k.starts_with("__")))
            .cloned()
            .collect();
        return Err(StateError::Foreign {
            param: name,
            leaves,
        });
    }
    if let Some(rank) = record
        .scalars
        .get("__rank")
        .and_then(|&r| usize::try_from(r).ok())
        && rank != param.shape.len()
    {
        return Err(StateError::ShapeMismatch {
            param: name,
            leaf: "rank".into(),
            recorded: vec![rank],
            expected: vec![param.shape.len()],
        });
    }
    for (leaf, shape) in &record.tensors {
        if shape != &param.shape {
            return Err(StateError::ShapeMismatch {
                param: name,
                leaf: leaf.clone(),
                recorded: shape.clone(),
                expected: param.shape.clone(),
            });
        }
    }
    Ok(())
}

/// `"{param_id}.{leaf}"` → `(param_id, leaf)`.
fn split_key(key: &str) -> Option<(u64, &str)> {
    let (id, leaf) = key.split_once('.')?;
    Some((id.parse().ok()?, leaf))
}

/// Checks the record at `path` (written by `ModuleOptimizer::save`) against `module` and the
/// optimizer kind `expected`, without loading it.
pub fn check_record<M: Module>(
    path: impl AsRef<Path>,
    module: &M,
    expected: OptimizerKind,
) -> Result<(), StateError> {
    let path = path.as_ref();
    let reader = Reader::from_file_exact(path).map_err(|err| StateError::Unreadable {
        path: Some(path.to_path_buf()),
        reason: err.to_string(),
    })?;
    check_reader(reader, module, expected).map_err(|err| match err {
        StateError::Unreadable { reason, .. } => StateError::Unreadable {
            path: Some(path.to_path_buf()),
            reason,
        },
        other => other,
    })
}

/// `optim.load(path)` after [`check_record`] passed: the path to load this crate's optimizer
/// state with. Burn reads the file lazily: keep it until the first step after loading.
pub fn load_checked<M: Module>(
    optim: ModuleOptimizer,
    path: impl AsRef<Path>,
    module: &M,
    expected: OptimizerKind,
) -> Result<ModuleOptimizer, StateError> {
    let path = path.as_ref();
    check_record(path, module, expected)?;
    optim
        .load(path)
        .map_err(|err| StateError::Load(err.to_string()))
}

/// `optim.from_bytes(bytes)` after the checks of [`check_record`] passed on `bytes`.
pub fn from_bytes_checked<M: Module>(
    optim: ModuleOptimizer,
    bytes: Bytes,
    module: &M,
    expected: OptimizerKind,
) -> Result<ModuleOptimizer, StateError> {
    let reader = Reader::from_bytes(bytes.clone()).map_err(|err| StateError::Unreadable {
        path: None,
        reason: err.to_string(),
    })?;
    check_reader(reader, module, expected)?;
    optim
        .from_bytes(bytes)
        .map_err(|err| StateError::Load(err.to_string()))
}
