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
    /// The dataset could not be loaded for a run.
    #[error("{source}\n  fetch it with: experiments data fetch {dataset}")]
    Data {
        /// The dataset crate's error.
        #[source]
        source: bba_datasets::DataError,
        /// The dataset, as `experiments data fetch` names it.
        dataset: String,
    },
    /// An `experiments data` command failed (fetching, verifying, inspecting the cache).
    #[error(transparent)]
    Dataset(#[from] bba_datasets::DataError),
    /// The refresh rule could not decide β (the library's error).
    #[error(transparent)]
    Refresh(#[from] burn_balanced_adam::RefreshError),
    /// A child process (a study shard of `--jobs N`) could not be started.
    #[error("starting {what}: {source}")]
    Spawn {
        /// What was being started, e.g. `shard 2/4`.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::ExperimentError;

    #[test]
    fn library_and_dataset_errors_are_kept_as_sources_not_strings() {
        let data = ExperimentError::Data {
            source: bba_datasets::DataError::Invalid("truncated idx file".into()),
            dataset: "mnist".into(),
        };
        let source = data.source().expect("the dataset error is the source");
        assert!(source.to_string().contains("truncated idx file"));
        assert!(data.to_string().contains("experiments data fetch mnist"));
        // The refresh rule's own error comes through `?` unchanged.
        let refresh = burn_balanced_adam::refresh::RefreshRule::default().from_budget(0);
        let err: ExperimentError = refresh.expect_err("a zero budget is refused").into();
        assert!(matches!(err, ExperimentError::Refresh(_)), "{err:?}");
        assert!(err.to_string().contains("planned_updates"), "{err}");
        let spawn = ExperimentError::Spawn {
            what: "shard 1/2".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert!(spawn.source().is_some() && spawn.to_string().starts_with("starting shard 1/2"));
    }
}
