//! The local cache directory and atomic writes into it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::DataError;
use crate::error::io;

/// Environment variable that overrides the default cache directory.
pub const CACHE_ENV: &str = "BBA_DATA_DIR";

/// The cache directory: `explicit` (a CLI flag) if given, else `$BBA_DATA_DIR`, else
/// `<user cache dir>/burn-balanced-adam` (`~/.cache/burn-balanced-adam` on Linux).
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

/// Writes `bytes` to `path` so that no reader ever sees a partial file: the bytes go to a
/// temporary file in the same directory, are flushed to disk, then renamed over `path`.
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
    Ok(())
}

/// Reads a whole file, with the path in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(io(path))
}
