//! The optimizer comparison end to end on real data with a tiny definition: the search over the
//! rate grid, the chosen rate per optimizer with the other seed, the refresh rule's pilot, a
//! re-run that trains nothing, the export and the report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{json, succeeded};

const BIN: &str = env!("CARGO_BIN_EXE_experiments");

const OPTIMIZERS: [&str; 4] = ["adam", "balanced-0.94377", "balanced-refresh", "dual-adam"];
const LRS: [f64; 2] = [1e-3, 1e-2];

fn write_study(dir: &Path, extra: &str) -> PathBuf {
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs");
    let text = format!(
        r#"
kind = "compare"
name = "tiny-compare"
artifact_dir = {artifacts:?}
baseline = "adam"
search_seed = 1
seeds = [1, 2]
lrs = [0.01, 0.001]

[profiles.tiny]

[[optimizers]]
name = "adam"
spec = {{ kind = "adam" }}

[[optimizers]]
name = "balanced-0.94377"
spec = {{ kind = "balanced_adam", beta = 0.94377 }}

[[optimizers]]
name = "balanced-refresh"
spec = {{ kind = "balanced_adam", beta = "refresh", r0 = 6.0, t_es = {{ patience = 2 }} }}
pilot = "balanced-0.94377"

[[optimizers]]
name = "dual-adam"
spec = {{ kind = "dual_adam" }}
switch_fraction = 0.25
{extra}
[[workloads]]
name = "gpt"
config = "{configs}/study/gpt-shakespeare.toml"
set = {{ "data.valid_size" = 16, "data.test_subset" = 16, "training.updates" = 24, "training.eval_every" = 4, "schedule.warmup" = 4 }}
"#,
        artifacts = dir.join("runs").display().to_string(),
        configs = configs.display(),
    );
    let path = dir.join("study.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> Output {
    succeeded(args, run(args))
}

fn run_dir(root: &Path, optimizer: &str, lr: f64, seed: u64) -> PathBuf {
    root.join("gpt")
        .join(optimizer)
        .join(format!("lr={lr},seed={seed}"))
}

/// What the search compares: the final validation loss of a completed run.
fn final_valid(dir: &Path) -> f64 {
    let summary = json(&dir.join("summary.json"));
    assert_eq!(summary["status"], "complete", "{}", dir.display());
    summary["final_valid_loss"].as_f64().unwrap()
}

/// T_ES by early stopping with `patience` evaluations (ties: the earliest), computed here
/// independently of the library's estimator.
fn t_es_with_patience(trajectory: &serde_json::Value, patience: usize) -> u64 {
    let points: Vec<(u64, f64)> = trajectory
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["update"].as_u64().unwrap(),
                e["valid_loss"].as_f64().unwrap(),
            )
        })
        .collect();
    let (mut best, mut since) = (0, 0);
    for i in 1..points.len() {
        if points[i].1 < points[best].1 {
            (best, since) = (i, 0);
        } else {
            since += 1;
            if since >= patience {
                break;
            }
        }
    }
    points[best].0
}

#[test]
fn search_then_seeds_then_report_from_the_export() {
    let tmp = tempfile::tempdir().unwrap();
    // An arm at a fixed rate, warmed up over a quarter of the run, compared with DualAdam.
    let study = write_study(
        tmp.path(),
        "\n[[optimizers]]\nname = \"adam-warmup\"\nspec = { kind = \"adam\" }\nlr = 0.01\n\
         warmup_fraction = 0.25\nbaseline = \"dual-adam\"\n",
    );
    let study_arg = study.to_str().unwrap();
    ok(&["study", "run", study_arg, "--profile", "tiny"]);
    let root = tmp.path().join("runs/tiny-compare/tiny");

    for optimizer in OPTIMIZERS {
        let losses: Vec<f64> = LRS
            .iter()
            .map(|&lr| final_valid(&run_dir(&root, optimizer, lr, 1)))
            .collect();
        let chosen = if losses[1] < losses[0] {
            LRS[1]
        } else {
            LRS[0]
        };
        let other = LRS.iter().find(|&&l| l != chosen).unwrap();
        assert!(
            run_dir(&root, optimizer, chosen, 2)
                .join("summary.json")
                .is_file(),
            "{optimizer}: the chosen rate {chosen} runs the second seed"
        );
        if optimizer != "balanced-0.94377" {
            assert!(
                !run_dir(&root, optimizer, *other, 2).exists(),
                "{optimizer}: the other rate gets no second seed"
            );
        }
    }
    // The refresh rule: β from its pilot's (balanced 0.94377, same rate and seed) trajectory,
    // read with the rule's own estimator (patience 2), not the pilot's.
    for lr in LRS {
        let dir = run_dir(&root, "balanced-refresh", lr, 1);
        let decision = json(&dir.join("refresh.json"));
        let pilot = json(&run_dir(&root, "balanced-0.94377", lr, 1).join("summary.json"));
        let t_es = t_es_with_patience(&pilot["trajectory"], 2);
        assert_eq!(decision["t_es"]["t_es"].as_u64(), Some(t_es));
        let t_es = t_es as f64;
        let target = (1.0 - 6.0 / t_es).max(0.0);
        assert!((decision["beta_target"].as_f64().unwrap() - target).abs() < 1e-12);
        let beta = decision["beta"].as_f64().unwrap();
        assert_eq!(json(&dir.join("summary.json"))["beta"].as_f64(), Some(beta));
    }
    // DualAdam's ξ = 1/(fraction · updates).
    let config =
        std::fs::read_to_string(run_dir(&root, "dual-adam", LRS[0], 1).join("config.toml"))
            .unwrap();
    let table: toml::Table = config.parse().unwrap();
    let xi = table["optimizer"]["switch_rate"].as_float().unwrap();
    assert!((xi - 1.0 / (0.25 * 24.0)).abs() < 1e-12, "ξ = {xi}");

    // Nothing left to train.
    let again = ok(&["study", "compare", study_arg, "--profile", "tiny"]);
    let log = String::from_utf8_lossy(&again.stderr);
    assert!(!log.contains("eval 1/"), "a re-run trained again:\n{log}");

    // Export the records, report from the export and from the tree: the same numbers.
    let export = tmp.path().join("export");
    ok(&[
        "study",
        "export",
        study_arg,
        "--profile",
        "tiny",
        "--to",
        export.to_str().unwrap(),
    ]);
    let (from_export, from_tree) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&[
        "study",
        "report",
        study_arg,
        "--profile",
        "tiny",
        "--runs",
        export.to_str().unwrap(),
        "--out",
        from_export.to_str().unwrap(),
    ]);
    ok(&[
        "study",
        "report",
        study_arg,
        "--profile",
        "tiny",
        "--out",
        from_tree.to_str().unwrap(),
    ]);
    let summary = json(&from_export.join("summary.json"));
    assert_eq!(summary, json(&from_tree.join("summary.json")));

    let workload = &summary["workloads"][0];
    let lines = workload["optimizers"].as_array().unwrap();
    assert_eq!(lines.len(), OPTIMIZERS.len() + 1);
    let chosen = |name: &str| {
        lines.iter().find(|l| l["name"] == name).unwrap()["chosen_lr"]
            .as_f64()
            .unwrap()
    };
    // The fixed-rate arm: no search, its rate with both seeds, its warmup, its own baseline.
    assert_eq!(chosen("adam-warmup"), 0.01);
    assert!(
        !run_dir(&root, "adam-warmup", 0.001, 1).exists(),
        "no search"
    );
    let config =
        std::fs::read_to_string(run_dir(&root, "adam-warmup", 0.01, 2).join("config.toml"))
            .unwrap();
    let table: toml::Table = config.parse().unwrap();
    assert_eq!(
        table["schedule"]["warmup"].as_integer(),
        Some(6),
        "a quarter of 24"
    );
    let warm = lines.iter().find(|l| l["name"] == "adam-warmup").unwrap();
    assert_eq!(warm["compared_with"], "dual-adam");
    let test_loss = |o: &str, lr: f64, seed: u64| {
        json(&run_dir(&root, o, lr, seed).join("summary.json"))["test"]["loss"]
            .as_f64()
            .unwrap()
    };
    let adam_lr = lines[0]["chosen_lr"].as_f64().unwrap();
    for line in lines {
        let name = line["name"].as_str().unwrap();
        let lr = line["chosen_lr"].as_f64().unwrap();
        let losses = [test_loss(name, lr, 1), test_loss(name, lr, 2)];
        let mean = line["arm"]["test_loss"]["mean"].as_f64().unwrap();
        assert!(
            (mean - (losses[0] + losses[1]) / 2.0).abs() < 1e-9,
            "{name}"
        );
        if name != "adam" {
            // GPT's headline is the test loss: the per-seed differences from the arm's baseline.
            let (base, base_lr) = match name {
                "adam-warmup" => ("dual-adam", chosen("dual-adam")),
                _ => ("adam", adam_lr),
            };
            let d: Vec<f64> = [1, 2]
                .iter()
                .map(|&s| test_loss(name, lr, s) - test_loss(base, base_lr, s))
                .collect();
            let got = line["vs_baseline"]["diff"]["mean"].as_f64().unwrap();
            assert!(
                (got - (d[0] + d[1]) / 2.0).abs() < 1e-9,
                "{name}: {got} vs {d:?}"
            );
        }
    }
    let md = std::fs::read_to_string(from_export.join("report.md")).unwrap();
    for name in OPTIMIZERS {
        assert!(md.contains(&format!("| {name} |")), "{name} row missing");
    }
    let html = std::fs::read_to_string(from_export.join("report.html")).unwrap();
    assert!(html.contains("<table>") && html.contains("<svg"));
    assert!(!html.contains("src=") && !html.contains("href="));
    assert!(from_export.join("curves-gpt.svg").is_file());
}

#[test]
fn a_bad_comparison_file_names_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    for (extra, expected) in [
        (
            "[[optimizers]]\nname = \"rule-alone\"\nspec = { kind = \"balanced_adam\", beta = \"refresh\" }\n",
            "go together",
        ),
        (
            "[[optimizers]]\nname = \"adam\"\nspec = { kind = \"adam\" }\n",
            "optimizer `adam` twice",
        ),
        (
            "[[optimizers]]\nname = \"x\"\nspec = { kind = \"adam\" }\nswitch_fraction = 0.5\n",
            "DualAdam's",
        ),
    ] {
        let study = write_study(tmp.path(), extra);
        let out = run(&[
            "study",
            "compare",
            study.to_str().unwrap(),
            "--profile",
            "tiny",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expected),
            "{extra}: {err}"
        );
        assert!(!tmp.path().join("runs").exists(), "nothing is written");
    }
}
