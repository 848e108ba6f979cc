//! What `data info` shows: per dataset, where it is cached, its size, sample counts and
//! checksum status.

use std::path::{Path, PathBuf};

use crate::catalog::DatasetName;
use crate::fetch::{CacheStatus, cache_status, dataset_dir};
use crate::text::{CharVocab, read_corpus};

/// One dataset's line in `data info`.
#[derive(Debug, Clone)]
pub struct DatasetInfo {
    /// Which dataset.
    pub name: DatasetName,
    /// Its cache directory.
    pub dir: PathBuf,
    /// Checksum status of its files.
    pub status: CacheStatus,
    /// Bytes on disk of its files that are present.
    pub bytes: u64,
    /// Sample counts (vision: train/test) or corpus size (text), when verified.
    pub contents: Option<String>,
}

/// Inspects `dataset` in the cache `root` (reads and checks every file).
pub fn inspect(root: &Path, dataset: DatasetName) -> DatasetInfo {
    let dir = dataset_dir(root, dataset);
    let status = cache_status(root, dataset);
    let bytes = dataset
        .spec()
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f.name)).ok())
        .map(|m| m.len())
        .sum();
    let contents = (status == CacheStatus::Verified)
        .then(|| describe(&dir, dataset))
        .flatten();
    DatasetInfo {
        name: dataset,
        dir,
        status,
        bytes,
        contents,
    }
}

fn describe(dir: &Path, dataset: DatasetName) -> Option<String> {
    match dataset {
        DatasetName::Mnist | DatasetName::FashionMnist => {
            let count = |name: &str| {
                let bytes = std::fs::read(dir.join(name)).ok()?;
                Some(u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?))
            };
            let (train, test) = (
                count("train-labels-idx1-ubyte")?,
                count("t10k-labels-idx1-ubyte")?,
            );
            Some(format!(
                "{train} train / {test} test images, 28×28, 10 classes"
            ))
        }
        DatasetName::Shakespeare | DatasetName::MobyDick => {
            let text = read_corpus(&dir.join("input.txt")).ok()?;
            let vocab = CharVocab::from_text(&text).ok()?;
            Some(format!(
                "{} characters, vocabulary of {}",
                text.chars().count(),
                vocab.len()
            ))
        }
    }
}
