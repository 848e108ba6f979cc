//! The surge analysis from a sweep, and the fine-resolution training curve.

use super::*;

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
