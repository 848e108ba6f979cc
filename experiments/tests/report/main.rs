//! `experiments report` on a real tiny sweep: runs grouped into arms by everything but the seed,
//! mean ± std from the run directories, and an HTML page that needs no other file.

use std::path::Path;
use std::process::Command;

#[path = "../common/mod.rs"]
mod common;
use common::{json, succeeded};

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs");
    String::from_utf8_lossy(&succeeded(args, out).stdout).into_owned()
}

/// `experiments sweep` of the quick CNN into `dir` on a tiny subset; returns the sweep's root.
/// `changes` are `KEY=VALUE` settings, `grid` the axes.
fn tiny_sweep(dir: &Path, changes: &[&str], grid: &[&str]) -> std::path::PathBuf {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/quick-cnn.toml");
    let artifacts = format!("artifact_dir={:?}", dir.display().to_string());
    let mut args = vec![
        "sweep",
        config.to_str().unwrap(),
        "--no-tui",
        "--set",
        &artifacts,
    ];
    let base = ["data.valid_size=100", "data.test_subset=100"];
    for change in base.iter().chain(changes) {
        args.extend(["--set", change]);
    }
    for axis in grid {
        args.extend(["--grid", axis]);
    }
    run(&args);
    dir.join("quick-cnn")
}

mod arms;
mod refusals;
mod surge;
