//! The errors an experiment command can end with; each says what to do about it.

use std::path::PathBuf;

use thiserror::Error;

/// Why a command failed. Errors of the library, the dataset crate, Burn and the OS are kept as
/// [`std::error::Error::source`]s, not flattened to strings.
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
    /// A command-line argument that cannot be used as given (`flag` names it with its value).
    #[error("{flag}: {message}")]
    Argument {
        /// The flag as given, e.g. `--out results/x`.
        flag: String,
        /// What is wrong and what to give instead.
        message: String,
    },
    /// The inputs cannot be read as given: missing, empty, or in conflict with each other.
    #[error("{message}")]
    Input {
        /// What was looked for, where, and how to make it.
        message: String,
    },
    /// A run's config cannot run as resolved (it is valid alone, but not with its dataset or
    /// devices), or a library hyper-parameter is out of range.
    #[error("{run}: {message}")]
    RunConfig {
        /// The run, as its progress lines name it.
        run: String,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A hyper-parameter the library refused (the library's error, worded with its config key).
    #[error("{}", .source.keyed(.prefix))]
    Hyperparameter {
        /// The config table the field sits in, e.g. `schedule.`.
        prefix: &'static str,
        /// The library's error.
        #[source]
        source: burn_balanced_adam::ConfigError,
    },
    /// Runs or shards that did not finish, each with why.
    #[error("{} of {total} {what} did not finish:\n  {}", .failed.len(), .failed.join("\n  "))]
    Unfinished {
        /// What they are (`runs`, `points`, `shards`).
        what: &'static str,
        /// How many were attempted.
        total: usize,
        /// One line each: which, and why.
        failed: Vec<String>,
    },
    /// A figure or page of a report could not be made.
    #[error("{what}: {message}")]
    Report {
        /// The figure or page.
        what: String,
        /// Why.
        message: String,
    },
    /// A `data.*` size the dataset cannot provide (the dataset crate's error as the source).
    #[error("`data.{key}` = {value} does not fit {dataset}: {source}; lower it in the config")]
    DataSize {
        /// The key under `[data]`.
        key: &'static str,
        /// Its value as written (or `(default)`).
        value: String,
        /// The dataset.
        dataset: String,
        /// The dataset crate's error (boxed: it is large, and this path is rare).
        #[source]
        source: Box<bba_datasets::DataError>,
    },
    /// A batch could not be assembled (Burn's dataset error).
    #[error("batching: {0}")]
    Batching(#[source] burn::data::dataset::DatasetError),
    /// TensorBoard events could not be written.
    #[error("{path}: writing TensorBoard events: {source}")]
    TensorBoard {
        /// The event file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: tfrecord::Error,
    },
    /// The terminal could not be driven (the live dashboard).
    #[error("the terminal: {0}")]
    Terminal(#[source] std::io::Error),
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

    #[test]
    fn refusals_read_as_before_and_keep_their_sources() {
        let unfinished = ExperimentError::Unfinished {
            what: "points",
            total: 3,
            failed: vec!["lr=0.1: Diverged".into()],
        };
        assert_eq!(
            unfinished.to_string(),
            "1 of 3 points did not finish:\n  lr=0.1: Diverged"
        );

        let source = burn_balanced_adam::BalancedAdamConfig::new()
            .with_beta(1.0)
            .validate()
            .unwrap_err();
        let hyper = ExperimentError::Hyperparameter {
            prefix: "optimizer.",
            source,
        };
        assert!(
            hyper.to_string().starts_with("`optimizer.beta` = 1"),
            "{hyper}"
        );
        let kept = hyper.source().expect("the library's error is the source");
        assert!(
            kept.downcast_ref::<burn_balanced_adam::ConfigError>()
                .is_some()
        );
    }
}
