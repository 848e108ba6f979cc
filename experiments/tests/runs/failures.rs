//! A diverging run and bad input: stopped, and said so.

use super::*;

#[test]
fn a_diverging_run_stops_and_says_so() {
    // 1e9: the loss overflows; 1e6: it runs away (~1e33) but may stay finite. Both diverge,
    // in a run of 20 updates too (the runaway window shrinks with the run: 5 steps there).
    for (lr, updates) in [("1e9", 40), ("1e6", 40), ("1e6", 20)] {
        let tmp = tempfile::tempdir().unwrap();
        let config = configs().join("quick-cnn.toml");
        let out = experiments(
            &["run", config.to_str().unwrap()],
            tmp.path(),
            &[
                &format!("schedule.lr={lr}"),
                &format!("training.updates={updates}"),
                "training.eval_every=10",
            ],
        )
        .output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "lr {lr}, {updates} updates: {stderr}"
        );
        assert!(
            stderr.contains("Diverged"),
            "lr {lr}, {updates} updates: {stderr}"
        );
        let s = summary(&tmp.path().join("quick-cnn"));
        assert_eq!(s["status"], "diverged", "lr {lr}, {updates} updates");
        let message = s["message"].as_str().unwrap();
        assert!(
            message.contains("non-finite") || message.contains("diverged"),
            "lr {lr}: {message}"
        );
        // The cause is printed, not only recorded.
        assert!(stderr.contains(message), "lr {lr}: {stderr}");
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

#[test]
fn a_second_process_on_a_running_run_is_refused_naming_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-cnn.toml");
    let config = config.to_str().unwrap();
    let long = ["training.updates=100000"];
    let mut first = experiments(&["run", config], tmp.path(), &long)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // It writes config.toml once it holds the directory.
    let dir = tmp.path().join("quick-cnn");
    let deadline = Instant::now() + Duration::from_secs(300);
    while !dir.join("config.toml").is_file() {
        assert!(Instant::now() < deadline, "the first run never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The same config with --resume passes the first look (the run is not complete) and must
    // then be refused by the lock instead of training beside the first.
    let out = experiments(&["run", config, "--resume"], tmp.path(), &long)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("in use by process {}", first.id())),
        "{stderr}"
    );
    // A killed holder leaves its lock file but no lock: the resume goes ahead.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(dir.join(".lock").is_file());
    let out = experiments(
        &["run", config, "--resume", "--stop-after", "5"],
        tmp.path(),
        &long,
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("in use"), "{stderr}");
    assert_eq!(summary(&dir)["status"], "interrupted", "{stderr}");
}

#[test]
fn sigterm_stops_a_run_like_ctrl_c_and_records_it_interrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-cnn.toml");
    let child = experiments(
        &["run", config.to_str().unwrap()],
        tmp.path(),
        &["training.updates=100000"],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    // Wait until it trains (its first evaluation's checkpoint is on disk).
    let dir = tmp.path().join("quick-cnn");
    let deadline = Instant::now() + Duration::from_secs(300);
    while !dir.join("checkpoint/scheduler-1.bpk").is_file() {
        assert!(
            Instant::now() < deadline,
            "the run never reached its first checkpoint"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let s = summary(&dir);
    assert_eq!(s["status"], "interrupted", "{stderr}");
    assert!(
        s["message"].as_str().unwrap().contains("SIGTERM"),
        "{}",
        s["message"]
    );
}

#[test]
fn a_record_that_cannot_be_written_leaves_the_run_unfinished_and_resume_completes_it() {
    // A full disk at the end of a run, reproduced without one: the run's `trajectory.csv` is a
    // directory, so writing it fails. The run must not be recorded `complete` (its summary is
    // written last), the cause must reach the terminal, and a `--resume` once the path is free
    // must finish it with every record.
    let tmp = tempfile::tempdir().unwrap();
    let config = configs().join("quick-gpt.toml");
    let config = config.to_str().unwrap();
    let extra = [
        "name=\"blocked\"",
        "training.updates=40",
        "training.eval_every=20",
    ];
    run_ok(experiments(
        &["run", config, "--stop-after", "20"],
        tmp.path(),
        &extra,
    ));
    let run = tmp.path().join("blocked");
    let csv = run.join("trajectory.csv");
    std::fs::remove_file(&csv).unwrap();
    std::fs::create_dir(&csv).unwrap();
    std::fs::write(csv.join("keep"), b"x").unwrap();
    let out = experiments(&["run", config, "--resume"], tmp.path(), &extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("trajectory.csv"),
        "the cause is printed: {stderr}"
    );
    assert_ne!(
        summary(&run)["status"],
        "complete",
        "not complete without its records"
    );
    std::fs::remove_dir_all(&csv).unwrap();
    run_ok(experiments(
        &["run", config, "--resume"],
        tmp.path(),
        &extra,
    ));
    assert_eq!(summary(&run)["status"], "complete");
    assert!(csv.is_file());
}
