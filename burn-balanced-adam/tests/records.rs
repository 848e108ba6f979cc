//! Saved optimizer state knows its optimizer: a record of one kind is refused by another (as an
//! error from the checked load, as a panic from a bare step), a record of another model or
//! shape is refused by name, Burn's own Adam record is recognized as foreign, and records
//! written before kinds were recorded (committed fixtures, written by the code of 5e5aac6) still
//! load and continue their trajectories.

use std::path::PathBuf;

use burn::module::{Module, Param, ParamId};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, Optimizer};
use burn::tensor::{Device, Tensor, TensorData};
use burn_balanced_adam::record::{OptimizerKind, StateError, check_record, from_bytes_checked};
use burn_balanced_adam::{
    BalancedAdamConfig, DualAdamConfig, FAdamConfig, FusedAdamConfig, MomentState,
};

#[derive(Module, Debug)]
struct Net {
    w: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
}

/// The fixtures' model: parameter ids 11 and 12, a 2 × 3 weight and a bias of 3.
fn net(w: &[f32], b: &[f32], device: &Device) -> Net {
    let w = Tensor::<2>::from_data(TensorData::new(w.to_vec(), vec![2, 3]), device);
    let b = Tensor::<1>::from_data(TensorData::new(b.to_vec(), vec![3]), device);
    Net {
        w: Param::initialized(ParamId::from(11), w.require_grad()),
        b: Param::initialized(ParamId::from(12), b.require_grad()),
    }
}

/// The fixtures' gradients at step `t` (as the fixture generator computed them), on the plain
/// device as `GradientsParams::from_grads` gives them.
fn grads(net: &Net, t: usize, device: &Device) -> GradientsParams {
    let gw: Vec<f32> = (0..6).map(|i| ((1 + i + 7 * t) as f32).sin()).collect();
    let gb: Vec<f32> = (0..3).map(|i| ((2 + i + 5 * t) as f32).cos()).collect();
    let mut g = GradientsParams::new();
    g.register(
        net.w.id,
        Tensor::<2>::from_data(TensorData::new(gw, vec![2, 3]), device),
    );
    g.register(
        net.b.id,
        Tensor::<1>::from_data(TensorData::new(gb, vec![3]), device),
    );
    g
}

const W0: [f32; 6] = [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2];
const B0: [f32; 3] = [0.05, -0.02, 0.03];

fn trained(mut optim: ModuleOptimizer, steps: usize) -> (ModuleOptimizer, Net) {
    let device = Device::flex().autodiff();
    let mut model = net(&W0, &B0, &device);
    for t in 0..steps {
        let g = grads(&model, t, &Device::flex());
        model = optim.step(0.01, model, g);
    }
    (optim, model)
}

fn refused(optim: ModuleOptimizer, model: &Net, expected: OptimizerKind) -> StateError {
    let bytes = optim.into_bytes().expect("serializable");
    from_bytes_checked(BalancedAdamConfig::new().init(), bytes, model, expected)
        .err()
        .expect("the record is refused")
}

#[test]
fn a_record_of_another_optimizer_is_refused_naming_both() {
    let (optim, model) = trained(BalancedAdamConfig::new().init(), 2);
    match refused(optim, &model, OptimizerKind::Fadam) {
        StateError::KindMismatch {
            param,
            recorded,
            expected,
        } => {
            assert_eq!(
                (recorded, expected),
                (OptimizerKind::BalancedAdam, OptimizerKind::Fadam)
            );
            assert!(param == "w" || param == "b", "{param}");
        }
        other => panic!("expected a kind mismatch, got {other}"),
    }
    let (optim, model) = trained(FusedAdamConfig::new().init(), 2);
    let err = refused(optim, &model, OptimizerKind::DualAdam);
    let text = err.to_string();
    assert!(
        text.contains("adam") && text.contains("dual_adam"),
        "{text}"
    );
    // And its own kind loads.
    let (optim, model) = trained(DualAdamConfig::new().init(), 2);
    let bytes = optim.into_bytes().unwrap();
    assert!(
        from_bytes_checked(
            DualAdamConfig::new().init(),
            bytes,
            &model,
            OptimizerKind::DualAdam
        )
        .is_ok()
    );
}

#[test]
fn a_config_checks_a_saved_file_for_its_own_kind() {
    let (optim, model) = trained(FAdamConfig::new().init(), 2);
    let path = temp_file("fadam-state");
    optim.save(&path).unwrap();
    let fadam = FAdamConfig::new();
    assert!(fadam.try_load_state(fadam.init(), &path, &model).is_ok());
    let balanced = BalancedAdamConfig::new();
    let err = balanced
        .try_load_state(balanced.init(), &path, &model)
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            StateError::KindMismatch {
                recorded: OptimizerKind::Fadam,
                ..
            }
        ),
        "{err}"
    );
    let err =
        check_record(path.with_extension("missing"), &model, OptimizerKind::Fadam).unwrap_err();
    assert!(matches!(err, StateError::Unreadable { .. }), "{err}");
    std::fs::remove_file(&path).ok();
}

#[test]
fn a_record_of_another_shape_or_model_is_refused() {
    let (optim, _) = trained(BalancedAdamConfig::new().init(), 1);
    let bytes = optim.into_bytes().unwrap();
    let device = Device::flex().autodiff();
    // Same parameter ids, other shapes: the moments cannot be this model's.
    let other_shape = Net {
        w: Param::initialized(ParamId::from(11), Tensor::zeros([3, 2], &device)),
        b: Param::initialized(ParamId::from(12), Tensor::zeros([3], &device)),
    };
    let err = from_bytes_checked(
        BalancedAdamConfig::new().init(),
        bytes.clone(),
        &other_shape,
        OptimizerKind::BalancedAdam,
    )
    .err()
    .expect("refused");
    match &err {
        StateError::ShapeMismatch {
            param,
            recorded,
            expected,
            ..
        } => {
            assert_eq!(
                (param.as_str(), recorded.as_slice(), expected.as_slice()),
                ("w", &[2, 3][..], &[3, 2][..])
            );
        }
        other => panic!("expected a shape mismatch, got {other}"),
    }
    // Another model altogether: fresh parameter ids.
    let fresh = Net {
        w: Param::from_tensor(Tensor::zeros([2, 3], &device)),
        b: Param::from_tensor(Tensor::zeros([3], &device)),
    };
    let err = from_bytes_checked(
        BalancedAdamConfig::new().init(),
        bytes,
        &fresh,
        OptimizerKind::BalancedAdam,
    )
    .err()
    .expect("refused");
    assert!(
        matches!(err, StateError::UnknownParameter { id: 11 | 12, .. }),
        "{err}"
    );
}

#[test]
fn burns_own_adam_record_is_foreign() {
    let (optim, model) = trained(AdamConfig::new().init(), 2);
    let err = refused(optim, &model, OptimizerKind::Adam);
    match err {
        StateError::Foreign { leaves, .. } => {
            assert!(
                leaves.iter().any(|l| l.starts_with("momentum.")),
                "{leaves:?}"
            );
        }
        other => panic!("expected a foreign record, got {other}"),
    }
}

#[test]
fn a_bare_step_on_another_kinds_state_panics_instead_of_stepping() {
    let device = Device::flex();
    let theta = Tensor::<1>::from_floats([1.0, 2.0], &device);
    let grad = Tensor::<1>::from_floats([0.5, -0.5], &device);
    let (_, state) = FAdamConfig::new()
        .build()
        .step(0.1, theta.clone(), grad.clone(), None);
    let state = state.expect("a state");
    assert_eq!(state.kind, Some(OptimizerKind::Fadam));
    let result = std::panic::catch_unwind(|| {
        BalancedAdamConfig::new().build().step(
            0.1,
            theta.clone(),
            grad.clone(),
            Some(state.clone()),
        )
    });
    let message = *result
        .expect_err("a panic")
        .downcast::<String>()
        .expect("a message");
    assert!(
        message.contains("fadam") && message.contains("balanced_adam"),
        "{message}"
    );
    // A state without a kind (new, or from an old record) steps as before.
    let unkinded = MomentState {
        kind: None,
        ..state
    };
    let (_, next) = FAdamConfig::new()
        .build()
        .step(0.1, theta, grad, Some(unkinded));
    assert_eq!(next.expect("a state").time, 2);
}

/// The fixture written by the code before kinds were recorded.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/state-v0")
        .join(name)
}

#[derive(serde::Deserialize)]
struct Continuation {
    w3: Vec<f32>,
    b3: Vec<f32>,
    w4: Vec<f32>,
    b4: Vec<f32>,
}

#[test]
fn records_written_before_kinds_still_load_and_continue() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap();
    type MakeOptim = Box<dyn Fn() -> ModuleOptimizer>;
    let cases: [(&str, OptimizerKind, MakeOptim); 2] = [
        (
            "balanced_adam",
            OptimizerKind::BalancedAdam,
            Box::new(|| BalancedAdamConfig::new().with_beta(0.9).init()),
        ),
        (
            "fadam",
            OptimizerKind::Fadam,
            Box::new(|| FAdamConfig::new().init()),
        ),
    ];
    for (name, kind, make) in cases {
        let c: Continuation = serde_json::from_value(expected[name].clone()).unwrap();
        let device = Device::flex().autodiff();
        let model = net(&c.w3, &c.b3, &device);
        let optim = burn_balanced_adam::record::load_checked(
            make(),
            fixture(&format!("{name}.bpk")),
            &model,
            kind,
        )
        .unwrap_or_else(|err| panic!("{name}: the old record is refused: {err}"));
        let g = grads(&model, 3, &Device::flex());
        let mut optim = optim;
        let model = optim.step(0.01, model, g);
        let w4: Vec<f32> = model.w.val().into_data().try_to_vec().unwrap();
        let b4: Vec<f32> = model.b.val().into_data().try_to_vec().unwrap();
        // The 4th step continues the old run exactly (a fresh state would take another step).
        assert_eq!((w4, b4), (c.w4, c.b4), "{name}: the resumed step");
        // The same record is refused by another optimizer only by its layout: it has no kind.
        let other = BalancedAdamConfig::new();
        if kind != OptimizerKind::BalancedAdam {
            assert!(
                other
                    .try_load_state(other.init(), &fixture(&format!("{name}.bpk")), &model)
                    .is_ok()
            );
        }
    }
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("bba-{name}-{}.bpk", std::process::id()))
}
