//! The `refresh_rule` example on a tiny budget: Burn's `Learner` trains the pilot, the
//! recorder's trajectory equals the one read back from Burn's own log files, the decision is
//! the rule applied to that trajectory (T_ES = the update of the lowest validation loss), and
//! the recorded `decision.json` reads back as the same decision.

#[allow(dead_code)] // the example's `main` is not called here
#[path = "../examples/refresh_rule.rs"]
mod example;

use burn_balanced_adam::learner::{LOSS_METRIC, read_validation_log};
use burn_balanced_adam::refresh::{HorizonSource, RefreshDecision, refresh_beta};

#[test]
fn the_example_applies_the_rule_to_its_pilot_trajectory() {
    let dir = tempfile_dir("refresh-rule-example");
    // 40 epochs of 16 updates: enough for the noisy labels to pull the validation loss back up.
    let outcome = example::run(&dir, 640).expect("the example runs");

    // The live recorder and Burn's files agree, point for point (updates counted the same way).
    let from_files = read_validation_log(dir.join("pilot"), LOSS_METRIC, 1).expect("Burn's logs");
    assert_eq!(outcome.pilot, from_files);
    assert_eq!(outcome.pilot.len(), 40, "one validation per epoch");
    let updates: Vec<u64> = outcome.pilot.iter().map(|p| p.update).collect();
    assert_eq!(updates, (1..=40).map(|e| e * 16).collect::<Vec<u64>>());

    // The decision is the rule applied to that trajectory.
    let best = outcome
        .pilot
        .iter()
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
        .expect("points");
    let d = &outcome.decision;
    assert_eq!(
        d.t_es, best.update,
        "T_ES is the update of the lowest validation loss"
    );
    assert_eq!(d.beta, refresh_beta(best.update as f64, d.r0).unwrap());
    match &d.source {
        HorizonSource::Pilot {
            pilot_beta,
            evaluations,
            last_update,
            ..
        } => {
            assert_eq!(
                (*pilot_beta, *evaluations, *last_update),
                (0.94377, 40, 640)
            );
        }
        other => panic!("expected a pilot decision, got {other:?}"),
    }
    let recorded: RefreshDecision = serde_json::from_str(
        &std::fs::read_to_string(dir.join("decision.json")).expect("decision.json"),
    )
    .expect("the recorded decision parses");
    assert_eq!(&recorded, d);
    assert_eq!(outcome.main.len(), 40, "the main run trained as long");
    std::fs::remove_dir_all(&dir).ok();
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bba-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
