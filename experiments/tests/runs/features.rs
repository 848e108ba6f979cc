//! The refresh rule, a β sweep with its comparison, and data-parallel training.

use super::*;

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
