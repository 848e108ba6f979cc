//! The refresh rule in a Burn project of your own: a pilot run of balanced Adam at β = 0.94377
//! with Burn's `Learner`, T_ES read off its validation trajectory, β = 1 − R₀/T_ES snapped to the
//! paper's grid, then the main run at that β.
//!
//! ```text
//! cargo run -p burn-balanced-adam --features train --example refresh_rule -- [UPDATES]
//! ```
//!
//! `UPDATES` is the pilot's budget in optimizer updates (default 20 000, rounded down to whole
//! epochs of 16 updates; the main run gets the same). The model (a small MLP) and the data (points inside or outside a circle, 15% of the
//! training labels flipped, so that the model overfits and its validation loss has a minimum)
//! are made here; nothing is downloaded. Both runs and the decision (`decision.json`) land in
//! `runs/refresh_rule/`.
//!
//! The lines that apply the rule are marked `// ← the rule`.

use std::error::Error;
use std::path::{Path, PathBuf};

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use burn::train::logger::FileMetricLogger;
use burn::train::metric::LossMetric;
use burn::train::{
    ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
};
use burn_balanced_adam::BalancedAdamConfig;
use burn_balanced_adam::learner::ValidationRecorder;
use burn_balanced_adam::refresh::{RefreshDecision, RefreshRule};
use burn_balanced_adam::t_es::ValidationPoint;

const BATCH_SIZE: usize = 32;
const TRAIN_POINTS: usize = 512;
const LEARNING_RATE: f64 = 3e-3;

fn main() {
    let pilot_updates = match std::env::args().nth(1).map(|arg| arg.parse::<usize>()) {
        None => 20_000,
        Some(Ok(updates)) if updates >= updates_per_epoch() => updates,
        Some(_) => {
            eprintln!(
                "usage: refresh_rule [UPDATES]  (the pilot's optimizer updates, a whole number \
                 ≥ {}; default 20000)",
                updates_per_epoch()
            );
            std::process::exit(2);
        }
    };
    match run(Path::new("runs/refresh_rule"), pilot_updates) {
        Ok(outcome) => {
            let d = &outcome.decision;
            println!(
                "pilot (β = 0.94377): validation loss lowest at update {} of {} → T_ES = {}",
                d.t_es,
                outcome.pilot.last().map_or(0, |p| p.update),
                d.t_es
            );
            println!(
                "rule: β = 1 − {}/{} = {:.5} → grid β = {} (memory horizon {:.1} updates, \
                 refresh count {:.0})",
                d.r0, d.t_es, d.beta_target, d.beta, d.memory_horizon, d.refresh_count
            );
            if let Some(warning) = &d.warning {
                println!("warning: {warning}");
            }
            let best = |points: &[ValidationPoint]| {
                points.iter().map(|p| p.loss).fold(f64::INFINITY, f64::min)
            };
            println!(
                "best validation loss: pilot {:.4}, main run at β = {} {:.4}",
                best(&outcome.pilot),
                d.beta,
                best(&outcome.main)
            );
            println!("decision recorded in runs/refresh_rule/decision.json");
        }
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}

/// What a pilot + main run gave.
pub struct Outcome {
    /// The rule's decision.
    pub decision: RefreshDecision,
    /// The pilot's validation trajectory.
    pub pilot: Vec<ValidationPoint>,
    /// The main run's.
    pub main: Vec<ValidationPoint>,
}

fn updates_per_epoch() -> usize {
    TRAIN_POINTS.div_ceil(BATCH_SIZE)
}

/// Pilot, rule, main run: into `dir`/{pilot,main}, with the decision in `dir/decision.json`.
pub fn run(dir: &Path, pilot_updates: usize) -> Result<Outcome, Box<dyn Error>> {
    let device = Device::flex().autodiff();
    device.seed(7);
    let data = Data::new(&device);
    let epochs = pilot_updates / updates_per_epoch();

    let rule = RefreshRule::default(); // R₀ = 1000, pilot β = 0.94377, the paper's grid  ← the rule
    let pilot = train(&data, rule.pilot_beta, epochs, &dir.join("pilot"), &device)?;
    let decision = rule.from_pilot(&pilot)?; // T_ES → β  ← the rule
    std::fs::write(
        dir.join("decision.json"),
        serde_json::to_string_pretty(&decision)?,
    )?;
    let main = train(&data, decision.beta, epochs, &dir.join("main"), &device)?;
    Ok(Outcome {
        decision,
        pilot,
        main,
    })
}

/// One run of Burn's `Learner` with balanced Adam at `beta`; returns its validation trajectory.
fn train(
    data: &Data,
    beta: f64,
    epochs: usize,
    dir: &PathBuf,
    device: &Device,
) -> Result<Vec<ValidationPoint>, Box<dyn Error>> {
    let (recorder, log) = ValidationRecorder::new(); // ← the rule: records (update, valid loss)
    let optim = BalancedAdamConfig::new().with_beta(beta).try_init()?;
    let result = SupervisedTraining::new(
        dir,
        DataLoaderBuilder::new(CircleBatcher)
            .batch_size(BATCH_SIZE)
            .shuffle(11)
            .build(InMemDataset::new(data.train.clone())),
        DataLoaderBuilder::new(CircleBatcher)
            .batch_size(1024)
            .build(InMemDataset::new(data.valid.clone())),
    )
    .metrics((LossMetric::new(),))
    .with_metric_logger(FileMetricLogger::new(dir)) // Burn's log files, kept beside the recorder
    .with_metric_logger(recorder) // ← the rule
    .num_epochs(epochs)
    .label(&format!("balanced Adam β = {beta}"))
    .launch(Learner::new(Mlp::new(device), optim, LEARNING_RATE));
    drop(result.renderer); // close the dashboard before printing
    if let Some(error) = result.error {
        return Err(format!("training at β = {beta} failed: {error}").into());
    }
    Ok(log.trajectory()?) // ← the rule
}

/// An ordinary MLP; nothing in it knows about the optimizer.
#[derive(Module, Debug)]
struct Mlp {
    input: Linear,
    hidden: Linear,
    output: Linear,
    activation: Relu,
}

impl Mlp {
    fn new(device: &Device) -> Self {
        Self {
            input: LinearConfig::new(2, 64).init(device),
            hidden: LinearConfig::new(64, 64).init(device),
            output: LinearConfig::new(64, 2).init(device),
            activation: Relu::new(),
        }
    }

    fn classify(&self, batch: CircleBatch) -> ClassificationOutput {
        let x = self.activation.forward(self.input.forward(batch.points));
        let x = self.activation.forward(self.hidden.forward(x));
        let output = self.output.forward(x);
        let loss = CrossEntropyLossConfig::new()
            .init(&output.device())
            .forward(output.clone(), batch.labels.clone());
        ClassificationOutput {
            loss,
            output,
            targets: batch.labels,
        }
    }
}

impl TrainStep for Mlp {
    type Input = CircleBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: CircleBatch) -> TrainOutput<ClassificationOutput> {
        let output = self.classify(batch);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Mlp {
    type Input = CircleBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: CircleBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}

#[derive(Debug, Clone)]
struct Point {
    xy: [f32; 2],
    label: i64,
}

/// Points uniform in [-1, 1]², labelled by whether they lie inside the circle of radius 0.7;
/// 15% of the training labels are flipped (the validation labels are clean).
struct Data {
    train: Vec<Point>,
    valid: Vec<Point>,
}

impl Data {
    fn new(device: &Device) -> Self {
        let points = |n: usize, flip: f32| {
            let xy = Tensor::<2>::random([n, 2], Distribution::Uniform(-1.0, 1.0), device);
            let coin = Tensor::<1>::random([n], Distribution::Uniform(0.0, 1.0), device);
            let xy: Vec<f32> = xy.into_data().try_to_vec().expect("f32 points");
            let coin: Vec<f32> = coin.into_data().try_to_vec().expect("f32 coins");
            xy.chunks(2)
                .zip(coin)
                .map(|(p, c)| {
                    let inside = p[0] * p[0] + p[1] * p[1] < 0.49;
                    Point {
                        xy: [p[0], p[1]],
                        label: i64::from(inside != (c < flip)),
                    }
                })
                .collect()
        };
        Self {
            train: points(TRAIN_POINTS, 0.15),
            valid: points(4096, 0.0),
        }
    }
}

#[derive(Debug, Clone)]
struct CircleBatch {
    points: Tensor<2>,
    labels: Tensor<1, Int>,
}

#[derive(Clone)]
struct CircleBatcher;

impl Batcher<Point, CircleBatch> for CircleBatcher {
    fn batch(&self, items: Vec<Point>, device: &Device) -> CircleBatch {
        let n = items.len();
        let xy: Vec<f32> = items.iter().flat_map(|p| p.xy).collect();
        let labels: Vec<i64> = items.iter().map(|p| p.label).collect();
        CircleBatch {
            points: Tensor::from_data(TensorData::new(xy, [n, 2]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}
