//! Two shards trained into two trees, merged, re-run (nothing left to train), reported.

use super::*;

#[test]
fn shards_merge_into_one_study_and_the_report_regenerates_from_the_run_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let (machine_a, machine_b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (study_a, study_b) = (
        write_study(tmp.path(), &machine_a, 0.9),
        write_study(tmp.path(), &machine_b, 0.9),
    );
    let (a, b) = (study_a.to_str().unwrap(), study_b.to_str().unwrap());
    run(&["study", "run", a, "--profile", "tiny", "--shard", "1/2"]);
    // The old spelling still works.
    run(&["study", "refresh", b, "--profile", "tiny", "--shard", "2/2"]);
    let root_a = machine_a.join("tiny-refresh/tiny");
    let root_b = machine_b.join("tiny-refresh/tiny");
    let (runs_a, runs_b) = (finished_runs(&root_a), finished_runs(&root_b));
    // Whole workloads per shard: each machine has one workload's grid, the other has none.
    assert!(!runs_a.is_empty() && !runs_b.is_empty());
    assert!(
        runs_a.iter().all(|r| r.starts_with(&runs_a[0][..3])),
        "{runs_a:?}"
    );
    assert!(
        runs_b.iter().all(|r| !r.starts_with(&runs_a[0][..3])),
        "{runs_b:?}"
    );
    for runs in [&runs_a, &runs_b] {
        // 3 grid runs with seed 1, and seed 2 for a window of the best, pilot and rule β.
        let grid = |r: &&String| !r.contains("lr=");
        assert_eq!(
            runs.iter()
                .filter(grid)
                .filter(|r| r.ends_with("seed=1"))
                .count(),
            3
        );
        let second = runs
            .iter()
            .filter(grid)
            .filter(|r| r.ends_with("seed=2"))
            .count();
        assert!((1..=3).contains(&second), "{runs:?}");
        // The rate check: the rule's β at the `rule_lrs` other than the workload's own rate
        // (the GPT's is 3e-3, which its grid runs already are), first seed.
        let rates: Vec<&String> = runs.iter().filter(|r| r.contains("lr=")).collect();
        let own_rate_listed = runs[0].starts_with("gpt");
        assert_eq!(rates.len(), if own_rate_listed { 1 } else { 2 }, "{runs:?}");
        assert!(rates.iter().all(|r| r.ends_with("seed=1")), "{rates:?}");
    }

    // A run that is not this study's (another study's config at one of its paths) is refused
    // by name, and nothing of that source is copied.
    let stray = tmp.path().join("stray");
    let foreign = &runs_b[0];
    copy_dir(&root_b.join(foreign), &stray.join(foreign));
    let config = stray.join(foreign).join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replacen("batch_size = ", "batch_size = 1", 1)).unwrap();
    let refused = Command::new(BIN)
        .args(["study", "merge", a, "--profile", "tiny", "--from"])
        .arg(&stray)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains(foreign.as_str()) && stderr.contains("batch_size"),
        "{stderr}"
    );
    assert_eq!(finished_runs(&root_a), runs_a, "nothing copied");
    let merged = run(&[
        "study",
        "merge",
        a,
        "--profile",
        "tiny",
        "--from",
        root_b.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&merged.stdout).contains(&format!("{} runs copied", runs_b.len()))
    );
    let all = finished_runs(&root_a);
    assert_eq!(all.len(), runs_a.len() + runs_b.len());
    // The plan (and the progress bar, which counts the same) knows the window once the grid is
    // done: every workload reads "N of N", and the Ns add up to the runs made.
    let plan = run(&["study", "plan", a, "--profile", "tiny"]);
    let plan = String::from_utf8_lossy(&plan.stdout).into_owned();
    let mut planned = 0;
    for line in plan.lines() {
        let counts = line.rsplit(": ").next().unwrap();
        let words: Vec<&str> = counts.split_whitespace().collect();
        assert_eq!(words[0], words[2], "{plan}");
        planned += words[0].parse::<usize>().unwrap();
    }
    assert_eq!(planned, all.len(), "{plan}");
    // Each shard's invocation recorded its start and its end, and the merge brought b's.
    let log = std::fs::read_to_string(root_a.join("invocations.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
    assert_eq!(log.matches("\"elapsed_s\":null").count(), 2, "{log}");
    // Everything is finished: running the whole study again trains nothing.
    let again = run(&["study", "run", a, "--profile", "tiny"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(
        stderr.matches("already complete").count(),
        all.len(),
        "{stderr}"
    );

    let out = tmp.path().join("report");
    let notes = tmp.path().join("notes.md");
    std::fs::write(&notes, "\n## Reading\n\nOUR NOTES\n").unwrap();
    run(&[
        "study",
        "report",
        a,
        "--profile",
        "tiny",
        "--notes",
        notes.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    // One report writer: the refresh report has its offline page and takes notes too.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("OUR NOTES") && html.contains("<svg"),
        "{html}"
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["workloads"].as_array().unwrap().len(),
        2,
        "{summary}"
    );
    assert_eq!(summary["runs"].as_u64().unwrap() as usize, all.len());
    let table = summary["table"].as_array().unwrap();
    let methods: Vec<&str> = table
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(
        methods,
        [
            "refresh rule (R₀ = 3)",
            "fixed β = 0.9",
            "fixed β = 0.5",
            "fixed β = 0.94377",
            "oracle"
        ]
    );
    for row in table {
        let gaps: Vec<f64> = row["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_f64().unwrap())
            .collect();
        assert!(gaps.iter().all(|g| g.is_finite() && *g >= 0.0), "{row}");
        let max = gaps.iter().cloned().fold(0.0, f64::max);
        assert_eq!(row["aggregate"]["max"].as_f64().unwrap(), max);
    }
    assert_eq!(
        table.last().unwrap()["aggregate"]["max"].as_f64().unwrap(),
        0.0,
        "the oracle"
    );
    // Every workload's L(β) is its runs' minimum validation loss, averaged over seeds after
    // removing the second seed's offset from the first (its mean difference where both ran).
    for w in summary["workloads"].as_array().unwrap() {
        let name = w["name"].as_str().unwrap();
        let betas = w["losses"]["betas"].as_array().unwrap();
        let min_loss = |beta: f64, seed: u64| -> Option<f64> {
            let path = root_a.join(format!("{name}/beta={beta},seed={seed}/summary.json"));
            let text = std::fs::read_to_string(path).ok()?;
            let s: Value = serde_json::from_str(&text).unwrap();
            s["best_valid_loss"].as_f64()
        };
        let betas: Vec<f64> = betas.iter().map(|b| b.as_f64().unwrap()).collect();
        let diffs: Vec<f64> = betas
            .iter()
            .filter_map(|&b| Some(min_loss(b, 2)? - min_loss(b, 1)?))
            .collect();
        assert!(
            !diffs.is_empty(),
            "{name}: the second seed shares the window"
        );
        let offset = diffs.iter().sum::<f64>() / diffs.len() as f64;
        assert!((w["seed_offsets"][0][1].as_f64().unwrap() - offset).abs() < 1e-12);
        for (&beta, loss) in betas.iter().zip(w["losses"]["loss"].as_array().unwrap()) {
            let mut values = vec![min_loss(beta, 1).unwrap()];
            values.extend(min_loss(beta, 2).map(|l| l - offset));
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            assert!(
                (loss.as_f64().unwrap() - mean).abs() < 1e-12,
                "{name} β {beta}"
            );
        }
    }
    assert_eq!(
        summary["table_first_seed"].as_array().unwrap().len(),
        table.len()
    );
    assert_eq!(summary["r0_sweep"].as_array().unwrap().len(), 3);
    // Every claim carries an interval and one of the three computed verdicts; the paired
    // comparison's t-test agrees with the gaps it is computed from.
    let evidence = &summary["evidence"];
    for claim in evidence["claims"].as_array().unwrap() {
        let verdict = claim["verdict"].as_str().unwrap();
        assert!(["supported", "contradicted", "inconclusive"].contains(&verdict));
        let (lo, hi) = (
            claim["interval"]["lo"].as_f64(),
            claim["interval"]["hi"].as_f64(),
        );
        assert!(lo.unwrap() <= hi.unwrap(), "{claim}");
    }
    let gaps: Vec<f64> = evidence["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["gaps"][0].as_f64().unwrap() - w["gaps"][1].as_f64().unwrap())
        .collect();
    if let Some(mean) = evidence["paired"][0]["test"]["mean"].as_f64() {
        let want = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((mean - want).abs() < 1e-9, "{mean} vs {want}");
    }
    assert_eq!(summary["noise"].as_array().unwrap().len(), 1);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "refresh rule (R₀ = 3)",
        "| fixed β = 0.94377 | 0.290 | 1.328",
        "Gap vs R₀",
        "T_ES noise",
        "loss-vs-beta.svg",
        "| `",
        "## Reading",
        "| claim | effect (positive = as claimed) |",
        "## Noise floor, near-ties and R*",
        "## In the paper's regime",
    ] {
        assert!(
            report.contains(needle),
            "report.md lacks {needle:?}:\n{report}"
        );
    }
    for plot in ["loss-vs-beta.svg", "gap-vs-r0.svg"] {
        let svg = std::fs::read_to_string(out.join(plot)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("polyline"),
            "{plot}"
        );
    }
    // The report is a function of the run directories: a second report is identical.
    let out2 = tmp.path().join("report2");
    run(&[
        "study",
        "report",
        a,
        "--profile",
        "tiny",
        "--out",
        out2.to_str().unwrap(),
    ]);
    let strip = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .replace(out2.to_str().unwrap(), "")
            .replace(out.to_str().unwrap(), "")
    };
    assert_eq!(
        strip(&out.join("summary.json")),
        strip(&out2.join("summary.json"))
    );
    // The exported records (small enough to commit) regenerate the same summary.
    let export = tmp.path().join("export");
    run(&[
        "study",
        "export",
        a,
        "--profile",
        "tiny",
        "--to",
        export.to_str().unwrap(),
    ]);
    assert!(!export.join("cnn/beta=0.9,seed=1/checkpoint").exists());
    let out3 = tmp.path().join("report3");
    run(&[
        "study",
        "report",
        a,
        "--profile",
        "tiny",
        "--runs",
        export.to_str().unwrap(),
        "--out",
        out3.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(out.join("summary.json")).unwrap(),
        std::fs::read_to_string(out3.join("summary.json")).unwrap()
    );
}
