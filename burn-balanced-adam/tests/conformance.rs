//! Conformance against the reference trajectories: every `*.json` case in the vectors
//! directory (`tests/vectors/`, or `$BBA_VECTORS_DIR`), on every device, with
//! |a − b| ≤ 1e-4·|b| + 1e-6 after every step.

mod common;

use std::path::{Path, PathBuf};

use burn::optim::Optimizer;
use burn::tensor::Device;
use burn_balanced_adam::{AnyOptimizerConfig, DualAdamConfig, InvAdamConfig};
use common::{TestDevice, tensor, values};
use rstest::rstest;
use serde::Deserialize;

const RELATIVE_TOLERANCE: f64 = 1e-4;
const ABSOLUTE_TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
struct Case {
    name: String,
    optimizer: String,
    config: serde_json::Value,
    steps: usize,
    lr: Vec<f64>,
    params: Vec<ParamCase>,
}

#[derive(Clone, Deserialize)]
struct ParamCase {
    shape: Vec<usize>,
    init: Vec<f32>,
    grads: Vec<Vec<f32>>,
    expected: Vec<Vec<f32>>,
}

fn vectors_dir() -> PathBuf {
    match std::env::var_os("BBA_VECTORS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
    }
}

fn load_cases(dir: &Path) -> Vec<(PathBuf, Case)> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read vectors directory {}: {err}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no *.json case in {}: nothing to check",
        dir.display()
    );
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
            let case: Case = serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("{} is not a valid case: {err}", path.display()));
            (path, case)
        })
        .collect()
}

/// Runs one parameter tensor of rank `D` through every step; returns the first mismatches.
fn run_param<O: Optimizer, const D: usize>(
    optim: &O,
    lr: &[f64],
    param: &ParamCase,
    device: &Device,
) -> Vec<String> {
    let mut theta = tensor::<D>(&param.init, &param.shape, device);
    let mut state = None;
    let mut failures = Vec::new();
    for (step, (grad, expected)) in param.grads.iter().zip(&param.expected).enumerate() {
        let grad = tensor::<D>(grad, &param.shape, device);
        let (next, next_state) = optim.step(lr[step], theta, grad, state);
        let got = values(next.clone());
        for (i, (&a, &b)) in got.iter().zip(expected).enumerate() {
            let (a, b) = (f64::from(a), f64::from(b));
            let bound = RELATIVE_TOLERANCE * b.abs() + ABSOLUTE_TOLERANCE;
            let within = (a - b).abs() <= bound; // false for NaN, so NaN fails
            if !within && failures.len() < 5 {
                failures.push(format!(
                    "step {} element {i}: got {a}, expected {b}",
                    step + 1
                ));
            }
        }
        (theta, state) = (next, next_state);
    }
    failures
}

/// Runs every parameter of a case; returns the mismatches.
fn run_case<O: Optimizer>(optim: &O, case: &Case, device: &Device) -> Vec<String> {
    let mut failures = Vec::new();
    for (index, param) in case.params.iter().enumerate() {
        assert_eq!(
            param.grads.len(),
            case.steps,
            "{}: param {index} grads per step",
            case.name
        );
        assert_eq!(
            param.expected.len(),
            case.steps,
            "{}: param {index} expected",
            case.name
        );
        let found = match param.shape.len() {
            // Burn has no rank-0 tensors; a scalar parameter lives in a 1-element tensor.
            0 => {
                let scalar = ParamCase {
                    shape: vec![1],
                    ..param.clone()
                };
                run_param::<O, 1>(optim, &case.lr, &scalar, device)
            }
            1 => run_param::<O, 1>(optim, &case.lr, param, device),
            2 => run_param::<O, 2>(optim, &case.lr, param, device),
            3 => run_param::<O, 3>(optim, &case.lr, param, device),
            4 => run_param::<O, 4>(optim, &case.lr, param, device),
            rank => panic!(
                "{}: param {index} has rank {rank}; cases use ranks 1..=4",
                case.name
            ),
        };
        failures.extend(found.into_iter().map(|f| format!("param {index} {f}")));
    }
    failures
}

/// The case's config for one step implementation (`auto` is the fused kernel where the
/// device has one).
fn with_implementation(config: &serde_json::Value, implementation: &str) -> serde_json::Value {
    let mut fields = config.as_object().cloned().unwrap_or_default();
    fields.insert("implementation".into(), implementation.into());
    fields.into()
}

fn parse<T: serde::de::DeserializeOwned>(config: serde_json::Value, path: &Path, case: &Case) -> T {
    serde_json::from_value(config)
        .unwrap_or_else(|err| panic!("{}: bad {} config: {err}", path.display(), case.optimizer))
}

/// Every implementation that must reproduce a case, by name, with its mismatches. The case's
/// `optimizer` is the `kind` of the crate's [`AnyOptimizerConfig`], which builds it.
fn check_case(path: &Path, case: &Case, device: &Device) -> Vec<(String, Vec<String>)> {
    let mut results = Vec::new();
    for implementation in ["reference", "auto"] {
        let mut fields = with_implementation(&case.config, implementation)
            .as_object()
            .cloned()
            .unwrap_or_default();
        if case.optimizer == "inv_adam" {
            // InvAdam has no switch: a case may omit switch_rate or give 0, nothing else.
            if let Some(rate) = fields.remove("switch_rate") {
                assert_eq!(
                    rate.as_f64(),
                    Some(0.0),
                    "{}: an inv_adam case needs switch_rate 0",
                    path.display()
                );
            }
            // The same case must hold for DualAdam with ξ = 0.
            let inv: InvAdamConfig = parse(fields.clone().into(), path, case);
            let dual = DualAdamConfig::from(inv).try_build().unwrap();
            results.push((
                format!("DualAdam(ξ=0)/{implementation}"),
                run_case(&dual, case, device),
            ));
        }
        fields.insert("kind".into(), case.optimizer.clone().into());
        let config: AnyOptimizerConfig = parse(fields.into(), path, case);
        let optim = config.try_build().unwrap_or_else(|err| {
            panic!(
                "{}: invalid {} config: {err}",
                path.display(),
                case.optimizer
            )
        });
        results.push((
            format!("{}/{implementation}", config.kind()),
            run_case(&optim, case, device),
        ));
    }
    results
}

#[rstest]
#[case::flex(TestDevice::Flex)]
#[case::second_backend(TestDevice::Second)]
fn every_case_matches_the_reference(#[case] test_device: TestDevice) {
    let Some(device) = test_device.device() else {
        return;
    };
    let dir = vectors_dir();
    let cases = load_cases(&dir);
    let (mut runs, mut steps, mut values_checked, mut failed) = (0, 0, 0, Vec::new());
    for (path, case) in &cases {
        assert_eq!(
            case.lr.len(),
            case.steps,
            "{}: one lr per step",
            path.display()
        );
        for (implementation, failures) in check_case(path, case, &device) {
            runs += 1;
            steps += case.steps;
            values_checked += case
                .params
                .iter()
                .map(|p| p.init.len() * case.steps)
                .sum::<usize>();
            if !failures.is_empty() {
                failed.push(format!(
                    "{} [{implementation}]:\n  {}",
                    case.name,
                    failures.join("\n  ")
                ));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} case(s) diverge on {test_device:?}:\n{}",
        failed.len(),
        failed.join("\n")
    );
    println!(
        "conformance on {test_device:?}: {} cases from {} ({runs} optimizer runs), {steps} steps, {values_checked} values passed",
        cases.len(),
        dir.display()
    );
}
