//! Every quick config to completion; a killed run and a stopped run resume to the uninterrupted result.

use super::*;

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
    // Burn saves the three parts of a checkpoint on their own threads: kill once all three of
    // the first evaluation's are in place, so the resume has them.
    let first: Vec<_> = ["model", "optim", "scheduler"]
        .map(|part| tmp.path().join(format!("killed/checkpoint/{part}-1.bpk")))
        .into();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !first.iter().all(|p| p.is_file()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.iter().all(|p| p.is_file()), "no checkpoint appeared");
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
    // The killed segment's time counts (up to its last checkpoint), beside the resumed one's.
    let segments = resumed["segments"].as_array().expect("segments");
    assert_eq!(segments.len(), 2, "{segments:?}");
    assert_eq!(segments[0]["ended"], "killed");
    assert!(
        segments[0]["wall_s"].as_f64().unwrap() > 0.0,
        "{segments:?}"
    );
    assert!(
        segments[0]["to_update"].as_u64().unwrap() > 0,
        "its checkpoint's update"
    );
    assert_eq!(segments[1]["ended"], "complete");
    assert_eq!(
        segments[1]["from_update"], segments[0]["to_update"],
        "resumed from it"
    );
    let sum: f64 = segments.iter().map(|s| s["wall_s"].as_f64().unwrap()).sum();
    let wall = resumed["wall_time_s"].as_f64().unwrap();
    assert!((wall - sum).abs() < 1e-9, "{wall} vs {sum}");
    assert_eq!(whole["segments"].as_array().map(Vec::len), Some(1));
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
    // A complete run that lost a record (a full disk, a hand) gets it back on --resume.
    let csv = tmp.path().join("whole/trajectory.csv");
    let written = std::fs::read(&csv).unwrap();
    std::fs::remove_file(&csv).unwrap();
    run_ok(experiments(
        &["run", config, "--resume"],
        tmp.path(),
        &["name=\"whole\""],
    ));
    assert_eq!(
        std::fs::read(&csv).unwrap(),
        written,
        "trajectory.csv restored as it was"
    );
    let stopped = experiments(
        &["run", config, "--stop-after", "20"],
        tmp.path(),
        &["name=\"part\""],
    )
    .output()
    .unwrap();
    // A stop the user asked for is a normal ending: exit 0, no `error:`.
    let said = String::from_utf8_lossy(&stopped.stderr);
    assert!(stopped.status.success(), "{said}");
    assert!(!said.contains("error:"), "{said}");
    assert!(
        String::from_utf8_lossy(&stopped.stdout).contains("stopped as asked"),
        "{}",
        String::from_utf8_lossy(&stopped.stdout)
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
    // The resumed run keeps what a resume needs (its two newest evaluations), not the
    // checkpoints its first segment left behind.
    for run in ["whole", "part"] {
        let mut kept: Vec<String> = std::fs::read_dir(tmp.path().join(run).join("checkpoint"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("model-") && n.ends_with(".bpk"))
            .collect();
        kept.sort();
        assert!(kept.len() <= 2, "{run}: {kept:?}");
    }

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
