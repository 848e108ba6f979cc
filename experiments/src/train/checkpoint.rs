//! Checkpoints that survive a kill: each file is written to a temporary name and renamed, so a
//! checkpoint on disk is always whole. Resume picks the newest evaluation whose model,
//! optimizer and scheduler files are all present.

use std::path::{Path, PathBuf};

use burn::train::checkpoint::{Checkpoint, Checkpointer, CheckpointerError};

/// Writes `{name}-{epoch}.bpk` atomically in a directory.
pub struct AtomicFileCheckpointer {
    directory: PathBuf,
    name: &'static str,
}

impl AtomicFileCheckpointer {
    /// Checkpoints named `name` in `directory` (created if missing).
    pub fn new(directory: &Path, name: &'static str) -> Self {
        std::fs::create_dir_all(directory).ok();
        Self {
            directory: directory.to_path_buf(),
            name,
        }
    }

    fn path(&self, epoch: usize) -> PathBuf {
        checkpoint_path(&self.directory, self.name, epoch)
    }
}

/// The file of checkpoint part `name` (`model`, `optim`, `scheduler`) at `epoch`.
pub fn checkpoint_path(directory: &Path, name: &str, epoch: usize) -> PathBuf {
    directory.join(format!("{name}-{epoch}.bpk"))
}

impl<R: Checkpoint> Checkpointer<R> for AtomicFileCheckpointer {
    fn save(&self, epoch: usize, record: R) -> Result<(), CheckpointerError> {
        let path = self.path(epoch);
        let partial = path.with_extension("bpk.partial");
        record.save(partial.clone())?;
        std::fs::rename(&partial, &path).map_err(CheckpointerError::IOError)
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        match std::fs::remove_file(self.path(epoch)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(CheckpointerError::IOError(err))
            }
            _ => Ok(()),
        }
    }

    fn restore(&self, epoch: usize) -> Result<R, CheckpointerError> {
        R::load(self.path(epoch))
    }
}

/// The newest epoch with a complete checkpoint (model, optimizer and scheduler) in `directory`.
pub fn latest_complete(directory: &Path) -> Option<usize> {
    let entries = std::fs::read_dir(directory).ok()?;
    entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("model-")?
                .strip_suffix(".bpk")?
                .parse::<usize>()
                .ok()
        })
        .filter(|&epoch| {
            ["optim", "scheduler"]
                .iter()
                .all(|part| checkpoint_path(directory, part, epoch).is_file())
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_complete_ignores_partial_sets_and_partial_files() {
        let dir = tempfile::tempdir().unwrap();
        let touch = |name: &str| std::fs::write(dir.path().join(name), b"x").unwrap();
        assert_eq!(latest_complete(dir.path()), None);
        for part in ["model", "optim", "scheduler"] {
            touch(&format!("{part}-3.bpk"));
        }
        touch("model-4.bpk");
        touch("optim-4.bpk");
        touch("scheduler-4.bpk.partial");
        assert_eq!(latest_complete(dir.path()), Some(3));
    }
}
