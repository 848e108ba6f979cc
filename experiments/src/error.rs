//! The errors an experiment command can end with; each says what to do about it.

use std::path::PathBuf;

use thiserror::Error;

/// Why a command failed.
#[derive(Debug, Error)]
pub enum ExperimentError {
    /// The config file is invalid (parse error, unknown key, out-of-range value).
    #[error("invalid config {path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The dataset could not be loaded.
    #[error("{0}\n  fetch it with: experiments data fetch {1}")]
    Data(bba_datasets::DataError, String),
    /// The requested device cannot be used.
    #[error("device {device:?}: {why}")]
    Device {
        /// The device as written in the config.
        device: String,
        /// Why not.
        why: String,
    },
    /// A run directory is in a state the command cannot continue from.
    #[error("{dir}: {message}")]
    RunDir {
        /// The run directory.
        dir: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Training stopped without finishing (non-finite loss, interruption, a Burn error).
    #[error("run {dir} did not finish: {message}")]
    Training {
        /// The run directory, which records the same message in `summary.json`.
        dir: PathBuf,
        /// What happened.
        message: String,
    },
    /// Anything else, in words.
    #[error("{0}")]
    Other(String),
}

impl ExperimentError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ExperimentError::Io { path, source }
    }
}
