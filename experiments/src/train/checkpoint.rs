//! Checkpoints that survive a kill and show damage: each file is written to a temporary name,
//! its integrity record written beside it (`{name}-{epoch}.bpk.sha256`: the file's SHA-256, its
//! role and evaluation `{name}-{epoch}`, and the identity of its run), then renamed, so a
//! checkpoint on disk is whole, checkable and bound to its place: a file and record copied from
//! another evaluation or another run do not pass as this one. The run's identity is the SHA-256
//! of its resolved `config.toml` (which names the run and its seed), so it survives moving and
//! merging run directories. Resume picks the newest evaluation whose model, optimizer and
//! scheduler files are all present and match their records; a damaged (truncated, emptied,
//! overwritten, bit-flipped), swapped or unverifiable set is reported and the previous good one
//! used. Records of the older form (the hash alone) are checked by their hash.

use std::path::{Path, PathBuf};

use burn::train::checkpoint::{Checkpoint, Checkpointer, CheckpointerError};
use sha2::{Digest, Sha256};

/// The checkpoint parts of one evaluation.
const PARTS: [&str; 3] = ["model", "optim", "scheduler"];

/// Writes `{name}-{epoch}.bpk` atomically in a directory.
pub struct AtomicFileCheckpointer {
    directory: PathBuf,
    name: &'static str,
    run: String,
    /// Told of every checkpoint file written (Burn may save the parts concurrently), so a
    /// killed segment's time is known up to its last checkpoint.
    ledger: Option<std::sync::Arc<crate::artifacts::segments::SegmentLedger>>,
}

/// The identity checkpoints are bound to: the SHA-256 of the run's resolved config, shortened.
pub fn run_identity(resolved_config: &str) -> String {
    format!("{:x}", Sha256::digest(resolved_config.as_bytes()))[..16].to_string()
}

impl AtomicFileCheckpointer {
    /// Checkpoints named `name` in `directory` (created if missing), bound to run `run`
    /// ([`run_identity`]).
    pub fn new(directory: &Path, name: &'static str, run: &str) -> Self {
        std::fs::create_dir_all(directory).ok();
        Self {
            directory: directory.to_path_buf(),
            name,
            run: run.to_string(),
            ledger: None,
        }
    }

    /// Tells `ledger` of every checkpoint this checkpointer writes.
    pub fn with_ledger(
        mut self,
        ledger: std::sync::Arc<crate::artifacts::segments::SegmentLedger>,
    ) -> Self {
        self.ledger = Some(ledger);
        self
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
        let digest = record_line(&bytes, self.name, epoch, &self.run);
        crate::artifacts::write_atomic(&checksum_path(&path), digest.as_bytes())
            .map_err(|e| CheckpointerError::IOError(std::io::Error::other(e.to_string())))?;
        std::fs::rename(&partial, &path).map_err(CheckpointerError::IOError)?;
        prune(&self.directory, self.name, epoch).map_err(CheckpointerError::IOError)?;
        if let Some(ledger) = &self.ledger {
            ledger
                .checkpointed(epoch)
                .map_err(|e| CheckpointerError::IOError(std::io::Error::other(e.to_string())))?;
        }
        Ok(())
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

/// How many evaluations' checkpoints a run keeps: the newest, which `--resume` uses, and the one
/// before, its fallback when the newest is damaged.
pub const KEPT: usize = 2;

/// Removes `name`'s checkpoints (and their records) older than the [`KEPT`] newest up to
/// `newest`. Burn's strategy deletes only what it saved in this process, so without this a
/// resumed run would keep every checkpoint of its earlier segments (and Burn's best-epoch one,
/// which nothing here reads).
pub fn prune(directory: &Path, name: &str, newest: usize) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Ok(());
    };
    let prefix = format!("{name}-");
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name();
        let Some(epoch) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| {
                f.strip_suffix(".bpk")
                    .or_else(|| f.strip_suffix(".bpk.sha256"))
            })
            .and_then(|e| e.parse::<usize>().ok())
        else {
            continue;
        };
        if epoch + KEPT <= newest {
            match std::fs::remove_file(entry.path()) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
                _ => {}
            }
        }
    }
    Ok(())
}

/// The integrity record of a checkpoint file: `{sha256} {name}-{epoch} run={identity}`.
fn record_line(bytes: &[u8], name: &str, epoch: usize, run: &str) -> String {
    format!("{:x} {name}-{epoch} run={run}\n", Sha256::digest(bytes))
}

/// The checksum file beside a checkpoint file.
fn checksum_path(path: &Path) -> PathBuf {
    path.with_extension("bpk.sha256")
}

/// Why checkpoint part `name` of evaluation `epoch` in `directory` cannot be used by run `run`,
/// if it cannot.
fn damage(directory: &Path, name: &str, epoch: usize, run: &str) -> Option<String> {
    let path = &checkpoint_path(directory, name, epoch);
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
    let fields: Vec<&str> = expected.split_whitespace().collect();
    let (hash, place) = match fields.as_slice() {
        [hash] => (*hash, None),
        [hash, label, identity] => (*hash, Some((*label, *identity))),
        _ => {
            return Some(format!(
                "{}: its integrity record {} is malformed",
                path.display(),
                sidecar.display()
            ));
        }
    };
    if found != hash {
        return Some(format!(
            "{}: damaged ({} bytes; its SHA-256 does not match the one written with it)",
            path.display(),
            bytes.len()
        ));
    }
    let here = format!("{name}-{epoch}");
    let this_run = format!("run={run}");
    match place {
        Some((label, identity)) if label != here || identity != this_run => Some(format!(
            "{}: its record says it is {label} of {identity}, not {here} of this run ({this_run}): \
             a file copied or swapped from elsewhere",
            path.display()
        )),
        _ => None,
    }
}

/// The newest epoch whose checkpoint (model, optimizer and scheduler) in `directory` is whole
/// and matches its records for run `run`; each newer set that does not is reported through
/// `warn`.
pub fn latest_good(directory: &Path, run: &str, warn: &dyn Fn(&str)) -> Option<usize> {
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
            .filter_map(|part| damage(directory, part, epoch, run))
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

    const RUN: &str = "0123456789abcdef";

    /// Writes checkpoint file `name` (`{part}-{epoch}.bpk`) with its record, as `save` does.
    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        write_for(dir, name, bytes, RUN);
    }

    fn write_for(dir: &Path, name: &str, bytes: &[u8], run: &str) {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let (part, epoch) = name.strip_suffix(".bpk").unwrap().split_once('-').unwrap();
        let record = record_line(bytes, part, epoch.parse().unwrap(), run);
        std::fs::write(checksum_path(&path), record).unwrap();
    }

    fn latest(dir: &Path) -> (Option<usize>, Vec<String>) {
        let warnings = std::cell::RefCell::new(Vec::new());
        let epoch = latest_good(dir, RUN, &|w| warnings.borrow_mut().push(w.to_string()));
        (epoch, warnings.into_inner())
    }

    #[test]
    fn only_the_two_newest_evaluations_are_kept_whatever_an_earlier_segment_left() {
        let dir = tempfile::tempdir().unwrap();
        // An earlier segment left evaluations 1..=5 (Burn's strategy of that process is gone).
        for epoch in 1..=5 {
            for part in PARTS {
                write(dir.path(), &format!("{part}-{epoch}.bpk"), b"x");
            }
        }
        std::fs::write(dir.path().join("model-4.bpk.partial"), b"half").unwrap();
        prune(dir.path(), "model", 6).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("model-"))
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["model-4.bpk.partial", "model-5.bpk", "model-5.bpk.sha256"]
        );
        assert!(
            dir.path().join("optim-1.bpk").is_file(),
            "other parts are theirs to prune"
        );
        // Nothing to prune is no error, and an absent directory neither.
        prune(dir.path(), "model", 1).unwrap();
        prune(&dir.path().join("missing"), "model", 9).unwrap();
    }

    #[test]
    fn a_checkpoint_swapped_with_its_record_is_refused() {
        for swap in ["an earlier evaluation", "another run"] {
            let dir = tempfile::tempdir().unwrap();
            for epoch in [1, 2] {
                for part in PARTS {
                    let bytes = format!("{part} weights at {epoch}");
                    write(dir.path(), &format!("{part}-{epoch}.bpk"), bytes.as_bytes());
                }
            }
            let model_2 = checkpoint_path(dir.path(), "model", 2);
            match swap {
                // Evaluation 1's model and its record, copied over evaluation 2's.
                "an earlier evaluation" => {
                    let model_1 = checkpoint_path(dir.path(), "model", 1);
                    std::fs::copy(&model_1, &model_2).unwrap();
                    std::fs::copy(checksum_path(&model_1), checksum_path(&model_2)).unwrap();
                }
                // Another run's model-2 pair, whole and with a matching hash.
                _ => write_for(
                    dir.path(),
                    "model-2.bpk",
                    b"other weights",
                    "fedcba9876543210",
                ),
            }
            let (epoch, warnings) = latest(dir.path());
            assert_eq!(epoch, Some(1), "{swap}: {warnings:?}");
            assert!(
                warnings.len() == 1 && warnings[0].contains("swapped"),
                "{swap}: {warnings:?}"
            );
        }
    }

    #[test]
    fn records_of_the_older_form_are_checked_by_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        for part in PARTS {
            let path = dir.path().join(format!("{part}-1.bpk"));
            std::fs::write(&path, b"old").unwrap();
            let digest = format!("{:x}\n", Sha256::digest(b"old"));
            std::fs::write(checksum_path(&path), digest).unwrap();
        }
        assert_eq!(latest(dir.path()), (Some(1), vec![]));
        std::fs::write(dir.path().join("optim-1.bpk"), b"new").unwrap();
        assert_eq!(latest(dir.path()).0, None);
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
