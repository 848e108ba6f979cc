//! `experiments dashboard` from the command line: a real Burn run (its `FileMetricLogger`
//! logs, with and without the `experiments` records) reads back as its record; `--once` on
//! committed study records gives the numbers `experiments report` gives; `--svg`; errors.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{json, read_with_tensorboard, succeeded};

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn experiments(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// A Markdown table's rows as header → cell maps.
fn table(markdown: &str) -> Vec<HashMap<String, String>> {
    let split = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split(" | ").map(|c| c.trim().to_string()).collect()
    };
    let mut lines = markdown.lines().filter(|l| l.starts_with('|'));
    let header = split(lines.next().expect("a header"));
    lines
        .skip(1)
        .map(|l| header.iter().cloned().zip(split(l)).collect())
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_real_burn_run_reads_back_as_its_record_with_and_without_the_experiments_files() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let artifact_dir = format!("artifact_dir={:?}", runs.display().to_string());
    succeeded(
        "quick run",
        experiments(&[
            "run",
            "configs/quick-cnn.toml",
            "--no-tui",
            "--set",
            &artifact_dir,
            "--set",
            "training.updates=30",
            "--set",
            "training.eval_every=10",
            "--set",
            "schedule.warmup=5",
        ]),
    );
    let run = runs.join("quick-cnn");
    let record = json(&run.join("summary.json"));
    let best = format!("{:.4}", record["best_valid_loss"].as_f64().unwrap());
    let best_update = record["best_update"].as_u64().unwrap().to_string();

    // The `experiments` run directory.
    let out = succeeded(
        "dashboard",
        experiments(&["dashboard", run.to_str().unwrap(), "--once"]),
    );
    let rows = table(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["best valid Loss"], best);
    assert_eq!(rows[0]["at update"], best_update);
    assert_eq!(rows[0]["updates"], "30/30");

    // Burn's logs alone, as any Burn project's `FileMetricLogger` leaves them.
    let plain = tmp.path().join("plain/artifacts");
    for split in ["train", "valid"] {
        copy_tree(&run.join(split), &plain.join(split));
    }
    let out = succeeded(
        "dashboard on Burn's logs",
        experiments(&[
            "dashboard",
            plain.to_str().unwrap(),
            "--once",
            "--group",
            "run",
        ]),
    );
    let rows = table(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(rows.len(), 1, "{rows:?}");
    // The epoch means Burn logged: the record's validation losses at the same updates.
    assert_eq!(rows[0]["at update"], best_update, "{rows:?}");
    let logged: f64 = rows[0]["best valid Loss"].parse().unwrap();
    assert!(
        (logged - record["best_valid_loss"].as_f64().unwrap()).abs() < 1e-4,
        "{rows:?}"
    );
    assert_eq!(rows[0]["updates"], "30");

    // `tensorboard` converts the plain directory too.
    let tb = tmp.path().join("tb");
    let out = experiments(&[
        "tensorboard",
        plain.to_str().unwrap(),
        "--out",
        tb.to_str().unwrap(),
    ]);
    succeeded("tensorboard on Burn's logs", out);
    assert!(tb.join("artifacts").is_dir());
    if let Some(read) = read_with_tensorboard(&tb) {
        let scalars = &read["artifacts"]["valid/loss"];
        let steps: Vec<u64> = scalars
            .as_array()
            .expect("valid/loss")
            .iter()
            .map(|p| p[0].as_u64().unwrap())
            .collect();
        assert_eq!(steps, vec![10, 20, 30], "{read}");
    }

    // The overlay plot, and never into an input.
    let svg = tmp.path().join("curves.svg");
    succeeded(
        "--svg",
        experiments(&[
            "dashboard",
            runs.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
        ]),
    );
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let inside = run.join("curves.svg");
    let out = experiments(&[
        "dashboard",
        runs.to_str().unwrap(),
        "--svg",
        inside.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lies inside"));
    assert!(!inside.exists());
}

#[test]
fn once_on_committed_records_gives_the_reports_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let records = "results/dualadam/runs";
    let out = tmp.path().join("report");
    succeeded(
        "report",
        experiments(&["report", records, "--out", out.to_str().unwrap()]),
    );
    let report = table(&std::fs::read_to_string(out.join("report.md")).unwrap());
    let once = succeeded(
        "dashboard --once",
        experiments(&["dashboard", records, "--once"]),
    );
    let dashboard = table(&String::from_utf8_lossy(&once.stdout));
    assert_eq!(dashboard.len(), report.len(), "one row per arm");
    assert!(report.len() >= 3, "{report:?}");
    for arm in &report {
        let row = dashboard
            .iter()
            .find(|r| r["arm"] == arm["arm"])
            .unwrap_or_else(|| panic!("no dashboard row for {}", arm["arm"]));
        for (ours, theirs) in [
            ("best valid Loss", "best valid loss"),
            ("test acc %", "test acc %"),
            ("test loss", "test loss"),
            ("test ppl", "test ppl"),
            ("wall s / run", "wall s / run"),
        ] {
            assert_eq!(row[ours], arm[theirs], "{}: {ours}", arm["arm"]);
        }
    }
}

#[test]
fn a_path_without_runs_or_a_terminal_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("a/b")).unwrap();
    let out = experiments(&["dashboard", tmp.path().to_str().unwrap(), "--once"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no runs under"), "{stderr}");
    // Piped stdout: no live view, and it says what to use instead.
    let out = experiments(&["dashboard", "results/dualadam/runs"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--once"), "{stderr}");
    let out = experiments(&[
        "dashboard",
        "results/dualadam/runs",
        "--once",
        "--metric",
        "nope",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("valid Loss"),
        "{stderr}"
    );
}
