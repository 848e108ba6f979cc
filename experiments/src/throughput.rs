//! Training throughput for the benchmark (`cargo bench -p bba-experiments --bench train`):
//! updates/s of the experiments loop as users run it, and of a bare Burn loop on the same
//! model, batches and optimizer, per workload config.
//!
//! The experiments loop is timed by the difference of two run lengths with one evaluation and
//! one test pass each, so data loading, evaluation and the test pass cancel and what is left
//! is the cost of the extra updates, metrics, checkpoints and logs included.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::artifacts::RunDir;
use crate::config::ExperimentConfig;
use crate::config::overrides::Override;
use crate::train::{RunOptions, bare_loop, run_single};

/// A benchmark workload: a config file and its name.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The config's file stem.
    pub name: String,
    /// The config file.
    pub config: PathBuf,
}

/// The benchmark's workloads under `configs`: the refresh study's bases (`study/*.toml`) and
/// the quick configs (`quick-*.toml`) with a fixed optimizer (a `beta = "refresh"` config is a
/// pilot + main pair, not one loop), in name order.
pub fn workloads(configs: &Path) -> Result<Vec<Workload>, String> {
    let mut found = Vec::new();
    for (dir, prefix) in [
        (configs.join("study"), ""),
        (configs.to_path_buf(), "quick-"),
    ] {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .collect();
        files.sort();
        files.retain(|path| !is_refresh(path));
        found.extend(files.into_iter().map(|config| {
            Workload {
                name: config
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                config,
            }
        }));
    }
    Ok(found)
}

fn is_refresh(config: &Path) -> bool {
    let table = ExperimentConfig::read_table(config).ok();
    let beta = table
        .as_ref()
        .and_then(|t| t.get("optimizer")?.get("beta")?.as_str());
    beta == Some("refresh")
}

/// One measurement: the model's parameters and the updates per second.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Parameters of the model.
    pub params: usize,
    /// Optimizer updates per second.
    pub updates_per_s: f64,
}

/// `config` with `updates` updates, one evaluation, on `device`, writing under `artifacts`.
fn load(
    config: &Path,
    updates: u64,
    device: &str,
    artifacts: &Path,
) -> Result<ExperimentConfig, String> {
    let mut table = ExperimentConfig::read_table(config).map_err(|e| e.to_string())?;
    let warmup = table
        .get("schedule")
        .and_then(|s| s.get("warmup"))
        .is_some();
    let mut changes = vec![
        format!("training.updates={updates}"),
        format!("training.eval_every={updates}"),
        format!("device={device:?}"),
        format!("artifact_dir={:?}", artifacts.display().to_string()),
    ];
    if warmup {
        changes.push("schedule.warmup=0".into());
    }
    for change in changes {
        Override::parse(&change)?.apply(&mut table)?;
    }
    ExperimentConfig::from_table(table, config).map_err(|e| e.to_string())
}

/// The experiments loop on `config`: an untimed `short` run (first-run costs: page cache,
/// thread pools), then `short` and `long` updates timed, each in a fresh run directory under a
/// temporary folder (removed after); updates/s from the difference. An error if the difference
/// is not positive (timing noise larger than the extra updates: lengthen the runs).
pub fn experiments_loop(
    config: &Path,
    short: u64,
    long: u64,
    device: &str,
) -> Result<Measured, String> {
    let scratch = std::env::temp_dir().join(format!("bba-train-bench-{}", std::process::id()));
    let mut seconds = Vec::new();
    let mut params = 0;
    for (i, updates) in [short, short, long].into_iter().enumerate() {
        let resolved = load(config, updates, device, &scratch)?;
        let dir = RunDir::new(scratch.join(format!("{i}")));
        let options = RunOptions {
            no_tui: true,
            ..RunOptions::default()
        };
        let started = Instant::now();
        let summary = run_single(&resolved, &dir, "bench", &options).map_err(|e| e.to_string())?;
        seconds.push(started.elapsed().as_secs_f64());
        params = summary.parameters;
    }
    std::fs::remove_dir_all(&scratch).ok();
    let extra = seconds[2] - seconds[1];
    if extra <= 0.0 {
        return Err(format!(
            "timing noise: {long} updates took {:.2} s, {short} took {:.2} s; lengthen the runs",
            seconds[2], seconds[1]
        ));
    }
    Ok(Measured {
        params,
        updates_per_s: (long - short) as f64 / extra,
    })
}

/// The bare loop on `config`: `updates` timed updates after `warmup` untimed ones.
pub fn bare(config: &Path, warmup: u64, updates: u64, device: &str) -> Result<Measured, String> {
    let scratch = std::env::temp_dir();
    let resolved = load(config, warmup + updates, device, &scratch)?;
    let (seconds, params) = bare_loop(&resolved, warmup, updates).map_err(|e| e.to_string())?;
    Ok(Measured {
        params,
        updates_per_s: updates as f64 / seconds,
    })
}

/// The device a config calls `name` (`flex`, `ndarray`, `tch`, `wgpu`, …), for the operation
/// benchmark (`benches/ops.rs`), which times single operations outside any config.
pub fn device(name: &str) -> Result<burn::tensor::Device, String> {
    let parsed = name.parse().map_err(|e: String| format!("`{name}`: {e}"))?;
    crate::device::open_device(&parsed).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs")
    }

    #[test]
    fn the_workloads_are_the_study_bases_and_the_quick_configs() {
        let names: Vec<String> = workloads(&configs())
            .unwrap()
            .into_iter()
            .map(|w| w.name)
            .collect();
        for name in [
            "cnn-fashion",
            "gpt-shakespeare",
            "vit-mnist",
            "quick-cnn",
            "quick-gpt",
        ] {
            assert!(
                names.contains(&name.to_string()),
                "{name} missing from {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n.starts_with("study-")), "{names:?}");
        assert!(
            !names.contains(&"quick-refresh-cnn".to_string()),
            "{names:?}"
        );
    }

    #[test]
    fn both_loops_train_the_configs_model_and_report_a_rate() {
        let config = configs().join("quick-cnn.toml");
        let bare = bare(&config, 1, 3, "flex").unwrap();
        assert!(bare.params > 1000);
        assert!(bare.updates_per_s.is_finite() && bare.updates_per_s > 0.0);
        // Short runs on a busy machine may not separate: then the answer says so.
        match experiments_loop(&config, 2, 12, "flex") {
            Ok(full) => {
                assert_eq!(bare.params, full.params, "the same model");
                assert!(full.updates_per_s.is_finite() && full.updates_per_s > 0.0);
            }
            Err(err) => assert!(err.contains("timing noise"), "{err}"),
        }
        let missing = bare_loop_error(&configs().join("no-such.toml"));
        assert!(missing.contains("no-such.toml"), "{missing}");
    }

    #[test]
    fn a_device_by_name_opens_or_says_why_not() {
        let flex = device("flex").unwrap();
        let x = burn::tensor::Tensor::<1>::from_floats([1.0, 2.0], &flex);
        let total: f32 = x.sum().into_scalar();
        assert_eq!(total, 3.0);
        let unknown = device("tpu").unwrap_err();
        assert!(unknown.starts_with("`tpu`: unknown backend"), "{unknown}");
        if !cfg!(feature = "tch") {
            let missing = device("tch").unwrap_err();
            assert!(missing.contains("--features tch"), "{missing}");
        }
    }

    fn bare_loop_error(config: &Path) -> String {
        bare(config, 1, 1, "flex").unwrap_err()
    }
}
