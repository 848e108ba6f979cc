//! Training-throughput benchmark: updates/s of each workload (the refresh study's base configs
//! and the quick configs) for `experiments` (the loop as users run it: Burn's `Learner`,
//! metrics, checkpoints, logs) and `bare` (a plain Burn loop on the same model, batches and
//! optimizer: forward, backward, step), in one run, with the ratio between them.
//!
//! ```text
//! cargo bench -p bba-experiments --bench train
//! TRAIN_BENCH_JSON=train.json cargo bench -p bba-experiments --bench train   # also JSON rows
//! TRAIN_BENCH_DEVICES=flex,wgpu cargo bench -p bba-experiments --bench train # more backends
//! TRAIN_BENCH_ONLY=quick-cnn,quick-gpt cargo bench -p bba-experiments --bench train
//! ```
//!
//! The configs are read from the workspace's `configs/` (where it was built), or from
//! `TRAIN_BENCH_CONFIGS` (a copied executable run from another checkout, as the GPU check does).
//!
//! Every device after the first adds `backend:<name>` rows (the bare loop on that device).
//! JSON rows: `{workload, mode, members, params, updates_per_s}`. Run it on a quiet machine:
//! other processes on its cores change the figures (the ratios from one run hold better).

use std::path::{Path, PathBuf};

use bba_experiments::throughput::{self, Measured};

/// Updates in the short experiments run, the bare loop's untimed updates, and its pilot's.
const SHORT: u64 = 20;
const WARMUP: u64 = 10;
const PILOT: u64 = 30;
/// Seconds of updates (at the pilot's rate) timed in the bare loop and added to the long
/// experiments run: enough that the run-to-run jitter of loading, evaluation and the test pass
/// (a few tenths of a second) stays small against it.
const EXTRA_SECONDS: f64 = 6.0;

struct Row {
    workload: String,
    mode: String,
    measured: Measured,
}

fn main() {
    let configs = match std::env::var_os("TRAIN_BENCH_CONFIGS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs"),
    };
    let devices: Vec<String> = std::env::var("TRAIN_BENCH_DEVICES")
        .unwrap_or_else(|_| "flex".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let mut workloads = throughput::workloads(&configs).expect("the benchmark's configs");
    if let Ok(only) = std::env::var("TRAIN_BENCH_ONLY") {
        let wanted: Vec<&str> = only.split(',').map(str::trim).collect();
        let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
        if let Some(unknown) = wanted.iter().find(|w| !names.iter().any(|n| n == *w)) {
            eprintln!("TRAIN_BENCH_ONLY: no workload `{unknown}`; the workloads: {names:?}");
            std::process::exit(2);
        }
        workloads.retain(|w| wanted.contains(&w.name.as_str()));
    }
    let mut rows = Vec::new();
    for work in &workloads {
        eprintln!("{} ({})", work.name, work.config.display());
        let mut push = |mode: String, measured: Result<Measured, String>| match measured {
            Ok(measured) => {
                eprintln!("  {mode:<16} {:>8.1} updates/s", measured.updates_per_s);
                rows.push(Row {
                    workload: work.name.clone(),
                    mode,
                    measured,
                });
            }
            Err(err) => eprintln!("  {mode:<16} failed: {err}"),
        };
        let main = &devices[0];
        // A short pilot sizes both timed loops to EXTRA_SECONDS of updates.
        let extra = throughput::bare(&work.config, WARMUP, PILOT, main)
            .map_or(PILOT, |b| (EXTRA_SECONDS * b.updates_per_s).ceil() as u64)
            .max(PILOT);
        let bare = throughput::bare(&work.config, WARMUP, extra, main);
        push(
            "experiments".into(),
            throughput::experiments_loop(&work.config, SHORT, SHORT + extra, main),
        );
        push("bare".into(), bare);
        for device in &devices[1..] {
            push(
                format!("backend:{device}"),
                throughput::bare(&work.config, WARMUP, extra, device),
            );
        }
    }
    print_table(&rows);
    if let Ok(path) = std::env::var("TRAIN_BENCH_JSON") {
        write_json(&rows, &path);
    }
}

fn print_table(rows: &[Row]) {
    println!("\n| workload | mode | params | updates/s | × bare |");
    println!("|---|---|---:|---:|---:|");
    for row in rows {
        let bare = rows
            .iter()
            .find(|r| r.workload == row.workload && r.mode == "bare")
            .map_or(f64::NAN, |r| {
                row.measured.updates_per_s / r.measured.updates_per_s
            });
        println!(
            "| {} | {} | {} | {:.1} | {:.2} |",
            row.workload, row.mode, row.measured.params, row.measured.updates_per_s, bare
        );
    }
}

fn write_json(rows: &[Row], path: &str) {
    let entries: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "workload": r.workload,
                "mode": r.mode,
                "members": 1,
                "params": r.measured.params,
                "updates_per_s": r.measured.updates_per_s,
            })
        })
        .collect();
    let json = serde_json::to_string_pretty(&entries).expect("rows serialize");
    std::fs::write(path, json).unwrap_or_else(|e| panic!("{path}: {e}"));
    eprintln!("JSON: {path}");
}
