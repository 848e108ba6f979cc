//! Configs load from TOML and JSON with defaults for missing keys; unknown keys and
//! out-of-range values are errors that name the field.

use burn::config::Config;
use burn_balanced_adam::{
    BalancedAdamConfig, ConfigError, DualAdamConfig, FAdamConfig, FAdamEpsilon, InvAdamConfig,
    StepImplementation, WeightDecayMode,
};
use rstest::rstest;

/// Configs compare through their serialized form (Burn's clipping config has no `PartialEq`).
fn json<T: serde::Serialize>(config: &T) -> serde_json::Value {
    serde_json::to_value(config).unwrap()
}

#[test]
fn partial_toml_takes_the_spec_defaults() {
    let balanced: BalancedAdamConfig = toml::from_str("beta = 0.9").unwrap();
    assert_eq!(
        json(&balanced),
        json(&BalancedAdamConfig::new().with_beta(0.9))
    );
    assert_eq!((balanced.epsilon, balanced.weight_decay), (1e-8, 0.0));
    assert_eq!(balanced.weight_decay_mode, WeightDecayMode::Decoupled);

    let dual: DualAdamConfig = toml::from_str("switch_rate = 8e-5").unwrap();
    assert_eq!(
        (dual.beta_1, dual.beta_2, dual.epsilon, dual.switch_rate),
        (0.9, 0.999, 1e-8, 8e-5)
    );

    let fadam: FAdamConfig = toml::from_str("epsilon_mode = \"paper_v3\"").unwrap();
    assert_eq!(fadam.epsilon_mode, FAdamEpsilon::PaperV3);
    assert_eq!(
        (fadam.weight_decay, fadam.clip, fadam.p, fadam.epsilon_2),
        (0.1, 1.0, 0.5, 0.01)
    );
}

#[test]
fn every_config_round_trips_through_json_and_burn_config_files() {
    let balanced = BalancedAdamConfig::new()
        .with_beta(0.0)
        .with_weight_decay_mode(WeightDecayMode::Coupled);
    let text = serde_json::to_string(&balanced).unwrap();
    assert_eq!(
        json(&serde_json::from_str::<BalancedAdamConfig>(&text).unwrap()),
        json(&balanced)
    );

    let dir = std::env::temp_dir().join(format!("bba-configs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fadam = FAdamConfig::new().with_p(0.25).with_clip(0.5);
    fadam.save(dir.join("fadam.json")).unwrap();
    assert_eq!(
        json(&FAdamConfig::load(dir.join("fadam.json")).unwrap()),
        json(&fadam)
    );
    let inv = InvAdamConfig::new().with_beta_2(0.99);
    inv.save(dir.join("inv.json")).unwrap();
    assert_eq!(
        json(&InvAdamConfig::load(dir.join("inv.json")).unwrap()),
        json(&inv)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unknown_keys_are_errors_that_name_the_key() {
    let err = toml::from_str::<BalancedAdamConfig>("betta = 0.9")
        .unwrap_err()
        .to_string();
    assert!(err.contains("betta"), "{err}");
    let err = serde_json::from_str::<FAdamConfig>(r#"{"eps": 1e-8}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("eps"), "{err}");
    // InvAdam has no switch: a switch_rate key is a mistake, not something to ignore.
    let err = toml::from_str::<InvAdamConfig>("switch_rate = 0.1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("switch_rate"), "{err}");
}

#[test]
fn an_unknown_step_implementation_is_an_error_that_names_it() {
    for text in [r#"implementation = "fast""#, r#"implementation = "Fused""#] {
        let err = toml::from_str::<DualAdamConfig>(text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("implementation"), "{err}");
        assert!(
            err.contains("auto") && err.contains("reference") && err.contains("fused"),
            "{err}"
        );
    }
    let config: FAdamConfig = toml::from_str(r#"implementation = "reference""#).unwrap();
    assert_eq!(config.implementation, StepImplementation::Reference);
    let config: FAdamConfig = toml::from_str(r#"implementation = "fused""#).unwrap();
    assert_eq!(config.implementation, StepImplementation::Fused);
}

fn rejects(result: Result<(), ConfigError>, field: &str) -> ConfigError {
    let err = result.expect_err("an invalid config must be rejected");
    assert_eq!(err.field(), field, "{err}");
    assert!(
        err.to_string().contains(field),
        "the message names the field: {err}"
    );
    err
}

#[rstest]
#[case(1.0)]
#[case(-0.1)]
#[case(1.5)]
#[case(f64::NAN)]
#[case(f64::INFINITY)]
fn beta_outside_the_unit_interval_is_rejected(#[case] beta: f64) {
    let err = rejects(BalancedAdamConfig::new().with_beta(beta).validate(), "beta");
    assert!(err.to_string().contains("[0, 1)"));
    rejects(DualAdamConfig::new().with_beta_1(beta).validate(), "beta_1");
    rejects(InvAdamConfig::new().with_beta_2(beta).validate(), "beta_2");
    rejects(FAdamConfig::new().with_beta_2(beta).validate(), "beta_2");
}

#[test]
fn beta_zero_is_legal() {
    BalancedAdamConfig::new().with_beta(0.0).validate().unwrap();
}

#[rstest]
#[case(-1e-8)]
#[case(f64::NAN)]
fn negative_or_non_finite_epsilon_is_rejected(#[case] epsilon: f64) {
    rejects(
        BalancedAdamConfig::new().with_epsilon(epsilon).validate(),
        "epsilon",
    );
    rejects(
        DualAdamConfig::new().with_epsilon(epsilon).validate(),
        "epsilon",
    );
    rejects(
        FAdamConfig::new().with_epsilon(epsilon).validate(),
        "epsilon",
    );
}

#[test]
fn the_remaining_ranges_are_enforced() {
    rejects(
        DualAdamConfig::new().with_switch_rate(-0.01).validate(),
        "switch_rate",
    );
    rejects(
        DualAdamConfig::new()
            .with_switch_rate(f64::INFINITY)
            .validate(),
        "switch_rate",
    );
    rejects(
        BalancedAdamConfig::new().with_weight_decay(-1.0).validate(),
        "weight_decay",
    );
    rejects(FAdamConfig::new().with_clip(0.0).validate(), "clip");
    rejects(FAdamConfig::new().with_clip(-1.0).validate(), "clip");
    rejects(FAdamConfig::new().with_p(0.0).validate(), "p");
    rejects(FAdamConfig::new().with_p(f64::NAN).validate(), "p");
    // FAdam's ε keeps its base away from zero: 0 is rejected there.
    rejects(FAdamConfig::new().with_epsilon(0.0).validate(), "epsilon");
    rejects(
        FAdamConfig::new().with_epsilon_2(-0.5).validate(),
        "epsilon_2",
    );
    let clipping = Some(burn::grad_clipping::GradientClippingConfig::Norm(0.0));
    rejects(
        BalancedAdamConfig::new()
            .with_grad_clipping(clipping)
            .validate(),
        "grad_clipping.Norm",
    );
}

#[test]
fn try_init_returns_the_error_and_init_panics_with_it() {
    let bad = FAdamConfig::new().with_p(-1.0);
    let err = bad.try_init().err().expect("rejected");
    assert_eq!((err.optimizer(), err.field()), ("fadam", "p"));
    let panic = std::panic::catch_unwind(|| bad.init())
        .err()
        .expect("init panics on an invalid config");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("`p`"), "{message}");
    let err = InvAdamConfig::new()
        .with_epsilon(-1.0)
        .try_build()
        .expect_err("rejected");
    assert_eq!((err.optimizer(), err.field()), ("inv_adam", "epsilon"));
}
