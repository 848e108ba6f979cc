//! Every way data can be missing or wrong, each naming the file, what was expected, what was
//! found, and how to fix it.

use std::path::PathBuf;

use thiserror::Error;

/// An error while fetching, verifying or parsing a dataset.
#[derive(Debug, Error)]
pub enum DataError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file's checksum is not the pinned one: truncated, corrupted or a different release.
    #[error(
        "{path}: checksum mismatch: expected {algorithm} {expected}, found {found}. The file is \
         corrupt or not the expected release; delete it and run `experiments data fetch` again"
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// `md5` or `sha256`.
        algorithm: &'static str,
        /// The pinned checksum.
        expected: String,
        /// The checksum of the bytes found.
        found: String,
    },
    /// A file is not in the format expected (wrong magic number, short header, bad length).
    #[error("{path}: not a valid {format} file: expected {expected}, found {found}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The format, e.g. `IDX images`.
        format: &'static str,
        /// What the parser needed.
        expected: String,
        /// What it found.
        found: String,
    },
    /// Image and label files disagree on the number of samples.
    #[error("{images} holds {n_images} images but {labels} holds {n_labels} labels")]
    CountMismatch {
        /// The images file.
        images: PathBuf,
        /// Its sample count.
        n_images: usize,
        /// The labels file.
        labels: PathBuf,
        /// Its sample count.
        n_labels: usize,
    },
    /// A text corpus with no usable text.
    #[error("{path}: the corpus is empty after conversion; expected plain text")]
    EmptyCorpus {
        /// The file.
        path: PathBuf,
    },
    /// No source could provide the dataset.
    #[error(
        "could not fetch {dataset}: every source failed:\n  {}\nTo install it by hand, put these \
         files in {}: {}",
        tried.join("\n  "), dir.display(), files.join(", ")
    )]
    Unavailable {
        /// The dataset.
        dataset: String,
        /// Each source tried, with why it failed.
        tried: Vec<String>,
        /// The cache directory where hand-placed files are picked up.
        dir: PathBuf,
        /// The file names expected there.
        files: Vec<String>,
    },
    /// A request that cannot be met (unknown dataset name, impossible split, bad option).
    #[error("{0}")]
    Invalid(String),
}

/// Attaches the path to an I/O error.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DataError {
    let path = path.into();
    move |source| DataError::Io { path, source }
}
