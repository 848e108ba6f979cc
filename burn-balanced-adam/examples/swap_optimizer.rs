//! Swap each optimizer of this crate into an ordinary Burn model trained by Burn's `Learner`.
//!
//! ```text
//! cargo run --release -p burn-balanced-adam --example swap_optimizer -- [EPOCHS]
//! ```
//!
//! The swap itself is one line: whatever built your `ModuleOptimizer` (`AdamConfig::new().init()`)
//! becomes one of ours. Each run gets its own artifact directory and label, so Burn's dashboard
//! and `LearnerSummary` show them apart. The data is a seeded toy problem (XOR of the signs of
//! two coordinates) so that the example needs no download; the experiments binary runs the real
//! datasets.

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use burn::train::metric::{AccuracyMetric, LossMetric};
use burn::train::{
    ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
};
use burn_balanced_adam::{BalancedAdamConfig, DualAdamConfig, FAdamConfig, InvAdamConfig, refresh};

const BATCH_SIZE: usize = 64;

fn main() {
    let epochs = match std::env::args().nth(1).map(|arg| arg.parse::<usize>()) {
        None => 8,
        Some(Ok(epochs)) if epochs > 0 => epochs,
        Some(_) => {
            eprintln!("usage: swap_optimizer [EPOCHS]  (EPOCHS: a whole number ≥ 1, default 8)");
            std::process::exit(2);
        }
    };
    let device = Device::flex().autodiff();
    device.seed(42);
    let (train, valid) = (xor_points(2048, &device), xor_points(512, &device));
    let total_steps = epochs * train.len().div_ceil(BATCH_SIZE);
    // (name, optimizer, learning rate). InvAdam's update scales like |g|·g, so it needs a far
    // larger rate than Adam at this loss scale; DualAdam's switch ends the inverse blend halfway.
    let optimizers: Vec<(&str, ModuleOptimizer, f64)> = vec![
        (
            "burn_adam",
            AdamConfig::new().with_epsilon(1e-8).init(),
            1e-2,
        ),
        (
            "balanced_adam",
            BalancedAdamConfig::new()
                .with_beta(refresh::DEFAULT_PILOT_BETA)
                .init(),
            1e-2,
        ),
        (
            "dual_adam",
            DualAdamConfig::new()
                .with_switch_rate(2.0 / total_steps as f64)
                .init(),
            1e-2,
        ),
        ("inv_adam", InvAdamConfig::new().init(), 1.0),
        (
            "fadam",
            FAdamConfig::new().with_weight_decay(1e-3).init(),
            1e-2,
        ),
    ];
    println!("{:<14} {:>8} {:>15}", "optimizer", "lr", "valid accuracy");
    for (name, optim, lr) in optimizers {
        let model = Mlp::new(&device);
        let result = SupervisedTraining::new(
            format!("runs/swap_optimizer/{name}"),
            DataLoaderBuilder::new(XorBatcher)
                .batch_size(64)
                .shuffle(7)
                .build(InMemDataset::new(train.clone())),
            DataLoaderBuilder::new(XorBatcher)
                .batch_size(256)
                .build(InMemDataset::new(valid.clone())),
        )
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .num_epochs(epochs)
        .label(name)
        .launch(Learner::new(model, optim, lr));
        // Close this run's dashboard first, or the line below lands on its screen and vanishes.
        drop(result.renderer);
        if let Some(error) = result.error {
            eprintln!("{name}: training failed: {error}");
            std::process::exit(1);
        }
        let accuracy = 100.0 * accuracy(&result.model, &valid, &device.clone().inner());
        println!("{name:<14} {lr:>8} {accuracy:>14.1}%");
    }
}

/// An ordinary two-layer perceptron: nothing in it knows which optimizer trains it.
#[derive(Module, Debug)]
struct Mlp {
    hidden: Linear,
    out: Linear,
    activation: Relu,
}

impl Mlp {
    fn new(device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(2, 32).init(device),
            out: LinearConfig::new(32, 2).init(device),
            activation: Relu::new(),
        }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out
            .forward(self.activation.forward(self.hidden.forward(x)))
    }

    fn classify(&self, batch: XorBatch) -> ClassificationOutput {
        let output = self.forward(batch.points);
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
    type Input = XorBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: XorBatch) -> TrainOutput<ClassificationOutput> {
        let output = self.classify(batch);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Mlp {
    type Input = XorBatch;
    type Output = ClassificationOutput;
    fn step(&self, batch: XorBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}

#[derive(Debug, Clone)]
struct XorItem {
    point: [f32; 2],
    label: i64,
}

#[derive(Debug, Clone)]
struct XorBatch {
    points: Tensor<2>,
    labels: Tensor<1, Int>,
}

#[derive(Clone)]
struct XorBatcher;

impl Batcher<XorItem, XorBatch> for XorBatcher {
    fn batch(&self, items: Vec<XorItem>, device: &Device) -> XorBatch {
        let n = items.len();
        let points: Vec<f32> = items.iter().flat_map(|item| item.point).collect();
        let labels: Vec<i64> = items.iter().map(|item| item.label).collect();
        XorBatch {
            points: Tensor::from_data(TensorData::new(points, [n, 2]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

/// Points uniform in [-1, 1]², labelled by whether their coordinates share a sign.
fn xor_points(n: usize, device: &Device) -> Vec<XorItem> {
    let uniform = Tensor::<2>::random([n, 2], Distribution::Uniform(-1.0, 1.0), device);
    let values: Vec<f32> = uniform.into_data().try_to_vec().expect("f32 points");
    values
        .chunks(2)
        .map(|p| XorItem {
            point: [p[0], p[1]],
            label: i64::from(p[0] * p[1] > 0.0),
        })
        .collect()
}

fn accuracy(model: &Mlp, items: &[XorItem], device: &Device) -> f64 {
    let batch = XorBatcher.batch(items.to_vec(), device);
    let predicted: Vec<i64> = model
        .forward(batch.points)
        .argmax(1)
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .expect("ints");
    let labels: Vec<i64> = batch
        .labels
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .expect("ints");
    predicted
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count() as f64
        / labels.len() as f64
}
