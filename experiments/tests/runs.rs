//! End-to-end runs of the experiments binary on real data with tiny budgets: every quick config,
//! resume after a kill, the refresh rule, sweep + compare, data-parallel equivalence, divergence
//! and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

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
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn summary(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("valid JSON")
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

#[test]
fn quick_configs_of_all_three_models_leave_complete_run_directories() {
    let tmp = tempfile::tempdir().unwrap();
    for (config, model) in [
        ("quick-cnn", "cnn"),
        ("quick-vit", "vit"),
        ("quick-gpt", "gpt"),
    ] {
        let path = configs().join(format!("{config}.toml"));
        run_ok(experiments(
            &["run", path.to_str().unwrap()],
            tmp.path(),
            &[],
        ));
        let s = check_complete_run(&tmp.path().join(config), model);
        if model == "gpt" {
            assert!(s["test"]["perplexity"].as_f64().unwrap() > 1.0);
        } else {
            let accuracy = s["test"]["accuracy"].as_f64().unwrap();
            assert!(
                accuracy > 20.0,
                "{model} learned nothing in 40 updates: {accuracy}%"
            );
        }
    }
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-cnn.toml");
    let config = config.to_str().unwrap();
    // Dropout on, so the resumed run must also replay the random stream exactly.
    let extra = ["model.dropout=0.2", "training.updates=60"];
    run_ok(experiments(
        &["run", config],
        tmp.path(),
        &[&extra[..], &["name=\"whole\""]].concat(),
    ));

    let mut child = experiments(
        &["run", config],
        tmp.path(),
        &[&extra[..], &["name=\"killed\""]].concat(),
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let first = tmp.path().join("killed/checkpoint/scheduler-1.bpk");
    let deadline = Instant::now() + Duration::from_secs(300);
    while !first.is_file() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.is_file(), "no checkpoint appeared");
    assert!(
        !tmp.path().join("killed/summary.json").is_file()
            || summary(&tmp.path().join("killed"))["status"] != "complete"
    );

    run_ok(experiments(
        &["run", config, "--resume"],
        tmp.path(),
        &[&extra[..], &["name=\"killed\""]].concat(),
    ));
    let (whole, resumed) = (
        summary(&tmp.path().join("whole")),
        summary(&tmp.path().join("killed")),
    );
    assert_eq!(resumed["status"], "complete");
    assert_eq!(valid_losses(&whole), valid_losses(&resumed));
    assert_eq!(whole["test"], resumed["test"]);
}

#[test]
fn stop_after_then_resume_matches_and_resume_refuses_a_changed_config() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-gpt.toml");
    let config = config.to_str().unwrap();
    run_ok(experiments(
        &["run", config],
        tmp.path(),
        &["name=\"whole\""],
    ));
    let stopped = experiments(
        &["run", config, "--stop-after", "20"],
        tmp.path(),
        &["name=\"part\""],
    )
    .output()
    .unwrap();
    assert!(
        !stopped.status.success(),
        "an interrupted run exits non-zero"
    );
    let part = summary(&tmp.path().join("part"));
    assert_eq!(part["status"], "interrupted");
    assert!(part["message"].as_str().unwrap().contains("--resume"));
    assert_eq!(part["updates_done"], 20);

    let changed = experiments(
        &["run", config, "--resume"],
        tmp.path(),
        &["name=\"part\"", "seed=7"],
    )
    .output()
    .unwrap();
    assert!(!changed.status.success());
    assert!(String::from_utf8_lossy(&changed.stderr).contains("differs"));

    run_ok(experiments(
        &["run", config, "--resume"],
        tmp.path(),
        &["name=\"part\""],
    ));
    let (whole, part) = (
        summary(&tmp.path().join("whole")),
        summary(&tmp.path().join("part")),
    );
    assert_eq!(valid_losses(&whole), valid_losses(&part));
    assert_eq!(whole["test"], part["test"]);

    // A damaged checkpoint (one flipped byte in the model) is reported, never resumed from: with
    // no earlier good one, the run starts over and still reaches the uninterrupted result.
    let _ = experiments(
        &["run", config, "--stop-after", "20"],
        tmp.path(),
        &["name=\"damaged\""],
    )
    .output()
    .unwrap();
    let model = tmp.path().join("damaged/checkpoint/model-1.bpk");
    let mut bytes = std::fs::read(&model).expect("the checkpoint of evaluation 1");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&model, bytes).unwrap();
    let resumed = experiments(
        &["run", config, "--resume"],
        tmp.path(),
        &["name=\"damaged\""],
    )
    .env_remove("BURN_DEVICE") // as a user runs it: no wgpu probe (and its XDG noise) on resume
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(stderr.contains("model-1.bpk: damaged"), "{stderr}");
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
    let damaged = summary(&tmp.path().join("damaged"));
    assert_eq!(valid_losses(&whole), valid_losses(&damaged));
}

#[test]
fn refresh_rule_runs_pilot_then_main_at_the_rules_beta() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-refresh-cnn.toml");
    run_ok(experiments(
        &["run", config.to_str().unwrap()],
        tmp.path(),
        &[],
    ));
    let dir = tmp.path().join("quick-refresh-cnn");
    let pilot = check_complete_run(&dir.join("pilot"), "cnn");
    let main = check_complete_run(&dir.join("main"), "cnn");
    assert_eq!(pilot["beta"], 0.94377);
    let top = summary(&dir);
    let decision = &top["refresh"];
    let t_es = decision["t_es"]["t_es"].as_f64().unwrap();
    assert_eq!(t_es, pilot["t_es"]["t_es"].as_f64().unwrap());
    let expected = burn_balanced_adam::refresh::refresh_beta(t_es, 50.0).unwrap();
    assert_eq!(decision["beta"].as_f64().unwrap(), expected);
    assert_eq!(main["beta"].as_f64().unwrap(), expected);
    assert_eq!(top["main"]["beta"], main["beta"]);
}

#[test]
fn sweep_over_three_betas_then_compare_with_a_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("sweep-beta-cnn.toml");
    run_ok(experiments(
        &["sweep", config.to_str().unwrap()],
        tmp.path(),
        &[],
    ));
    let sweep = tmp.path().join("sweep-beta-cnn");
    let mut betas = Vec::new();
    for entry in std::fs::read_dir(&sweep).unwrap() {
        let s = check_complete_run(&entry.unwrap().path(), "cnn");
        betas.push(s["beta"].as_f64().unwrap());
    }
    betas.sort_by(f64::total_cmp);
    assert_eq!(betas, [0.9, 0.94377, 0.99]);

    // Re-running a finished sweep trains nothing.
    let again = run_ok(experiments(
        &["sweep", config.to_str().unwrap()],
        tmp.path(),
        &[],
    ));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr)
            .matches("already complete")
            .count(),
        3
    );

    let plot = tmp.path().join("curves.svg");
    let mut compare = Command::new(BIN);
    compare
        .arg("compare")
        .args(["--plot", plot.to_str().unwrap()]);
    for beta in ["0.9", "0.94377", "0.99"] {
        compare.arg(sweep.join(format!("beta={beta}")));
    }
    let table = String::from_utf8(run_ok(compare).stdout).unwrap();
    for beta in ["beta=0.9 ", "beta=0.94377", "beta=0.99"] {
        assert!(table.contains(beta), "{beta} missing:\n{table}");
    }
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.matches("<polyline").count() >= 3);

    let missing = Command::new(BIN)
        .args(["compare", sweep.join("beta=0.5").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("beta=0.5: no such run directory"));
}

#[test]
fn data_parallel_on_two_devices_matches_one_device() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-cnn.toml");
    let config = config.to_str().unwrap();
    run_ok(experiments(&["run", config], tmp.path(), &["name=\"one\""]));
    run_ok(experiments(
        &["run", config],
        tmp.path(),
        &["name=\"two\"", "devices=[\"flex\", \"flex\"]"],
    ));
    let (one, two) = (
        summary(&tmp.path().join("one")),
        summary(&tmp.path().join("two")),
    );
    for (a, b) in valid_losses(&one).iter().zip(valid_losses(&two)) {
        assert!((a - b).abs() <= 1e-5 * a.abs(), "one device {a} vs two {b}");
    }
}

#[test]
fn a_diverging_run_stops_and_says_so() {
    // 1e9: the loss overflows; 1e6: it runs away (~1e33) but may stay finite. Both diverge.
    for lr in ["1e9", "1e6"] {
        let tmp = tempfile::tempdir().unwrap();
        let config = configs().join("quick-cnn.toml");
        let out = experiments(
            &["run", config.to_str().unwrap()],
            tmp.path(),
            &[&format!("schedule.lr={lr}")],
        )
        .output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "lr {lr}: {stderr}");
        assert!(stderr.contains("Diverged"), "lr {lr}: {stderr}");
        let s = summary(&tmp.path().join("quick-cnn"));
        assert_eq!(s["status"], "diverged", "lr {lr}");
        let message = s["message"].as_str().unwrap();
        assert!(
            message.contains("non-finite") || message.contains("diverged"),
            "lr {lr}: {message}"
        );
    }
}

#[test]
fn bad_input_fails_before_training_with_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-cnn.toml");
    let config = config.to_str().unwrap();
    let out = experiments(&["run", config], tmp.path(), &["training.batch_size=0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("training.batch_size"));
    assert!(
        !tmp.path().join("quick-cnn").exists(),
        "nothing is created for a bad config"
    );

    // Sizes that cannot fit are refused before anything is created: a batch larger than the
    // training set (1e11 once asked for a 3.2 TB allocation), an integer TOML cannot hold.
    let fails = |extra: &[&str], needles: &[&str]| {
        let out = experiments(&["run", config], tmp.path(), extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?}: {stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{extra:?}: {stderr}");
        }
        assert!(
            !tmp.path().join("quick-cnn").exists(),
            "{extra:?}: nothing created"
        );
    };
    fails(
        &["training.batch_size=100000000000"],
        &[
            "training.batch_size",
            "larger than the training set",
            "use at most",
        ],
    );
    fails(
        &["training.batch_size=100000000000000000000"],
        &["--set training.batch_size=", "out of range"],
    );
    // `devices = []` is said to fall back to `device`, not silently.
    fails(
        &["devices=[]", "training.batch_size=0"],
        &["`devices = []` lists no devices", "training.batch_size"],
    );
    // A subset larger than the data names the key and the size there is, not a fetch.
    fails(
        &["data.train_subset=99999999"],
        &["`data.train_subset` = 99999999", "between 1 and"],
    );
    // An override that breaks a valid file is blamed, not the file.
    fails(
        &["schedule.lr=-1"],
        &["--set schedule.lr=-1", "schedule.lr", "itself is valid"],
    );

    // Two grid values that name the same run directory are refused before the first trains.
    let out = experiments(
        &["sweep", config, "--grid", "data.cache_dir=/x/a b,/x/a_b"],
        tmp.path(),
        &[],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("cache_dir=_x_a_b"),
        "{stderr}"
    );
    assert!(!tmp.path().join("quick-cnn").exists(), "nothing trained");

    // A dataset that cannot be fetched: the data error plus the fetch command.
    let empty = tmp.path().join("empty-cache");
    let out = experiments(
        &["run", config],
        tmp.path(),
        &[&format!("data.cache_dir={:?}", empty.display().to_string())],
    )
    .env("PATH", "/nonexistent")
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("experiments data fetch mnist"));

    // An existing run is not overwritten without --resume.
    run_ok(experiments(&["run", config], tmp.path(), &[]));
    let again = experiments(&["run", config], tmp.path(), &[])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
}
