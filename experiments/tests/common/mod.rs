//! Helpers shared by the integration tests.

// Each test crate that includes this module uses some of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The scalars under `logdir` as TensorBoard reads them, or `None` if it is not installed.
pub fn read_with_tensorboard(logdir: &Path) -> Option<Value> {
    let out = Command::new("python3")
        .arg(root().join("scripts/read_tensorboard.py"))
        .arg(logdir)
        .output()
        .expect("python3 runs");
    if out.status.code() == Some(3) {
        let required = std::env::var("BBA_REQUIRE_TENSORBOARD").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "BBA_REQUIRE_TENSORBOARD=1 but the reader is missing"
        );
        eprintln!("SKIPPED: pip install tensorboard to read the event files back");
        return None;
    }
    assert!(
        out.status.success(),
        "the reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the reader prints JSON"))
}

/// `out`, after checking that its process succeeded; a failure panics with `what` (the command
/// or its arguments), its stdout and its stderr.
pub fn succeeded(what: impl std::fmt::Debug, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The JSON file at `path`, parsed.
pub fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
