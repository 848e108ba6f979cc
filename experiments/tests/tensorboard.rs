//! TensorBoard output read back by an independent reader (TensorBoard's own Python
//! `EventAccumulator`, through `scripts/read_tensorboard.py`): a quick run's live event files,
//! and `experiments tensorboard` on that run and on committed study records, against the
//! runs' `summary.json`.
//!
//! Without the Python `tensorboard` package the reader checks are skipped with a message;
//! CI installs it and sets `BBA_REQUIRE_TENSORBOARD=1`, which turns a missing reader into a
//! failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::read_with_tensorboard;

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn summary(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// `[[step, value], ...]` of `tag` in `run`; a non-finite value (JSON null) is NaN.
fn series(run: &Value, tag: &str) -> Vec<(u64, f64)> {
    run[tag]
        .as_array()
        .unwrap_or_else(|| panic!("no {tag} in {run}"))
        .iter()
        .map(|p| (p[0].as_u64().unwrap(), p[1].as_f64().unwrap_or(f64::NAN)))
        .collect()
}

/// Equal to f32 rounding (the event format stores f32); NaN never matches a number.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

/// A TensorBoard value against a record's (`null` there is a non-finite loss): both numbers and
/// close, or both non-finite.
fn same(tensorboard: f64, record: &Value) -> bool {
    match record.as_f64() {
        Some(want) => close(tensorboard, want),
        None => record.is_null() && !tensorboard.is_finite(),
    }
}

/// The record's validation trajectory and test scalars, as TensorBoard must show them.
fn assert_matches_record(run: &Value, record: &Value) {
    let trajectory = record["trajectory"].as_array().unwrap();
    let valid = series(run, "valid/loss");
    assert_eq!(
        valid.len(),
        trajectory.len(),
        "one valid/loss per evaluation"
    );
    for ((step, value), point) in valid.iter().zip(trajectory) {
        assert_eq!(*step, point["update"].as_u64().unwrap());
        let want = &point["valid_loss"];
        assert!(
            same(*value, want),
            "valid/loss at {step}: {value} vs {want}"
        );
    }
    if record["test"].is_null() {
        assert!(
            run.get("test/loss").is_none(),
            "test scalars of an untested run"
        );
        return;
    }
    let updates = record["updates_done"].as_u64().unwrap();
    let test = series(run, "test/loss");
    let want = &record["test"]["loss"];
    assert_eq!(test.len(), 1);
    assert!(
        test[0].0 == updates && same(test[0].1, want),
        "{test:?} vs {want}"
    );
}

/// `experiments tensorboard INPUT --out OUT`.
fn convert(input: &Path, out: &Path) -> Output {
    let mut command = Command::new(BIN);
    command.arg("tensorboard").arg(input).arg("--out").arg(out);
    command.output().expect("the binary runs")
}

fn assert_ok(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn a_run_writes_tensorboard_events_and_the_converter_reproduces_its_record() {
    let tmp = tempfile::tempdir().unwrap();
    let artifacts = tmp.path().join("runs");
    let out = Command::new(BIN)
        .args(["run", "configs/quick-cnn.toml", "--no-tui"])
        .current_dir(root())
        .args([
            "--set",
            &format!("artifact_dir={:?}", artifacts.display().to_string()),
        ])
        .args([
            "--set",
            "training.updates=30",
            "--set",
            "training.eval_every=10",
        ])
        .args(["--set", "schedule.warmup=5"])
        .output()
        .unwrap();
    assert_ok(&out);
    let run = std::fs::read_dir(&artifacts)
        .unwrap()
        .next()
        .expect("a run directory")
        .unwrap()
        .path();
    let record = summary(&run);
    let events: Vec<_> = std::fs::read_dir(run.join("tensorboard"))
        .expect("<run>/tensorboard")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        events.iter().filter(|n| n.contains("tfevents")).count() >= 2,
        "training and test event files: {events:?}"
    );

    // The converter must refuse to write into what it reads, then convert.
    let refused = convert(&artifacts, &artifacts.join("tb"));
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("lies inside"));
    // Nor above it (`<out>/<run name>/` would be the run directory itself), nor into a file.
    let refused = convert(&run, &artifacts);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("holds"),
        "{stderr}"
    );
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let refused = convert(&artifacts, &file);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("must be a directory"),
        "{stderr}"
    );
    let converted = tmp.path().join("tb");
    assert_ok(&convert(&artifacts, &converted));

    let Some(live) = read_with_tensorboard(&run.join("tensorboard")) else {
        return;
    };
    let live = &live["."];
    assert_matches_record(live, &record);
    // Every training update has its loss, at steps 1..=30.
    let train = series(live, "train/loss");
    let steps: Vec<u64> = train.iter().map(|p| p.0).collect();
    assert_eq!(steps, (1..=30).collect::<Vec<_>>());
    assert!(train.iter().all(|p| p.1.is_finite() && p.1 > 0.0));
    let accuracy = series(live, "valid/accuracy");
    let want = record["trajectory"][2]["valid_accuracy"].as_f64().unwrap();
    assert!(close(accuracy[2].1, want), "{accuracy:?} vs {want}");

    let converted = read_with_tensorboard(&converted).expect("read before");
    let name = record["name"].as_str().unwrap();
    assert_matches_record(&converted[name], &record);
}

#[test]
fn committed_study_records_convert_for_tensorboard() {
    let input = root().join("results/comparison/full/runs");
    let tmp = tempfile::tempdir().unwrap();
    assert_ok(&convert(&input, tmp.path()));
    let Some(read) = read_with_tensorboard(tmp.path()) else {
        return;
    };
    let runs = read.as_object().unwrap();
    assert!(runs.len() > 10, "{} runs", runs.len());
    // Each converted run against its own record.
    let mut checked = 0;
    let mut stack = vec![input];
    while let Some(dir) = stack.pop() {
        if dir.join("config.toml").is_file() && dir.join("summary.json").is_file() {
            let record = summary(&dir);
            let name = record["name"].as_str().unwrap();
            assert_matches_record(&read[name], &record);
            checked += 1;
            continue;
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    assert_eq!(checked, runs.len(), "every run converted, and only runs");
}
