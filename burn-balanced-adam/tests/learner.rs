//! T_ES from Burn's own `Learner`: the recorder's update count against the optimizer steps Burn
//! actually took (with and without gradient accumulation), the reader of Burn's log files
//! against the recorder, and the reader's refusals of broken log files (file and line named).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::LearningRate;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::logger::FileMetricLogger;
use burn::train::metric::LossMetric;
use burn::train::{
    InferenceStep, Learner, RegressionOutput, SupervisedTraining, TrainOutput, TrainStep,
};
use burn_balanced_adam::BalancedAdamConfig;
use burn_balanced_adam::learner::{
    LOSS_METRIC, TrajectoryError, ValidationRecorder, read_validation_log,
};

#[derive(Module, Debug)]
struct Line {
    linear: Linear,
}

#[derive(Debug, Clone)]
struct Batch {
    x: Tensor<2>,
    y: Tensor<2>,
}

#[derive(Clone)]
struct PointBatcher;

impl Batcher<[f32; 2], Batch> for PointBatcher {
    fn batch(&self, items: Vec<[f32; 2]>, device: &Device) -> Batch {
        let n = items.len();
        let x: Vec<f32> = items.iter().map(|p| p[0]).collect();
        let y: Vec<f32> = items.iter().map(|p| p[1]).collect();
        Batch {
            x: Tensor::from_data(TensorData::new(x, [n, 1]), device),
            y: Tensor::from_data(TensorData::new(y, [n, 1]), device),
        }
    }
}

impl Line {
    fn regress(&self, batch: Batch) -> RegressionOutput {
        let output = self.linear.forward(batch.x);
        let loss = output.clone().sub(batch.y.clone()).square().mean();
        RegressionOutput::new(loss.reshape([1]), output, batch.y)
    }
}

impl TrainStep for Line {
    type Input = Batch;
    type Output = RegressionOutput;
    fn step(&self, batch: Batch) -> TrainOutput<RegressionOutput> {
        let output = self.regress(batch);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Line {
    type Input = Batch;
    type Output = RegressionOutput;
    fn step(&self, batch: Batch) -> RegressionOutput {
        self.regress(batch)
    }
}

/// A constant learning rate that counts its steps: Burn steps the schedule once per optimizer
/// update, so this is the number of updates Burn took.
#[derive(Clone)]
struct CountingLr(Arc<AtomicUsize>);

impl LrScheduler for CountingLr {
    fn step(&mut self) -> LearningRate {
        self.0.fetch_add(1, Ordering::SeqCst);
        1e-2
    }
    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::default()
    }
    fn load_record(&mut self, _record: LrSchedulerRecord) {}
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bba-learner-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Trains a line on 10 batches per epoch for 3 epochs with `accumulation` batches per update;
/// returns (recorded trajectory, updates Burn took, artifact dir).
fn run(
    accumulation: usize,
) -> (
    Vec<burn_balanced_adam::t_es::ValidationPoint>,
    usize,
    PathBuf,
) {
    let dir = temp_dir(&format!("acc{accumulation}"));
    let device = Device::flex().autodiff();
    let points: Vec<[f32; 2]> = (0..40)
        .map(|i| [i as f32 / 40.0, 2.0 * i as f32 / 40.0])
        .collect();
    let (recorder, log) = ValidationRecorder::with_options(LOSS_METRIC, accumulation).unwrap();
    let steps = Arc::new(AtomicUsize::new(0));
    let mut training = SupervisedTraining::new(
        &dir,
        DataLoaderBuilder::new(PointBatcher)
            .batch_size(4)
            .build(InMemDataset::new(points.clone())),
        DataLoaderBuilder::new(PointBatcher)
            .batch_size(16)
            .build(InMemDataset::new(points)),
    )
    .metrics((LossMetric::new(),))
    .with_metric_logger(FileMetricLogger::new(&dir))
    .with_metric_logger(recorder)
    .num_epochs(3);
    if accumulation > 1 {
        training = training.grads_accumulation(accumulation);
    }
    let model = Line {
        linear: LinearConfig::new(1, 1).init(&device),
    };
    let optim = BalancedAdamConfig::new().try_init().unwrap();
    let result = training.launch(Learner::new(model, optim, CountingLr(steps.clone())));
    assert!(
        result.error.is_none(),
        "training failed: {:?}",
        result.error
    );
    (
        log.trajectory().expect("a trajectory"),
        steps.load(Ordering::SeqCst),
        dir,
    )
}

#[test]
fn updates_are_the_optimizer_steps_burn_took() {
    for (accumulation, per_epoch) in [(1, 10), (3, 4), (10, 1)] {
        let (trajectory, steps, dir) = run(accumulation);
        let updates: Vec<u64> = trajectory.iter().map(|p| p.update).collect();
        let expected: Vec<u64> = (1..=3).map(|e| e * per_epoch).collect();
        assert_eq!(updates, expected, "accumulation {accumulation}");
        assert_eq!(
            steps as u64,
            3 * per_epoch,
            "Burn's updates, accumulation {accumulation}"
        );
        assert!(
            trajectory
                .iter()
                .all(|p| p.loss.is_finite() && p.loss >= 0.0)
        );
        // Burn's files give the same trajectory, losses included.
        let read = read_validation_log(&dir, LOSS_METRIC, accumulation).unwrap();
        assert_eq!(read, trajectory, "accumulation {accumulation}");
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn a_recorder_that_saw_nothing_says_why() {
    let (_recorder, log) = ValidationRecorder::new();
    let err = log.trajectory().unwrap_err();
    assert!(err.to_string().contains("LossMetric"), "{err}");
    assert!(matches!(
        ValidationRecorder::with_options(LOSS_METRIC, 0),
        Err(TrajectoryError::ZeroAccumulation)
    ));
}

/// A Burn artifact directory of `epochs` epochs, each `train` and `valid` log given as text.
fn write_run(dir: &Path, epochs: &[(&str, &str)]) {
    for (i, (train, valid)) in epochs.iter().enumerate() {
        for (split, text) in [("train", train), ("valid", valid)] {
            let epoch = dir.join(split).join(format!("epoch-{}", i + 1));
            std::fs::create_dir_all(&epoch).unwrap();
            std::fs::write(epoch.join("Loss.log"), text).unwrap();
        }
    }
}

#[test]
fn the_reader_counts_updates_over_epochs() {
    let dir = temp_dir("read-ok");
    write_run(
        &dir,
        &[
            ("1.0,4\n0.9,4\n0.8,4\n0.9,final\n", "0.85,16\n0.85,final\n"),
            ("0.7,4\n0.6,4\n0.5,4\n0.6,final\n", "NaN,16\nNaN,final\n"),
        ],
    );
    let points = read_validation_log(&dir, LOSS_METRIC, 2).unwrap();
    // 3 iterations per epoch at 2 per update: ⌈3/2⌉ = 2 updates per epoch.
    assert_eq!(points.iter().map(|p| p.update).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(points[0].loss, 0.85);
    assert!(
        points[1].loss.is_nan(),
        "a diverged validation is a value, ranked last by T_ES"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_reader_names_the_file_and_line_it_refuses() {
    // (case, the epochs' (train, valid) logs, where the error points, what it says)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 5] = [
        (
            "malformed",
            &[("1.0,4\nabc,4\n1.0,final\n", "1,1\n1,final\n")],
            "train/epoch-1/Loss.log:2",
            "abc",
        ),
        (
            "half-written",
            &[("1.0,4\n1.0,final\n", "1,1\n1,fin")],
            "valid/epoch-1/Loss.log:2",
            "not terminated",
        ),
        (
            "no final",
            &[("1.0,4\n1.0,final\n", "1,1\n")],
            "valid/epoch-1/Loss.log",
            "no `final` line",
        ),
        (
            "empty",
            &[("", "1,final\n")],
            "train/epoch-1/Loss.log",
            "empty",
        ),
        (
            "three values",
            &[("1.0,4,5\n", "1,final\n")],
            "train/epoch-1/Loss.log:1",
            "1.0,4,5",
        ),
    ];
    for (name, epochs, place, why) in cases {
        let dir = temp_dir(&name.replace(' ', "-"));
        write_run(&dir, epochs);
        let err = read_validation_log(&dir, LOSS_METRIC, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains(place) && err.contains(why), "{name}: {err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn the_reader_refuses_missing_epochs_and_directories() {
    let dir = temp_dir("gaps");
    write_run(
        &dir,
        &[
            ("1,1\n1,final\n", "1,1\n1,final\n"),
            ("1,1\n1,final\n", "1,1\n1,final\n"),
        ],
    );
    std::fs::remove_dir_all(dir.join("train/epoch-1")).unwrap();
    let err = read_validation_log(&dir, LOSS_METRIC, 1)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("train/epoch-1/Loss.log") && err.contains("missing"),
        "{err}"
    );
    let err = read_validation_log(dir.join("nowhere"), LOSS_METRIC, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nowhere/train"), "{err}");
    let err = read_validation_log(&dir, LOSS_METRIC, 0).unwrap_err();
    assert!(matches!(err, TrajectoryError::ZeroAccumulation));
    std::fs::remove_dir_all(&dir).ok();
}
