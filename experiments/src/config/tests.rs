//! Config loading: every shipped config is valid, and bad input is an error naming its key.

use std::path::{Path, PathBuf};

use super::*;

fn configs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs")
}

fn quick_table() -> toml::Table {
    let text = std::fs::read_to_string(configs_dir().join("quick-cnn.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// The quick config with one `--set`-style change applied.
fn table_with(change: &str) -> toml::Table {
    let mut table = quick_table();
    overrides::Override::parse(change)
        .unwrap()
        .apply(&mut table)
        .unwrap();
    table
}

/// The quick config with `optimizer.beta = "refresh"`, and its balanced-Adam spec.
fn refresh_config() -> (ExperimentConfig, BalancedSpec) {
    let table = table_with("optimizer.beta=\"refresh\"");
    let config = ExperimentConfig::from_table(table, Path::new("t")).unwrap();
    let OptimizerSpec::BalancedAdam(spec) = &config.optimizer.spec else {
        panic!("balanced_adam expected");
    };
    let spec = spec.clone();
    (config, spec)
}

fn error_for(change: &str) -> String {
    let table = table_with(change);
    ExperimentConfig::from_table(table, Path::new("test.toml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn every_shipped_config_loads() {
    let mut seen = 0;
    // Experiment configs at the top, the study's bases in `study/` and the surge sweep's bases
    // in `surge-v2/`; the study definitions (`study-*.toml`) are another format, loaded by the
    // study's own tests.
    let top = std::fs::read_dir(configs_dir()).unwrap();
    let bases = std::fs::read_dir(configs_dir().join("study")).unwrap();
    let surge = std::fs::read_dir(configs_dir().join("surge-v2")).unwrap();
    for entry in top.chain(bases).chain(surge) {
        let path = entry.unwrap().path();
        let study = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("study-"));
        if path.extension().is_some_and(|e| e == "toml") && !study {
            ExperimentConfig::read_table(&path)
                .and_then(|t| ExperimentConfig::from_table(t, &path))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(seen >= 16, "only {seen} configs");
}

#[test]
fn unknown_keys_are_rejected_by_name() {
    assert!(error_for("training.bach_size=3").contains("bach_size"));
    assert!(error_for("optimizer.betta=0.9").contains("betta"));
    assert!(error_for("model.widht=3").contains("widht"));
    assert!(error_for("colour=1").contains("colour"));
}

#[test]
fn out_of_range_values_name_their_key() {
    for (change, key) in [
        ("training.train_loss_every=0", "training.train_loss_every"),
        ("training.train_loss_every=6", "training.train_loss_every"),
        ("optimizer.beta=1.0", "optimizer.beta"),
        ("optimizer.beta=\"sometimes\"", "refresh"),
        ("training.batch_size=0", "training.batch_size"),
        ("training.eval_every=0", "training.eval_every"),
        ("schedule.lr=-1.0", "schedule.lr"),
        ("schedule.warmup=100000", "schedule.warmup"),
        ("model.dropout=1.5", "model.dropout"),
        ("data.dataset=\"cifar-100\"", "data.dataset"),
        ("device=\"tpu\"", "device"),
        ("model={ kind = \"gpt\" }", "model.kind"),
        ("training.epochs=3", "training.updates/epochs"),
    ] {
        let message = error_for(change);
        assert!(message.contains(key), "{change}: {message}");
    }
}

#[test]
fn refresh_and_baselines_parse_with_their_defaults() {
    let (_, spec) = refresh_config();
    assert_eq!(spec.beta, BetaSetting::Refresh);
    assert_eq!(spec.r0, 1000.0);
    assert_eq!(spec.pilot_beta, 0.94377);

    let mut table = quick_table();
    table.insert(
        "optimizer".into(),
        toml::from_str::<toml::Table>("kind = \"adam\"")
            .unwrap()
            .into(),
    );
    let config = ExperimentConfig::from_table(table, Path::new("t")).unwrap();
    let OptimizerSpec::Adam(spec) = &config.optimizer.spec else {
        panic!("adam expected");
    };
    assert_eq!(
        spec.epsilon, 1e-8,
        "the baseline's ε is the papers' 1e-8, not Burn's 1e-5"
    );
}

#[test]
fn resolved_config_round_trips_through_toml() {
    let config = ExperimentConfig::from_table(quick_table(), Path::new("t")).unwrap();
    let again: toml::Table = toml::from_str(&config.to_toml()).unwrap();
    let reparsed = ExperimentConfig::from_table(again, Path::new("t")).unwrap();
    assert_eq!(reparsed.to_toml(), config.to_toml());
}

#[test]
fn balanced_adam_takes_the_step_implementation_and_records_it_only_when_set() {
    let default = ExperimentConfig::from_table(quick_table(), Path::new("t")).unwrap();
    // Run directories written before the field existed must still match on resume.
    assert!(!default.to_toml().contains("implementation"));
    let table = table_with("optimizer.implementation=reference");
    let config = ExperimentConfig::from_table(table, Path::new("t")).unwrap();
    let OptimizerSpec::BalancedAdam(spec) = &config.optimizer.spec else {
        panic!("quick-cnn uses balanced_adam");
    };
    assert_eq!(
        spec.with_beta(0.9).implementation,
        burn_balanced_adam::StepImplementation::Reference
    );
    assert!(config.to_toml().contains("implementation = \"reference\""));
    let err = error_for("optimizer.implementation=fast");
    assert!(err.contains("`auto`, `reference`, `fused`"), "{err}");
}

#[test]
fn every_committed_run_config_reads_back_to_the_same_text() {
    // A run resumes only if its config.toml is what the config serializes to: the typed config
    // must read every recorded config and write it back byte for byte.
    fn visit(dir: &Path, seen: &mut usize) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, seen);
            } else if path.file_name().is_some_and(|n| n == "config.toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let config = ExperimentConfig::read_table(&path)
                    .and_then(|t| ExperimentConfig::from_table(t, &path))
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(config.to_toml(), text, "{}", path.display());
                *seen += 1;
            }
        }
    }
    let mut seen = 0;
    visit(&configs_dir().join("../results"), &mut seen);
    assert!(seen >= 400, "only {seen} run configs");
}

#[test]
fn every_optimizer_kind_takes_gradient_clipping() {
    for kind in burn_balanced_adam::record::OptimizerKind::ALL.map(|k| k.name()) {
        let mut table = quick_table();
        let optimizer =
            format!("optimizer={{ kind = \"{kind}\", grad_clipping = {{ Norm = 1.0 }} }}");
        overrides::Override::parse(&optimizer)
            .unwrap()
            .apply(&mut table)
            .unwrap();
        let config = ExperimentConfig::from_table(table.clone(), Path::new("t"))
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(config.to_toml().contains("Norm = 1.0"), "{kind}: recorded");
        config
            .optimizer
            .build()
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let bad = optimizer.replace("Norm = 1.0", "Norm = -1.0");
        overrides::Override::parse(&bad)
            .unwrap()
            .apply(&mut table)
            .unwrap();
        let err = ExperimentConfig::from_table(table, Path::new("t"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("grad_clipping"), "{kind}: {err}");
    }
}

#[test]
fn the_refresh_rule_resolves_before_any_optimizer_is_built() {
    let (config, spec) = refresh_config();
    let rule = spec.refresh_rule().expect("beta = \"refresh\" is a rule");
    assert_eq!((rule.r0, rule.pilot_beta), (spec.r0, spec.pilot_beta));
    // No β yet: building is an error that says why, not a panic.
    let err = config.optimizer.build().err().expect("no β to build with");
    assert!(err.contains("pilot"), "{err}");
    assert!(
        error_for("optimizer={ kind = \"balanced_adam\", beta = \"refresh\", r0 = -1.0 }")
            .contains("optimizer.r0")
    );
}

#[test]
fn no_decay_spares_biases_for_every_optimizer_kind() {
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::GradientsParams;
    use burn::tensor::{Device, Tensor};

    let device = Device::flex().autodiff();
    let layer: Linear = LinearConfig::new(3, 2).init(&device);
    let values = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().unwrap();
    let bias = |l: &Linear| values(l.bias.as_ref().unwrap().val().unsqueeze::<2>());
    let kinds = [
        "{ kind = \"adam\", weight_decay = 0.5 }",
        "{ kind = \"adamw\", weight_decay = 0.5 }",
        "{ kind = \"balanced_adam\", beta = 0.9, weight_decay = 0.5 }",
        "{ kind = \"inv_adam\", weight_decay = 0.5 }",
        "{ kind = \"dual_adam\", weight_decay = 0.5 }",
        "{ kind = \"fadam\", weight_decay = 0.5 }",
    ];
    for kind in kinds {
        for no_decay in [true, false] {
            let mut table = quick_table();
            let set = format!(
                "optimizer={}",
                kind.replace(" }", &format!(", no_decay = {no_decay} }}"))
            );
            overrides::Override::parse(&set)
                .unwrap()
                .apply(&mut table)
                .unwrap();
            let config = ExperimentConfig::from_table(table, Path::new("t"))
                .unwrap_or_else(|e| panic!("{set}: {e}"));
            assert_eq!(config.optimizer.no_decay, no_decay);
            assert_eq!(
                config.to_toml().contains("no_decay = true"),
                no_decay,
                "{set}"
            );
            let mut optim = config.optimizer.build_for(&layer).unwrap();
            // A zero gradient: whatever moves, weight decay moved it.
            let x = Tensor::<2>::from_floats([[1.0, -2.0, 0.5]], &device);
            let loss = layer.forward(x).sum().mul_scalar(0.0);
            let grads = GradientsParams::from_grads(loss.backward(), &layer);
            let stepped = optim.step(1e-2, layer.clone(), grads);
            let weights_moved = values(stepped.weight.val()) != values(layer.weight.val());
            let bias_moved = bias(&stepped) != bias(&layer);
            assert!(weights_moved, "{set}: weights decay");
            assert_eq!(
                bias_moved, !no_decay,
                "{set}: bias decays only without no_decay"
            );
        }
    }
    let err = error_for("optimizer.no_decay=\"yes\"");
    assert!(err.contains("optimizer.no_decay"), "{err}");
}

#[derive(burn::module::Module, Debug)]
struct Layer {
    linear: burn::nn::Linear,
}

/// Trains `layer` for 5 steps of fixed gradients with `spec`'s optimizer.
fn adam_trajectory(spec: &OptimizerSpec, mut layer: Layer) -> Vec<f32> {
    use burn::optim::GradientsParams;
    use burn::tensor::{Device, Tensor};

    let device = Device::flex();
    let mut optim = spec.build().unwrap();
    for t in 0..5 {
        let weight: Vec<f32> = (0..1200)
            .map(|i| ((i * 7 + t * 13) % 17) as f32 - 8.0)
            .collect();
        let bias: Vec<f32> = (0..30).map(|i| ((i + t) % 5) as f32 * 0.1).collect();
        let mut grads = GradientsParams::new();
        let weight = Tensor::<1>::from_floats(weight.as_slice(), &device).reshape([40, 30]);
        grads.register(layer.linear.weight.id, weight);
        let bias_id = layer.linear.bias.as_ref().unwrap().id;
        grads.register(bias_id, Tensor::<1>::from_floats(bias.as_slice(), &device));
        layer = optim.step(1e-2, layer, grads);
    }
    let mut all: Vec<f32> = layer.linear.weight.val().into_data().try_to_vec().unwrap();
    let bias = layer
        .linear
        .bias
        .unwrap()
        .val()
        .into_data()
        .try_to_vec::<f32>();
    all.extend(bias.unwrap());
    all
}

#[test]
fn adam_baselines_run_the_fused_drop_in_and_switch_back_to_burns_own() {
    let device = burn::tensor::Device::flex().autodiff();
    // One initial layer for every optimizer compared.
    let layer = Layer {
        linear: burn::nn::LinearConfig::new(40, 30).init(&device),
    };
    for (kind, decay) in [("adam", "0.05"), ("adamw", "0.1")] {
        let spec = |implementation: Option<&str>| {
            let mut text = format!("kind = \"{kind}\"\nweight_decay = {decay}\n");
            if let Some(name) = implementation {
                text.push_str(&format!("implementation = \"{name}\"\n"));
            }
            toml::from_str::<OptimizerSpec>(&text).unwrap()
        };
        // The default is written nowhere (old run directories resume); a switch is recorded.
        let fused = spec(None);
        assert!(!toml::to_string(&fused).unwrap().contains("implementation"));
        let burn = spec(Some("burn"));
        assert!(
            toml::to_string(&burn)
                .unwrap()
                .contains("implementation = \"burn\"")
        );
        let (fused, burn, reference) = (
            adam_trajectory(&fused, layer.clone()),
            adam_trajectory(&burn, layer.clone()),
            adam_trajectory(&spec(Some("reference")), layer.clone()),
        );
        // Same steps to rounding, by different code: Burn folds the bias corrections
        // differently, so a bit-identical result would mean the switch did nothing.
        let worst = fused
            .iter()
            .zip(&burn)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .fold(
                0.0f32,
                |w, e| if e.is_nan() { f32::INFINITY } else { w.max(e) },
            );
        assert!(worst <= 1e-5, "{kind}: fused vs Burn's differ by {worst:e}");
        assert_ne!(
            fused, burn,
            "{kind}: `implementation = \"burn\"` ran the fused step"
        );
        // The library's fused Adam family is bit-identical to its reference on Flex.
        assert_eq!(fused, reference, "{kind}: fused vs reference");
    }
    let err = toml::from_str::<OptimizerSpec>("kind = \"adam\"\nimplementation = \"torch\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("fused") && err.contains("burn"), "{err}");
}

#[test]
fn grad_clipping_of_the_wrong_shape_names_the_key_and_the_two_forms() {
    for bad in [
        "{}",
        "1.0",
        "\"Norm\"",
        "{ Norm = 1.0, Value = 2.0 }",
        "{ Max = 1.0 }",
    ] {
        let err = error_for(&format!("optimizer.grad_clipping={bad}"));
        assert!(
            err.contains("`optimizer.grad_clipping`")
                && err.contains("{ Norm = ")
                && err.contains("{ Value = "),
            "{bad}: {err}"
        );
    }
    let table = table_with("optimizer.grad_clipping={ Norm = 1.0 }");
    assert!(ExperimentConfig::from_table(table, Path::new("t")).is_ok());
}

#[test]
fn an_unknown_optimizer_key_lists_no_decay_among_the_accepted() {
    let mut table = quick_table();
    for change in ["optimizer.kind=\"adamw\"", "optimizer.lr_decay=1"] {
        overrides::Override::parse(change)
            .unwrap()
            .apply(&mut table)
            .unwrap();
    }
    if let Some(toml::Value::Table(optimizer)) = table.get_mut("optimizer") {
        optimizer.remove("beta");
    }
    let err = ExperimentConfig::from_table(table, Path::new("t"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown field `lr_decay`") && err.contains("`no_decay`"),
        "{err}"
    );
}

/// The Adam/AdamW baselines are checked by the library's own `validate` (one rule, PyTorch's:
/// ε ≥ 0), for every implementation, and the message still names the config key.
#[test]
fn adam_baselines_are_validated_by_the_library_for_every_implementation() {
    for kind in ["adam", "adamw"] {
        for implementation in ["fused", "reference", "burn"] {
            let with = |extra: &str| {
                format!(
                    "optimizer={{ kind = \"{kind}\", implementation = \"{implementation}\"{extra} }}"
                )
            };
            for (extra, key) in [
                (", beta_1 = 1.0", "`optimizer.beta_1`"),
                (", beta_2 = nan", "`optimizer.beta_2`"),
                (", epsilon = -1e-8", "`optimizer.epsilon`"),
                (", weight_decay = -0.1", "`optimizer.weight_decay`"),
                (
                    ", grad_clipping = { Norm = 0.0 }",
                    "`optimizer.grad_clipping.Norm`",
                ),
            ] {
                let message = error_for(&with(extra));
                assert!(
                    message.contains(key),
                    "{kind}/{implementation}{extra}: {message}"
                );
            }
            let table = table_with(&with(", epsilon = 0.0"));
            let config = ExperimentConfig::from_table(table, Path::new("t"))
                .unwrap_or_else(|e| panic!("{kind}/{implementation} ε = 0 is valid: {e}"));
            assert_eq!(config.optimizer.kind(), kind);
        }
    }
}
