//! One process owns a run directory at a time: an advisory lock on `<run>/.lock` (the OS drops
//! it when the process ends, however it ends, so a killed run leaves no lock that blocks its
//! `--resume`), with the holder's pid written inside for the refusal message.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::ExperimentError;

/// The lock file's name inside a run directory.
pub const LOCK_FILE: &str = ".lock";

/// Held while a process trains into a run directory; dropping it releases the directory.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the run directory `dir` (which must exist), or says which process holds it.
    pub fn acquire(dir: &Path) -> Result<Self, ExperimentError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(ExperimentError::io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    "another process".to_string()
                } else {
                    format!("process {holder}")
                };
                return Err(ExperimentError::RunDir {
                    dir: dir.to_path_buf(),
                    message: format!(
                        "is in use by {who} (another `experiments` training this run now); \
                         wait for it to finish, or give this run another `name`"
                    ),
                });
            }
            Err(TryLockError::Error(err)) => return Err(ExperimentError::io(&path)(err)),
        }
        let pid = std::process::id().to_string();
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()));
        written.map_err(ExperimentError::io(&path))?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_directory_is_refused_naming_the_holder_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let held = RunLock::acquire(dir.path()).expect("free");
        let err = RunLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("in use"), "{err}");
        drop(held);
        // A lock file left behind (a killed process) does not block: only a live holder does.
        assert!(dir.path().join(LOCK_FILE).is_file());
        let again = RunLock::acquire(dir.path());
        assert!(again.is_ok(), "{again:?}");
    }
}
