//! `training.grad_accumulation`: an update's batch in micro-batches takes the same steps as the
//! whole batch (to rounding), and every per-update record (training curve, TensorBoard steps)
//! still counts optimizer updates, not micro-batches.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::read_with_tensorboard;

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A 20-update quick ViT run (no dropout, so micro-batches draw no different masks) with
/// `extra` settings; returns its summary.
fn run(artifacts: &Path, name: &str, extra: &[&str]) -> Value {
    let mut command = Command::new(BIN);
    command
        .args(["run", "configs/quick-vit.toml", "--no-tui"])
        .current_dir(root());
    let mut settings = vec![
        format!("artifact_dir={:?}", artifacts.display().to_string()),
        format!("name={name:?}"),
        "model.dropout=0.0".into(),
        "training.updates=20".into(),
        "training.eval_every=10".into(),
        "training.train_loss_every=1".into(),
        "schedule.warmup=2".into(),
        "data.valid_size=200".into(),
        "data.test_subset=200".into(),
        // InvAdam multiplies by the gradient's scale: a micro-batch sum where the mean belongs
        // would change every step, unlike Adam's scale-free direction.
        "optimizer={kind=\"inv_adam\"}".into(),
        "schedule.lr=0.1".into(),
    ];
    settings.extend(extra.iter().map(|s| s.to_string()));
    for s in &settings {
        command.args(["--set", s]);
    }
    let out = command.output().expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(artifacts.join(name).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// Relative differences within `tol`; NaN never matches.
fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: {a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        let ok = (x - y).abs() <= tol * y.abs().max(1e-3);
        assert!(ok, "{what}: {x} vs {y} ({a:?} vs {b:?})");
    }
}

#[test]
fn micro_batches_take_the_whole_batchs_steps_and_records_count_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = run(tmp.path(), "whole", &[]);
    let parts = run(tmp.path(), "parts", &["training.grad_accumulation=4"]);
    assert_eq!(parts["updates_done"], 20);
    let valid = |s: &Value| {
        s["trajectory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["valid_loss"].as_f64().unwrap_or(f64::NAN))
            .collect::<Vec<_>>()
    };
    assert_close(&valid(&parts), &valid(&whole), 1e-3, "validation losses");
    let curve = |s: &Value| numbers(&s["train_curve"]["loss"]);
    assert_eq!(
        curve(&parts).len(),
        20,
        "one training-curve point per update"
    );
    assert_close(&curve(&parts), &curve(&whole), 1e-3, "training curve");
    // The run moved: a copy of the initial model would also "match".
    let c = curve(&whole);
    assert!((c[0] - c[19]).abs() > 0.02, "{c:?}");
    // The config records the setting; the default is written nowhere (old runs resume).
    let config = |name: &str| std::fs::read_to_string(tmp.path().join(name).join("config.toml"));
    assert!(config("parts").unwrap().contains("grad_accumulation = 4"));
    assert!(!config("whole").unwrap().contains("grad_accumulation"));
    // TensorBoard: one train/loss per update, at steps 1..=20, each the mean of its parts.
    let Some(read) = read_with_tensorboard(&tmp.path().join("parts/tensorboard")) else {
        return;
    };
    let train = read["."]["train/loss"].as_array().unwrap();
    let steps: Vec<u64> = train.iter().map(|p| p[0].as_u64().unwrap()).collect();
    assert_eq!(steps, (1..=20).collect::<Vec<_>>());
    let values: Vec<f64> = train.iter().map(|p| p[1].as_f64().unwrap()).collect();
    assert_close(
        &values,
        &curve(&parts),
        1e-5,
        "TensorBoard train/loss vs the curve",
    );
}

#[test]
fn a_batch_that_micro_batches_cannot_split_evenly_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["run", "configs/quick-vit.toml", "--no-tui"])
        .current_dir(root())
        .args([
            "--set",
            &format!("artifact_dir={:?}", tmp.path().display().to_string()),
            "--set",
            "training.grad_accumulation=3",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("grad_accumulation") && stderr.contains("divide"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing written for a refused config"
    );
}
