//! End-to-end runs of the experiments binary on real data with tiny budgets: every quick config,
//! resume after a kill, the refresh rule, sweep + compare, data-parallel equivalence, divergence
//! and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../common/mod.rs"]
mod common;
use common::succeeded;

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs")
}

/// `experiments ARGS --set artifact_dir=DIR` with a tiny budget.
fn experiments(args: &[&str], artifacts: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .arg("--set")
        .arg(format!(
            "artifact_dir={:?}",
            artifacts.display().to_string()
        ))
        .args([
            "--set",
            "training.updates=40",
            "--set",
            "training.eval_every=20",
        ])
        .args(["--set", "schedule.warmup=10", "--no-tui"]);
    for change in extra {
        cmd.args(["--set", change]);
    }
    cmd
}

fn run_ok(mut cmd: Command) -> Output {
    let out = cmd.output().expect("the binary runs");
    succeeded(&cmd, out)
}

fn summary(dir: &Path) -> Value {
    common::json(&dir.join("summary.json"))
}

fn valid_losses(summary: &Value) -> Vec<f64> {
    summary["trajectory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["valid_loss"].as_f64().unwrap())
        .collect()
}

fn check_complete_run(dir: &Path, model: &str) -> Value {
    let s = summary(dir);
    assert_eq!(s["status"], "complete", "{s}");
    assert_eq!(s["model"], model);
    assert_eq!(s["updates_done"], 40);
    assert_eq!(valid_losses(&s).len(), 2, "one evaluation every 20 updates");
    assert!(valid_losses(&s).iter().all(|l| l.is_finite() && *l > 0.0));
    assert!(s["test"]["loss"].as_f64().unwrap().is_finite());
    assert!(s["t_es"]["t_es"].as_u64().unwrap() > 0);
    assert!(s["parameters"].as_u64().unwrap() > 1000);
    assert_eq!(s["provenance"]["burn_version"], "0.22.1");
    for file in [
        "config.toml",
        "trajectory.csv",
        "valid/epoch-2/Loss.log",
        "train/epoch-2/Loss.log",
    ] {
        assert!(
            dir.join(file).is_file(),
            "{file} missing in {}",
            dir.display()
        );
    }
    assert!(dir.join("checkpoint/model-2.bpk").is_file());
    s
}

mod failures;
mod features;
mod lifecycle;
