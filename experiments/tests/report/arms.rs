//! Runs grouped into arms, and a report with no runs.

use super::*;

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

    // The same tree given twice, and once more through a symbolic link, is still these 4 runs.
    let link = tmp.path().join("link-to-sweep");
    std::os::unix::fs::symlink(&root, &link).unwrap();
    let again = tmp.path().join("report-again");
    let root_arg = root.to_str().unwrap();
    let printed = run(&[
        "report",
        root_arg,
        root_arg,
        link.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(printed.contains("4 runs in 2 arms"), "{printed}");
    let arms_again = json(&again.join("summary.json"));
    for arm in arms_again.as_array().unwrap() {
        assert_eq!(arm["seeds"].as_array().unwrap().len(), 2, "{arm}");
    }

    // A title with HTML and quotes shows as written, never as markup, and the "Regenerate with"
    // line splits back into the same words in a shell.
    let titled = tmp.path().join("report-titled");
    let title = "<b>bold</b> & 'quoted'";
    run(&[
        "report",
        root_arg,
        "--out",
        titled.to_str().unwrap(),
        "--title",
        title,
    ]);
    let html = std::fs::read_to_string(titled.join("report.html")).unwrap();
    assert!(!html.contains("<b>bold</b>"), "raw HTML in the page");
    assert!(
        html.contains("&lt;b&gt;bold&lt;/b&gt;"),
        "the title shown as written"
    );
    let md = std::fs::read_to_string(titled.join("report.md")).unwrap();
    let line = md
        .split("Regenerate with `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("a Regenerate line");
    let words = shlex::split(line).expect("a shell line");
    assert_eq!(words.last().map(String::as_str), Some(title), "{line}");
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
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no run directory"), "{stderr}");
    assert!(
        stderr.contains(tmp.path().to_str().unwrap()),
        "names the path: {stderr}"
    );
}
