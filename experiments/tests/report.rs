//! `experiments report` on a real tiny sweep: runs grouped into arms by everything but the seed,
//! mean ± std from the run directories, and an HTML page that needs no other file.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `experiments sweep` of the quick CNN into `dir` on a tiny subset; returns the sweep's root.
/// `changes` are `KEY=VALUE` settings, `grid` the axes.
fn tiny_sweep(dir: &Path, changes: &[&str], grid: &[&str]) -> std::path::PathBuf {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/quick-cnn.toml");
    let artifacts = format!("artifact_dir={:?}", dir.display().to_string());
    let mut args = vec![
        "sweep",
        config.to_str().unwrap(),
        "--no-tui",
        "--set",
        &artifacts,
    ];
    let base = ["data.valid_size=100", "data.test_subset=100"];
    for change in base.iter().chain(changes) {
        args.extend(["--set", change]);
    }
    for axis in grid {
        args.extend(["--grid", axis]);
    }
    run(&args);
    dir.join("quick-cnn")
}

#[test]
fn report_groups_seeds_into_arms_with_mean_and_spread() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tiny_sweep(
        tmp.path(),
        &[
            "training.updates=16",
            "training.eval_every=8",
            "schedule.warmup=4",
            "data.train_subset=512",
            "data.valid_size=200",
            "data.test_subset=200",
        ],
        &["optimizer.beta=0.9,0.99", "seed=1,2"],
    );
    let out = tmp.path().join("report");
    let printed = run(&[
        "report",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--title",
        "tiny",
    ]);
    assert!(printed.contains("4 runs in 2 arms"), "{printed}");

    let arms = json(&out.join("summary.json"));
    let arms = arms.as_array().unwrap();
    assert_eq!(arms.len(), 2);
    for (arm, beta) in arms.iter().zip(["0.9", "0.99"]) {
        assert!(
            arm["label"]
                .as_str()
                .unwrap()
                .contains(&format!("β={beta} ")),
            "{arm}"
        );
        assert_eq!(arm["seeds"].as_array().unwrap().len(), 2);
        let accuracy = |seed: u64| {
            let s = json(&root.join(format!("beta={beta},seed={seed}/summary.json")));
            s["test"]["accuracy"].as_f64().unwrap()
        };
        let (a, b) = (accuracy(1), accuracy(2));
        let spread = &arm["test_accuracy"];
        assert!((spread["mean"].as_f64().unwrap() - (a + b) / 2.0).abs() < 1e-9);
        assert!((spread["std"].as_f64().unwrap() - (a - b).abs() / 2f64.sqrt()).abs() < 1e-9);
        assert_eq!(
            arm["curve"].as_array().unwrap().len(),
            2,
            "two shared evaluations"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<table>") && html.contains("<svg") && html.contains("β=0.99"));
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "opens offline: no external files"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("experiments report") && md.contains("curves.svg"));
    assert!(
        std::fs::read_to_string(out.join("curves.svg"))
            .unwrap()
            .contains("polygon")
    );
}

#[test]
fn arms_differing_only_outside_the_label_stay_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tiny_sweep(
        tmp.path(),
        &[
            "training.updates=8",
            "training.eval_every=8",
            "schedule.warmup=2",
            "data.train_subset=256",
        ],
        &["optimizer.weight_decay=0.0,0.1"],
    );
    let out = tmp.path().join("report");
    run(&[
        "report",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let arms = json(&out.join("summary.json"));
    let arms = arms.as_array().unwrap();
    assert_eq!(arms.len(), 2, "weight decay 0 and 0.1 are different arms");
    assert!(arms[1]["label"].as_str().unwrap().ends_with("variant 2"));
    assert_ne!(arms[0]["config"], arms[1]["config"]);
}

#[test]
fn report_without_runs_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["report", tmp.path().to_str().unwrap(), "--out", "x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no run directory"));
}

/// Where a curve first reaches `target`, interpolated between the evaluation before and the
/// first at or below it (independent of the analysis' code).
fn crossing(curve: &[(f64, f64)], target: f64) -> Option<f64> {
    let i = curve.iter().position(|p| p.1 <= target)?;
    Some(if i == 0 || curve[i - 1].1 <= curve[i].1 {
        curve[i].0
    } else {
        let ((u0, l0), (u1, l1)) = (curve[i - 1], curve[i]);
        u0 + (l0 - target) / (l0 - l1) * (u1 - u0)
    })
}

#[test]
fn surge_finds_the_fastest_rate_per_batch_size_from_a_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tiny_sweep(
        tmp.path(),
        &[
            "schedule={kind=\"constant\", lr=0.002}",
            "training.updates=24",
            "training.eval_every=4",
            "data.train_subset=512",
        ],
        &["training.batch_size=8,32", "schedule.lr=0.0005,0.004"],
    );
    let json_path = tmp.path().join("surge.json");
    // These runs keep only the per-evaluation training loss: the analysis interpolates on it.
    let mut curves = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let s = json(&dir.unwrap().path().join("summary.json"));
        assert!(s.get("train_curve").is_none(), "not asked for");
        let curve: Vec<(f64, f64)> = s["trajectory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["update"].as_f64().unwrap(),
                    e["train_loss"].as_f64().unwrap(),
                )
            })
            .collect();
        curves.push((
            s["batch_size"].as_f64().unwrap(),
            s["lr"].as_f64().unwrap(),
            curve,
        ));
    }
    // A target every run reaches: the highest final training loss of the grid.
    let target = curves
        .iter()
        .map(|c| c.2.last().unwrap().1)
        .fold(0.0, f64::max);
    let printed = run(&[
        "surge",
        root.to_str().unwrap(),
        "--target",
        &target.to_string(),
        "--json",
        json_path.to_str().unwrap(),
        "--out",
        tmp.path().join("report").to_str().unwrap(),
    ]);
    let fits = json(&json_path);
    // The report holds the same fits, the heat map inlined, and the runs' provenance.
    let report = tmp.path().join("report");
    assert_eq!(json(&report.join("summary.json"))["fits"], fits);
    assert_eq!(json(&report.join("summary.json"))["runs"], 4);
    assert_eq!(json(&report.join("summary.json"))["fine"], false);
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("## The paper's claims"), "{md}");
    for optimum in fits[0]["optima"].as_array().unwrap() {
        let row = format!(
            "| {} | {:.1} (1) |",
            optimum["batch"].as_f64().unwrap(),
            optimum["steps"].as_f64().unwrap()
        );
        assert!(md.contains(&row), "{row} missing:\n{md}");
    }
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("<table>"));
    assert!(!html.contains("src=") && !html.contains("href="));
    let optima = fits[0]["optima"].as_array().unwrap();
    assert_eq!(optima.len(), 2, "{printed}");
    for optimum in optima {
        let batch = optimum["batch"].as_f64().unwrap();
        // The fastest of this batch size's runs to the target, from the summaries directly.
        let best = curves
            .iter()
            .filter(|c| c.0 == batch)
            .map(|c| (crossing(&c.2, target).unwrap(), c.1))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .unwrap();
        let steps = optimum["steps"].as_f64().unwrap();
        assert!(
            (steps - best.0).abs() < 1e-9,
            "{steps} vs {best:?}: {printed}"
        );
        assert_eq!(optimum["lr"].as_f64().unwrap(), best.1, "{printed}");
        // One seed: the near-tie set is the optimum and any exact tie.
        assert!(optimum["ties"].as_array().unwrap().contains(&optimum["lr"]));
    }
    assert!(printed.contains("target training loss"), "{printed}");
}

#[test]
fn a_fine_curve_is_recorded_and_agrees_with_the_evaluations() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tiny_sweep(
        tmp.path(),
        &[
            "schedule={kind=\"constant\", lr=0.002}",
            "training.updates=24",
            "training.eval_every=4",
            "training.train_loss_every=2",
            "data.train_subset=512",
        ],
        &["seed=1,2"],
    );
    for dir in std::fs::read_dir(&root).unwrap() {
        let s = json(&dir.unwrap().path().join("summary.json"));
        let curve = &s["train_curve"];
        assert_eq!(curve["every"], 2);
        let blocks: Vec<f64> = curve["loss"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(blocks.len(), 12, "24 updates in blocks of 2");
        // Each evaluation's training loss is the mean over its 4 updates: two blocks.
        for (k, e) in s["trajectory"].as_array().unwrap().iter().enumerate() {
            let mean = (blocks[2 * k] + blocks[2 * k + 1]) / 2.0;
            let logged = e["train_loss"].as_f64().unwrap();
            assert!((mean - logged).abs() < 1e-5 * logged, "{mean} vs {logged}");
        }
    }
    // The analysis uses them: the report says so. One batch size fits no law, so the command
    // fails, after writing the report that shows why.
    let out = Command::new(BIN)
        .args(["surge", root.to_str().unwrap(), "--target", "10", "--out"])
        .arg(tmp.path().join("r"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no target could be fitted"),
        "{stderr}"
    );
    assert_eq!(
        json(&tmp.path().join("r/summary.json"))["fine"],
        true,
        "{stderr}"
    );
}

#[test]
fn surge_and_study_report_refuse_missing_input_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let fails = |args: &[&str], needle: &str| {
        let out = Command::new(BIN).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(needle),
            "{args:?}: {stderr}"
        );
    };
    let dir = tmp.path().to_str().unwrap();
    fails(&["surge", dir, "--target", "NaN"], "--target NaN");
    fails(&["surge", dir, "--target=-1"], "--target -1");
    fails(
        &["surge", "/no/such/runs", "--target", "1"],
        "/no/such/runs",
    );
    fails(&["surge", dir, "--target", "1"], "no run directory");
    // Runs that never reach the target: the report says why and exits non-zero.
    let surge_runs =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../results/surge/cnn-fashion/runs");
    fails(
        &["surge", surge_runs.to_str().unwrap(), "--target", "0.0001"],
        "no target could be fitted",
    );
    // An --out that is a file: said so, not "File exists".
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    fails(
        &[
            "surge",
            surge_runs.to_str().unwrap(),
            "--target",
            "1",
            "--out",
            file.to_str().unwrap(),
        ],
        "is a file",
    );
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-refresh.toml");
    let missing = tmp.path().join("missing");
    fails(
        &[
            "study",
            "report",
            study.to_str().unwrap(),
            "--profile",
            "small",
            "--runs",
            missing.to_str().unwrap(),
            "--out",
            dir,
        ],
        "missing: no such directory",
    );
}

#[test]
fn a_report_never_writes_into_the_runs_it_reads() {
    // A committed run record, copied: `report RUN --out RUN` would overwrite its summary.
    let tmp = tempfile::tempdir().unwrap();
    let record = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../results/comparison/full/runs/cnn-fashion/adam/lr=0.01,seed=42");
    let run_dir = tmp.path().join("sweep/run");
    std::fs::create_dir_all(&run_dir).unwrap();
    for name in ["config.toml", "summary.json"] {
        std::fs::copy(record.join(name), run_dir.join(name)).unwrap();
    }
    let before = std::fs::read(run_dir.join("summary.json")).unwrap();
    let sweep = tmp.path().join("sweep");
    for (args, out) in [
        (vec!["report", run_dir.to_str().unwrap()], run_dir.clone()),
        (
            vec!["report", sweep.to_str().unwrap()],
            sweep.join("report"),
        ),
        (
            vec!["surge", sweep.to_str().unwrap(), "--target", "1"],
            run_dir.clone(),
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--out", out.to_str().unwrap()]);
        let result = Command::new(BIN).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(!result.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains("--out") && stderr.contains("reads"),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read(run_dir.join("summary.json")).unwrap(), before);
    assert!(!sweep.join("report").exists(), "nothing written");
    // Next to the runs is fine.
    let beside = tmp.path().join("report");
    run(&[
        "report",
        sweep.to_str().unwrap(),
        "--out",
        beside.to_str().unwrap(),
    ]);
    assert!(beside.join("report.md").is_file());
}

#[test]
fn a_record_with_a_null_where_a_number_belongs_is_refused_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../results/comparison/full/runs/cnn-fashion/adam/lr=0.01,seed=42");
    let run = tmp.path().join("runs/r1");
    std::fs::create_dir_all(&run).unwrap();
    for file in ["config.toml", "summary.json"] {
        std::fs::copy(committed.join(file), run.join(file)).unwrap();
    }
    let summary = std::fs::read_to_string(run.join("summary.json")).unwrap();
    let (start, _) = summary.split_once("\"wall_time_s\": ").unwrap();
    let rest = &summary[start.len() + "\"wall_time_s\": ".len()..];
    let end = rest.find([',', '\n']).unwrap();
    let broken = format!("{start}\"wall_time_s\": null{}", &rest[end..]);
    std::fs::write(run.join("summary.json"), broken).unwrap();
    let out = Command::new(BIN)
        .args(["report", tmp.path().join("runs").to_str().unwrap(), "--out"])
        .arg(tmp.path().join("report"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("wall_time_s") && stderr.contains("null"),
        "{stderr}"
    );
    assert!(!tmp.path().join("report").exists(), "nothing written");
}
