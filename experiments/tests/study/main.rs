//! The refresh study end to end on real data with a tiny definition: two shards trained into
//! two trees (two "machines"), merged, re-run (nothing left to train), and reported.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[path = "../common/mod.rs"]
mod common;
use common::succeeded;

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs")
}

/// A study of two tiny workloads (CNN on MNIST, GPT on Shakespeare), 3 β, 2 seeds.
fn write_study(dir: &Path, artifacts: &Path, pilot_beta: f64) -> PathBuf {
    let configs = configs().display().to_string();
    let text = format!(
        r#"
kind = "refresh"
name = "tiny-refresh"
artifact_dir = {artifacts:?}
r0 = 3.0
pilot_beta = {pilot_beta}
betas = [0.5, 0.9, 0.94377]
seeds = [1, 2]
seed_window = 1
rule_lrs = [0.001, 0.003]
r0_sweep = [1.5, 3.0, 6.0]
noise_sigmas = [0.1]
noise_draws = 50

[profiles.tiny]

[[workloads]]
name = "cnn"
config = "{configs}/study/cnn-mnist.toml"
set = {{ "data.train_subset" = 512, "data.valid_size" = 200, "data.test_subset" = 200, "training.updates" = 24, "training.eval_every" = 8, "schedule.warmup" = 4 }}

[[workloads]]
name = "gpt"
config = "{configs}/study/gpt-shakespeare.toml"
set = {{ "data.valid_size" = 16, "data.test_subset" = 16, "training.updates" = 24, "training.eval_every" = 8, "schedule.warmup" = 4 }}
"#,
        artifacts = artifacts.display().to_string(),
    );
    let path = dir.join(format!(
        "study-{}.toml",
        artifacts.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .expect("the binary runs");
    succeeded(args, out)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn finished_runs(root: &Path) -> Vec<String> {
    let mut runs = Vec::new();
    for workload in ["cnn", "gpt"] {
        let Ok(entries) = std::fs::read_dir(root.join(workload)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().join("summary.json").is_file() {
                runs.push(format!(
                    "{workload}/{}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    runs.sort();
    runs
}

mod refusals;
mod shards;
