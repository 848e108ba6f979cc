//! Missing input refused by name; a report never writes into what it reads; a null where a number belongs is refused.

use super::*;

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
        // Above its input: the bundle's summary.json would sit over the run.
        (vec!["report", run_dir.to_str().unwrap()], sweep.clone()),
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

    // A report bundle that lands inside a run tree anyway (moved there by hand, or a surge or
    // study report beside its `runs/`) is skipped by every reader, not read as a run.
    for name in ["report.md", "report.html", "summary.json"] {
        std::fs::copy(beside.join(name), sweep.join(name)).unwrap();
    }
    let again = tmp.path().join("report-again");
    let printed = run(&[
        "report",
        sweep.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(printed.contains("1 runs in 1 arms"), "{printed}");
    let exported = tmp.path().join("exported");
    let printed = run(&[
        "study",
        "export",
        "--from",
        sweep.to_str().unwrap(),
        "--to",
        exported.to_str().unwrap(),
    ]);
    assert!(printed.contains("records of 1 runs exported"), "{printed}");
    assert!(exported.join("run/summary.json").is_file());
    // Exporting into the tree it reads is refused, naming the export's own flag.
    let inside = sweep.join("exported");
    let refused = Command::new(BIN)
        .args(["study", "export", "--from", sweep.to_str().unwrap()])
        .args(["--to", inside.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("study export: --to") && !stderr.contains("--out"),
        "{stderr}"
    );
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
