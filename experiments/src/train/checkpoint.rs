//! Checkpoints that survive a kill and show damage: each file is written to a temporary name,
//! its SHA-256 written beside it (`{name}-{epoch}.bpk.sha256`), then renamed, so a checkpoint on
//! disk is whole and checkable. Resume picks the newest evaluation whose model, optimizer and
//! scheduler files are all present and match their checksums; a damaged (truncated, emptied,
//! overwritten, bit-flipped) or unverifiable set is reported and the previous good one used.

use std::path::{Path, PathBuf};

use burn::train::checkpoint::{Checkpoint, Checkpointer, CheckpointerError};
use sha2::{Digest, Sha256};

/// The checkpoint parts of one evaluation.
const PARTS: [&str; 3] = ["model", "optim", "scheduler"];

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
        let bytes = std::fs::read(&partial).map_err(CheckpointerError::IOError)?;
        let digest = format!("{:x}\n", Sha256::digest(&bytes));
        crate::artifacts::write_atomic(&checksum_path(&path), digest.as_bytes())
            .map_err(|e| CheckpointerError::IOError(std::io::Error::other(e.to_string())))?;
        std::fs::rename(&partial, &path).map_err(CheckpointerError::IOError)
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        let path = self.path(epoch);
        for file in [checksum_path(&path), path] {
            match std::fs::remove_file(file) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(CheckpointerError::IOError(err));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn restore(&self, epoch: usize) -> Result<R, CheckpointerError> {
        R::load(self.path(epoch))
    }
}

/// The checksum file beside a checkpoint file.
fn checksum_path(path: &Path) -> PathBuf {
    path.with_extension("bpk.sha256")
}

/// Why checkpoint file `path` cannot be used, if it cannot.
fn damage(path: &Path) -> Option<String> {
    let Ok(bytes) = std::fs::read(path) else {
        return Some(format!("{}: missing or unreadable", path.display()));
    };
    let sidecar = checksum_path(path);
    let Ok(expected) = std::fs::read_to_string(&sidecar) else {
        return Some(format!(
            "{}: no checksum ({} is missing), so it cannot be trusted",
            path.display(),
            sidecar.display()
        ));
    };
    let found = format!("{:x}", Sha256::digest(&bytes));
    (found != expected.trim()).then(|| {
        format!(
            "{}: damaged ({} bytes; its SHA-256 does not match the one written with it)",
            path.display(),
            bytes.len()
        )
    })
}

/// The newest epoch whose checkpoint (model, optimizer and scheduler) in `directory` is whole
/// and matches its checksums; each newer set that is damaged is reported through `warn`.
pub fn latest_good(directory: &Path, warn: &dyn Fn(&str)) -> Option<usize> {
    let entries = std::fs::read_dir(directory).ok()?;
    let mut epochs: Vec<usize> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("model-")?
                .strip_suffix(".bpk")?
                .parse::<usize>()
                .ok()
        })
        .collect();
    epochs.sort_unstable_by(|a, b| b.cmp(a));
    for epoch in epochs {
        let problems: Vec<String> = PARTS
            .iter()
            .filter_map(|part| damage(&checkpoint_path(directory, part, epoch)))
            .collect();
        if problems.is_empty() {
            return Some(epoch);
        }
        warn(&format!(
            "checkpoint {epoch} cannot be resumed from, an earlier one is tried: {}",
            problems.join("; ")
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes checkpoint file `name` with its checksum, as `save` does.
    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let digest = format!("{:x}\n", Sha256::digest(bytes));
        std::fs::write(checksum_path(&path), digest).unwrap();
    }

    fn latest(dir: &Path) -> (Option<usize>, Vec<String>) {
        let warnings = std::cell::RefCell::new(Vec::new());
        let epoch = latest_good(dir, &|w| warnings.borrow_mut().push(w.to_string()));
        (epoch, warnings.into_inner())
    }

    #[test]
    fn the_latest_good_set_skips_partial_sets_and_partial_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(latest(dir.path()).0, None);
        for part in PARTS {
            write(dir.path(), &format!("{part}-3.bpk"), b"three");
        }
        write(dir.path(), "model-4.bpk", b"four");
        write(dir.path(), "optim-4.bpk", b"four");
        std::fs::write(dir.path().join("scheduler-4.bpk.partial"), b"x").unwrap();
        assert_eq!(latest(dir.path()).0, Some(3));
    }

    #[test]
    fn damaged_checkpoints_are_reported_and_the_previous_good_one_used() {
        type Damage = fn(&Path);
        let damages: [(&str, Damage); 5] = [
            ("truncated", |p| {
                let b = std::fs::read(p).unwrap();
                std::fs::write(p, &b[..b.len() / 2]).unwrap()
            }),
            ("emptied", |p| std::fs::write(p, b"").unwrap()),
            ("overwritten", |p| {
                std::fs::write(p, b"something else").unwrap()
            }),
            ("a flipped byte", |p| {
                let mut b = std::fs::read(p).unwrap();
                b[3] ^= 0x10;
                std::fs::write(p, b).unwrap()
            }),
            ("no checksum", |p| {
                std::fs::remove_file(checksum_path(p)).unwrap()
            }),
        ];
        for part in PARTS {
            for (what, damage) in damages {
                let dir = tempfile::tempdir().unwrap();
                for epoch in [1, 2] {
                    for p in PARTS {
                        write(
                            dir.path(),
                            &format!("{p}-{epoch}.bpk"),
                            b"weights of a model",
                        );
                    }
                }
                damage(&checkpoint_path(dir.path(), part, 2));
                let (epoch, warnings) = latest(dir.path());
                assert_eq!(epoch, Some(1), "{part} {what}");
                assert_eq!(warnings.len(), 1, "{part} {what}: {warnings:?}");
                assert!(
                    warnings[0].contains(&format!("{part}-2.bpk")),
                    "{part} {what}: {warnings:?}"
                );
            }
        }
    }
}
