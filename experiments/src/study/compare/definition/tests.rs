//! The committed comparison and DualAdam study files, and bad arms.

use super::*;
use crate::config::ScheduleConfig;
use crate::study::Shard;
use crate::study::compare::runner;

#[test]
fn the_committed_comparison_is_what_the_issue_asks_for() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-compare.toml");
    let study = CompareStudy::load(&path, "full").expect("the committed study loads");
    assert!(study.seeds.len() >= 3 && study.seeds.contains(&study.search_seed));
    let kinds: Vec<&str> = study.workloads[0]
        .configs
        .iter()
        .map(|c| c.optimizer.kind())
        .collect();
    for kind in burn_balanced_adam::record::OptimizerKind::ALL.map(|k| k.name()) {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let names: Vec<(String, String)> = study
        .workloads
        .iter()
        .map(|w| {
            (
                w.configs[0].model.kind().into(),
                w.configs[0].data.dataset.to_string(),
            )
        })
        .collect();
    for (model, data) in [
        ("cnn", "fashion-mnist"),
        ("vit", "fashion-mnist"),
        ("gpt", "shakespeare"),
    ] {
        assert!(
            names.contains(&(model.into(), data.into())),
            "{model} on {data}"
        );
    }
    for w in &study.workloads {
        for (o, config) in study.optimizers.iter().zip(&w.configs) {
            // Every run trains its whole length with the workload's schedule.
            assert_eq!(config.training.patience, 0);
            assert_eq!(config.training.length.updates(), Some(w.updates()));
            if let OptimizerSpec::DualAdam(d) = &config.optimizer.spec {
                // The authors' blend: 12 500 of 78 200 updates.
                let fraction = 1.0 / (d.switch_rate * w.updates() as f64);
                assert!((fraction - 0.16).abs() < 1e-9, "{}: {fraction}", o.name);
            }
        }
    }
    let rule = study.optimizers.iter().find(|o| o.pilot.is_some()).unwrap();
    assert_eq!(
        study.optimizers[rule.pilot.unwrap()].name,
        "balanced-0.94377"
    );
    // The small profile keeps the workloads and shortens them tenfold.
    let small = CompareStudy::load(&path, "small").unwrap();
    assert_eq!(small.workloads.len(), study.workloads.len());
    assert_eq!(
        small.workloads[0].updates() * 10,
        study.workloads[0].updates()
    );
}

#[test]
fn the_dualadam_study_runs_the_authors_protocol_with_its_controls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-dualadam.toml");
    let study = CompareStudy::load(&path, "full").expect("the committed study loads");
    let index = |name: &str| {
        study
            .optimizers
            .iter()
            .position(|o| o.name == name)
            .unwrap()
    };
    let (adam, dual, warm) = (index("adam"), index("dual-adam"), index("adam-warmup"));
    let (tuned, warm_tuned) = (index("adam-tuned"), index("adam-warmup-tuned"));
    // The shared rate is one run per seed; the tuned arms search the grid first.
    assert_eq!(study.rates(adam), vec![1e-2]);
    assert_eq!(study.rates(tuned), study.lrs);
    // A tuned arm: the grid at the search seed, then its chosen rate at the other seeds.
    assert_eq!(
        (study.planned_runs(adam), study.planned_runs(tuned)),
        (study.seeds.len(), study.lrs.len() + study.seeds.len() - 1)
    );
    // Paired differences: DualAdam minus Adam, Adam+warmup minus DualAdam.
    assert_eq!(study.optimizers[dual].baseline, adam);
    assert_eq!(study.optimizers[warm].baseline, dual);
    let w = &study.workloads[0];
    let updates = w.updates() as f64;
    let warmup = |o: usize| match w.configs[o].schedule {
        ScheduleConfig::WarmupCosine { warmup, .. } => warmup,
        _ => panic!("warmup_cosine expected"),
    };
    assert_eq!(warmup(adam), 0, "the authors' protocol has no warmup");
    assert_eq!(warmup(warm) as f64, (0.16 * updates).round());
    assert_eq!(warmup(warm_tuned), warmup(warm));
    if let OptimizerSpec::DualAdam(d) = &w.configs[dual].optimizer.spec {
        assert!((1.0 / (d.switch_rate * updates) - 0.16).abs() < 1e-12);
    } else {
        panic!("dual_adam expected");
    }
    // The cosine ends at lr/1000 whatever rate the search tries.
    let config = study.run_config(0, tuned, 3.16e-2, 42);
    let ScheduleConfig::WarmupCosine { lr, min_lr, .. } = config.schedule else {
        panic!("warmup_cosine expected");
    };
    assert!((min_lr / lr - 1e-3).abs() < 1e-12, "{min_lr} / {lr}");
    // Two shards split the six arms, each arm on exactly one.
    let mut arms: Vec<usize> = (1..=2)
        .flat_map(|index| {
            runner::shard_units(&study, Shard { index, count: 2 })
                .into_iter()
                .flat_map(|u| u.optimizers)
        })
        .collect();
    arms.sort_unstable();
    assert_eq!(arms, (0..6).collect::<Vec<_>>());
}

#[test]
fn bad_arms_are_refused_by_name() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-dualadam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let configs = path.parent().unwrap().display().to_string();
    for (from, to, expect) in [
        (
            "lr = 1e-2\n\n[[optimizers]]\nname = \"dual-adam\"",
            "lr = 5e-3\n\n[[optimizers]]\nname = \"dual-adam\"",
            "not in this profile's `lrs`",
        ),
        (
            "warmup_fraction = 0.16\nlr = 1e-2",
            "warmup_fraction = 1.5\nlr = 1e-2",
            "warmup_fraction",
        ),
        (
            "baseline = \"dual-adam\"",
            "baseline = \"adam-warmup\"",
            "must be another optimizer",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let edited = text
            .replacen(from, to, 1)
            .replace("config = \"study/", &format!("config = \"{configs}/study/"));
        let file = dir.path().join("s.toml");
        std::fs::write(&file, edited).unwrap();
        let err = CompareStudy::load(&file, "full").unwrap_err().to_string();
        assert!(err.contains(expect), "{to}: {err}");
    }
}

#[test]
fn the_plan_counts_only_planned_runs_not_seeds_at_a_rate_no_longer_chosen() {
    use crate::study::Study;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-dualadam.toml");
    let mut study = CompareStudy::load(&path, "small").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    study.root = tmp.path().to_path_buf();
    let o = study
        .optimizers
        .iter()
        .position(|o| o.name == "adam-tuned")
        .unwrap();
    let (low, high) = (study.lrs[0], study.lrs[1]);
    let template: serde_json::Value = serde_json::from_str(include_str!(
        "../../../artifacts/fixtures/summary-before-build-commit.json"
    ))
    .unwrap();
    let finish = |lr: f64, seed: u64, loss: f64| {
        let dir = study.run_dir(0, o, lr, seed);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.toml"),
            study.run_config(0, o, lr, seed).to_toml(),
        )
        .unwrap();
        let mut summary = template.clone();
        summary["status"] = "complete".into();
        summary["final_valid_loss"] = loss.into();
        std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
    };
    // The search chooses the low rate; its other seed is done, and a second seed at the high
    // rate is left from an earlier choice.
    finish(low, study.search_seed, 0.5);
    finish(high, study.search_seed, 0.9);
    let other = study.seeds[1];
    finish(low, other, 0.6);
    finish(high, other, 0.7);
    let plan = study.plan(Shard::ALL).unwrap();
    let line = plan
        .iter()
        .find(|p| p.label.contains("adam-tuned") && !p.label.contains("dual"))
        .unwrap_or_else(|| panic!("{plan:?}"));
    assert_eq!((line.runs_done, line.runs_planned), (3, 3), "{line:?}");
}
