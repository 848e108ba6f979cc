//! Study files and reports refused before any work, and the Slurm array script.

use super::*;

#[test]
fn a_study_whose_pilot_is_not_on_the_grid_is_refused_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    let study = write_study(tmp.path(), &tmp.path().join("runs"), 0.95);
    let out = Command::new(BIN)
        .args([
            "study",
            "refresh",
            study.to_str().unwrap(),
            "--profile",
            "tiny",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pilot_beta") && stderr.contains("0.95"),
        "{stderr}"
    );
    assert!(!tmp.path().join("runs").exists(), "nothing was written");
}

#[test]
fn a_study_file_must_declare_its_kind_and_a_report_needs_finished_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let study = write_study(tmp.path(), &tmp.path().join("runs"), 0.9);
    let text = std::fs::read_to_string(&study).unwrap();
    let fail = |args: &[&str], expect: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        for e in expect {
            assert!(stderr.contains(e), "{args:?}: {stderr}");
        }
    };
    let file = study.to_str().unwrap();
    // The kind is declared, never guessed.
    std::fs::write(&study, text.replace("kind = \"refresh\"\n", "")).unwrap();
    fail(
        &["study", "plan", file, "--profile", "tiny"],
        &["no `kind`"],
    );
    std::fs::write(
        &study,
        text.replace("kind = \"refresh\"", "kind = \"refrsh\""),
    )
    .unwrap();
    fail(
        &["study", "plan", file, "--profile", "tiny"],
        &["refrsh", "\"compare\""],
    );
    std::fs::write(&study, &text).unwrap();
    // An empty tree: the report says why and writes nothing.
    let root = tmp.path().join("runs/tiny-refresh/tiny");
    std::fs::create_dir_all(&root).unwrap();
    let out = tmp.path().join("report");
    let out_arg = out.to_str().unwrap();
    fail(
        &[
            "study",
            "report",
            file,
            "--profile",
            "tiny",
            "--out",
            out_arg,
        ],
        &["no finished runs"],
    );
    assert!(!out.exists(), "nothing written");
    // The plan of an untouched study trains nothing and counts nothing finished.
    let plan = Command::new(BIN)
        .args(["study", "plan", file, "--profile", "tiny", "--jobs", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.status.success(), "{stdout}");
    assert_eq!(stdout.matches(": 0 of ").count(), 2, "{stdout}");
    assert!(stdout.contains("shard 1/2") && stdout.contains("shard 2/2"));
    // More jobs than workloads: capped, with a note, instead of idle processes.
    let plan = Command::new(BIN)
        .args(["study", "plan", file, "--profile", "tiny", "--jobs", "99"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr),
    );
    assert!(plan.status.success(), "{stderr}");
    assert!(stderr.contains("--jobs 99 capped at 2"), "{stderr}");
    assert!(!stdout.contains("/99"), "{stdout}");
    // `--jobs 0` is refused by clap, naming the flag, not a `--shard` nobody gave.
    fail(
        &["study", "run", file, "--profile", "tiny", "--jobs", "0"],
        &["--jobs"],
    );
}

#[test]
fn the_slurm_script_runs_one_shard_per_task_then_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("runs");
    let study = write_study(tmp.path(), &root, 0.9);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/slurm-study.sh");
    let shards = tmp.path().join("scratch");
    // The array variables Slurm would set, by hand: tasks 1 and 2 of 2, then the merge.
    let task = |vars: &[(&str, &str)]| {
        let out = Command::new("bash")
            .arg(&script)
            .arg(&study)
            .arg("tiny")
            .current_dir(tmp.path())
            .env("EXPERIMENTS", BIN)
            .env("SHARD_ROOT", &shards)
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .env("RAYON_NUM_THREADS", "1")
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{vars:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    task(&[("SLURM_ARRAY_TASK_ID", "1")]);
    task(&[("SLURM_ARRAY_TASK_ID", "2")]);
    let (one, two) = (
        finished_runs(&shards.join("1")),
        finished_runs(&shards.join("2")),
    );
    assert!(
        !one.is_empty() && !two.is_empty(),
        "each task trains its shard"
    );
    assert!(one.iter().all(|r| !two.contains(r)), "disjoint shards");
    task(&[("MERGE", "1")]);
    let merged = finished_runs(&root.join("tiny-refresh/tiny"));
    assert_eq!(merged.len(), one.len() + two.len());
}
