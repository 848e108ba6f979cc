//! Records the commit this binary is built from (`BBA_BUILD_COMMIT`) and whether the sources
//! compiled into it had uncommitted changes (`BBA_BUILD_DIRTY`), for the run records: the
//! checkout a run starts in may have moved on since the binary was built.
//!
//! Two `git` calls; a crate such as `vergen-gitcl` would bring a proc-macro tree for them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's sources that are compiled into the binary (relative to the workspace root).
const SOURCES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "burn-balanced-adam",
    "datasets",
    "experiments",
];

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.parent().expect("the workspace root").to_path_buf();
    // Rerun when a source changes (the dirty flag) or HEAD moves (a commit, a checkout).
    for source in SOURCES {
        println!("cargo:rerun-if-changed={}", root.join(source).display());
    }
    let commit = git(&root, &["rev-parse", "HEAD"]);
    if let Some(git_dir) = git(&root, &["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        let mut watched = vec![git_dir.join("HEAD"), git_dir.join("packed-refs")];
        if let Some(head_ref) = git(&root, &["symbolic-ref", "-q", "HEAD"]) {
            watched.push(git_dir.join(head_ref));
        }
        // Only files that exist: cargo reruns a script on every build while a watched path is
        // missing. A branch's ref moving into `packed-refs` deletes its file, which reruns.
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let dirty = commit.as_ref().and_then(|_| {
        let mut args = vec!["status", "--porcelain", "--untracked-files=no", "--"];
        args.extend(SOURCES);
        git(&root, &args).map(|status| !status.is_empty())
    });
    println!(
        "cargo:rustc-env=BBA_BUILD_COMMIT={}",
        commit.unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=BBA_BUILD_DIRTY={}",
        dirty.map_or(String::new(), |d| d.to_string())
    );
}
