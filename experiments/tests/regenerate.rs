//! The committed results regenerate from their committed records through the documented
//! commands, byte for byte: every figure, `summary.json`, and `report.md`/`report.html` up to
//! the output directory named in their "Regenerate with" line.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `args` (relative paths from the repository root) with `--out` a fresh directory, and
/// compares every file the committed `results` directory has (except its inputs).
fn regenerates(results: &str, args: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let status = Command::new(BIN)
        .current_dir(repo())
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let committed = repo().join(results);
    let mut compared = 0;
    for entry in std::fs::read_dir(&committed).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() || name == "reading.md" {
            continue; // the inputs: run records, notes
        }
        let want = std::fs::read_to_string(&path).unwrap();
        let got = std::fs::read_to_string(out.join(&name))
            .unwrap_or_else(|e| panic!("{results}/{name} not regenerated: {e}"))
            .replace(&out.display().to_string(), results);
        assert!(
            got == want,
            "{results}/{name} differs from its regeneration"
        );
        compared += 1;
    }
    assert!(compared >= 4, "{results}: only {compared} files");
}

#[test]
fn the_refresh_study_regenerates() {
    regenerates(
        "results/refresh/small",
        &[
            "study",
            "report",
            "configs/study-refresh.toml",
            "--profile",
            "small",
            "--runs",
            "results/refresh/small/runs",
        ],
    );
}

#[test]
fn the_out_of_regime_refresh_study_regenerates() {
    regenerates(
        "results/refresh/full",
        &[
            "study",
            "report",
            "configs/study-refresh.toml",
            "--profile",
            "full",
            "--runs",
            "results/refresh/full/runs",
        ],
    );
}

#[test]
fn the_comparison_regenerates() {
    regenerates(
        "results/comparison/full",
        &[
            "study",
            "report",
            "configs/study-compare.toml",
            "--profile",
            "full",
            "--runs",
            "results/comparison/full/runs",
            "--notes",
            "results/comparison/full/reading.md",
        ],
    );
}

#[test]
fn the_dualadam_study_regenerates() {
    regenerates(
        "results/dualadam",
        &[
            "study",
            "report",
            "configs/study-dualadam.toml",
            "--profile",
            "full",
            "--runs",
            "results/dualadam/runs",
            "--notes",
            "results/dualadam/reading.md",
        ],
    );
}

#[test]
fn the_refresh_v2_rate_search_regenerates() {
    regenerates(
        "results/refresh/v2/lr",
        &[
            "study",
            "report",
            "configs/study-refresh-v2-lr.toml",
            "--profile",
            "full",
            "--runs",
            "results/refresh/v2/lr/runs",
            "--notes",
            "results/refresh/v2/lr/reading.md",
        ],
    );
}

#[test]
fn the_refresh_v2_study_regenerates() {
    regenerates(
        "results/refresh/v2",
        &[
            "study",
            "report",
            "configs/study-refresh-v2.toml",
            "--profile",
            "full",
            "--runs",
            "results/refresh/v2/runs",
            "--notes",
            "results/refresh/v2/reading.md",
        ],
    );
}

#[test]
fn the_fadam_study_regenerates() {
    regenerates(
        "results/fadam",
        &[
            "study",
            "report",
            "configs/study-fadam.toml",
            "--profile",
            "full",
            "--runs",
            "results/fadam/runs",
            "--notes",
            "results/fadam/reading.md",
        ],
    );
}

#[test]
fn the_surge_study_regenerates() {
    regenerates(
        "results/surge/cnn-fashion",
        &[
            "surge",
            "results/surge/cnn-fashion/runs",
            "--target",
            "1",
            "--target",
            "0.8",
            "--target",
            "0.6",
            "--title",
            "The surge study: 5-layer CNN on Fashion-MNIST",
            "--notes",
            "results/surge/cnn-fashion/reading.md",
        ],
    );
}

#[test]
fn the_gpt_surge_study_regenerates() {
    regenerates(
        "results/surge/gpt-shakespeare",
        &[
            "surge",
            "results/surge/gpt-shakespeare/runs",
            "--target",
            "2.8",
            "--target",
            "2.6",
            "--target",
            "2.45",
            "--title",
            "The surge study: character GPT on Shakespeare",
            "--notes",
            "results/surge/gpt-shakespeare/reading.md",
        ],
    );
}
