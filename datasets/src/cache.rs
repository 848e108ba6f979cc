//! The local cache directory and atomic writes into it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::DataError;
use crate::error::io;

/// Environment variable that overrides the default cache directory.
pub const CACHE_ENV: &str = "BBA_DATA_DIR";

/// The cache directory: `explicit` (a CLI flag) if given, else `$BBA_DATA_DIR` (an empty value
/// counts as unset, everywhere), else `<user cache dir>/burn-balanced-adam`
/// (`~/.cache/burn-balanced-adam` on Linux).
pub fn cache_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("burn-balanced-adam")
}

/// Checks that the cache `root` is, or can become, a writable directory, before anything is
/// downloaded: a path that is a file, or a directory that cannot be written, is an error that
/// names it.
pub fn check_writable(root: &Path) -> Result<(), DataError> {
    if root.exists() && !root.is_dir() {
        return Err(DataError::Invalid(format!(
            "cache directory {}: it is a file, not a directory; pass another --cache-dir (or \
             {CACHE_ENV})",
            root.display()
        )));
    }
    std::fs::create_dir_all(root).map_err(|e| {
        DataError::Invalid(format!(
            "cache directory {}: cannot create it ({e}); pass a writable --cache-dir (or \
             {CACHE_ENV})",
            root.display()
        ))
    })?;
    tempfile::NamedTempFile::new_in(root)
        .map(drop)
        .map_err(|e| {
            DataError::Invalid(format!(
                "cache directory {}: cannot write to it ({e}); pass a writable --cache-dir (or \
             {CACHE_ENV})",
                root.display()
            ))
        })
}

/// Writes `bytes` to `path` so that no reader ever sees a partial file and a crash never loses
/// a finished one: the bytes go to a uniquely named temporary file in the same directory, are
/// flushed to disk, renamed over `path`, and the directory entry is flushed too. Every file the
/// workspace writes goes through here (the experiments' records included).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    file.write_all(bytes).map_err(io(path))?;
    file.as_file().sync_all().map_err(io(path))?;
    file.persist(path).map_err(|err| DataError::Io {
        path: path.to_path_buf(),
        source: err.error,
    })?;
    // The rename is durable only once the directory is: flush it where the platform allows
    // opening a directory (Unix); elsewhere the rename alone is what there is.
    if cfg!(unix) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    Ok(())
}

/// Reads a whole file, with the path in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(io(path))
}
