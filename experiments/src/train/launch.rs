//! One call of Burn's `SupervisedTraining` for any of our models: metrics, renderer, atomic
//! checkpoints, early stopping, devices; then the final model evaluated on the test set under
//! a named test group of the same dashboard.

use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::ModuleOptimizer;
use burn::tensor::Device;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{
    AccuracyMetric, CpuUse, LearningRateMetric, LossMetric, PerplexityMetric,
};
use burn::train::renderer::MetricsRenderer;
use burn::train::{
    EvaluationResult, EvaluatorBuilder, ExecutionStrategy, InferenceStep, Interrupter, Learner,
    LearnerModel, MetricEarlyStoppingStrategy, MultiDeviceOptim, StoppingCondition,
    SupervisedTraining, TrainStep, TrainingStrategy,
};

use super::checkpoint::AtomicFileCheckpointer;
use super::guard::NonFiniteGuard;
use crate::artifacts::RunDir;
use crate::artifacts::tensorboard::TensorBoardLogger;
use crate::model::{Cnn, Gpt, Vit};

/// A model the experiments can train: its metrics and its test evaluation.
pub trait Trainable: LearnerModel + Sized {
    /// Registers the training split's metrics (loss, learning rate, CPU use, the NaN guard)
    /// and the validation split's (loss, accuracy, and perplexity for sequences).
    fn with_metrics(
        training: SupervisedTraining<Self>,
        guard: NonFiniteGuard,
    ) -> SupervisedTraining<Self>;

    /// Evaluates on `loader` as the test group `group`, drawing into `renderer`.
    fn evaluate(
        self,
        dir: &RunDir,
        renderer: Box<dyn MetricsRenderer>,
        group: &str,
        loader: Arc<dyn DataLoader<<Self as InferenceStep>::Input>>,
    ) -> EvaluationResult;
}

/// Implements [`Trainable`] with the given evaluation metrics (an expression building a fresh
/// tuple of Burn metrics, registered for validation and test), so every model registers its
/// metrics the same way.
///
/// The training split records only the loss: accuracy and perplexity over every update's
/// logits cost the GPT ~10% of its updates/s (the training benchmark's `experiments` vs
/// `bare` rows), for figures nothing reads; the loss is the per-update curve, TensorBoard's
/// `train/loss` and what the NaN guard watches.
macro_rules! trainable {
    ($model:ty, ($($metric:expr),+ $(,)?)) => {
        impl Trainable for $model {
            fn with_metrics(
                training: SupervisedTraining<Self>,
                guard: NonFiniteGuard,
            ) -> SupervisedTraining<Self> {
                training
                    .metric_train_numeric(LossMetric::new())
                    $(.metric_valid_numeric($metric))+
                    .metric_train_numeric(LearningRateMetric::new())
                    .metric_train_numeric(CpuUse::new())
                    .metric_train(guard)
            }
            fn evaluate(
                self,
                dir: &RunDir,
                renderer: Box<dyn MetricsRenderer>,
                group: &str,
                loader: Arc<dyn DataLoader<<Self as InferenceStep>::Input>>,
            ) -> EvaluationResult {
                EvaluatorBuilder::new(&dir.path)
                    .renderer(renderer)
                    .metrics(($($metric,)+))
                    .build(self)
                    .eval(group, loader)
            }
        }
    };
}

trainable!(Cnn, (AccuracyMetric::new(), LossMetric::new()));
trainable!(Vit, (AccuracyMetric::new(), LossMetric::new()));
trainable!(
    Gpt,
    (
        AccuracyMetric::new(),
        LossMetric::new(),
        PerplexityMetric::new()
    )
);

/// Everything a training launch needs besides the model and the data.
pub struct Launch {
    /// The run directory (Burn writes its logs and checkpoints there).
    pub dir: RunDir,
    /// The dashboard label and test-group name.
    pub label: String,
    /// Devices: one, or several for data parallelism.
    pub devices: Vec<Device>,
    /// The optimizer.
    pub optimizer: ModuleOptimizer,
    /// The learning-rate schedule.
    pub schedule: ModuleLrScheduler,
    /// Evaluations (Burn epochs) in the whole run.
    pub evaluations: usize,
    /// Updates per evaluation, and in the whole run (TensorBoard's steps).
    pub every: u64,
    /// Updates in the whole run.
    pub total: u64,
    /// Micro-batches per update (`training.grad_accumulation`; 1: off).
    pub micro_batches: usize,
    /// Resume after this evaluation's checkpoint.
    pub resume_from: Option<usize>,
    /// The run's segments, told of every checkpoint.
    pub ledger: Arc<crate::artifacts::segments::SegmentLedger>,
    /// Early-stopping patience in evaluations (0: off).
    pub patience: usize,
    /// Stops the run (Ctrl-C, `--stop-after`, the NaN guard).
    pub interrupter: Interrupter,
    /// The dashboard, or the quiet renderer.
    pub renderer: Box<dyn MetricsRenderer>,
}

/// How a launch ended.
pub struct Launched {
    /// The stop reason, if it was interrupted.
    pub interrupted: Option<String>,
    /// Burn's error, if it failed.
    pub error: Option<String>,
    /// Whether the test evaluation ran.
    pub tested: bool,
}

/// Trains `model` and, if training was not interrupted, evaluates it on `test`.
pub fn launch<M: Trainable>(
    model: M,
    train: Arc<dyn DataLoader<<M as TrainStep>::Input>>,
    valid: Arc<dyn DataLoader<<M as InferenceStep>::Input>>,
    test: Arc<dyn DataLoader<<M as InferenceStep>::Input>>,
    setup: Launch,
) -> Launched {
    let checkpoints = setup.dir.checkpoint_dir();
    // Checkpoints are bound to the run's resolved config, written (under the run's lock) before
    // training starts.
    let config = std::fs::read_to_string(setup.dir.config_path()).unwrap_or_default();
    let run = super::checkpoint::run_identity(&config);
    let mut training = SupervisedTraining::new(&setup.dir.path, train, valid)
        .num_epochs(setup.evaluations)
        .label(&setup.label)
        .renderer(setup.renderer)
        .with_interrupter(setup.interrupter.clone())
        .with_custom_checkpointers(
            AtomicFileCheckpointer::new(&checkpoints, "model", &run)
                .with_ledger(setup.ledger.clone()),
            AtomicFileCheckpointer::new(&checkpoints, "optim", &run)
                .with_ledger(setup.ledger.clone()),
            AtomicFileCheckpointer::new(&checkpoints, "scheduler", &run)
                .with_ledger(setup.ledger.clone()),
        );
    if setup.micro_batches > 1 {
        training = training.grads_accumulation(setup.micro_batches);
    }
    // The guard sees one training item per micro-batch on each device, for the updates left.
    let start = setup
        .resume_from
        .map_or(0, |evaluation| evaluation as u64 * setup.every);
    let steps =
        setup.total.saturating_sub(start) * (setup.micro_batches * setup.devices.len()) as u64;
    training = M::with_metrics(
        training,
        NonFiniteGuard::new(setup.interrupter.clone(), steps),
    );
    // Burn's file logger first: it answers Burn's reads (early stopping, the summary); the
    // TensorBoard logger beside it only writes.
    training = training.with_metric_logger(FileMetricLogger::new(&setup.dir.path));
    // Burn logs one training entry per micro-batch on each device.
    let entries_per_update = (setup.micro_batches * setup.devices.len()) as u64;
    match TensorBoardLogger::new(&setup.dir, setup.every, setup.total, entries_per_update) {
        Ok(logger) => training = training.with_metric_logger(logger),
        Err(err) => eprintln!("warning: {}: no TensorBoard events: {err}", setup.label),
    }
    if setup.patience > 0 {
        training = training.early_stopping(MetricEarlyStoppingStrategy::new(
            &LossMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Valid,
            StoppingCondition::NoImprovementSince {
                n_epochs: setup.patience,
            },
        ));
    }
    if let Some(epoch) = setup.resume_from {
        training = training.checkpoint(epoch);
    }
    if setup.devices.len() > 1 {
        training = training.with_training_strategy(TrainingStrategy::Default(
            ExecutionStrategy::MultiDevice(
                setup.devices.clone(),
                MultiDeviceOptim::OptimMainDevice,
            ),
        ));
    }
    let result = training.launch(Learner::new(model, setup.optimizer, setup.schedule));
    let interrupted = result
        .interrupted
        .map(|i| i.reason.unwrap_or_else(|| "stopped".to_string()));
    let error = result.error.map(|e| e.to_string());
    if interrupted.is_some() || error.is_some() {
        return Launched {
            interrupted,
            error,
            tested: false,
        };
    }
    let evaluation = result
        .model
        .evaluate(&setup.dir, result.renderer, &setup.label, test);
    Launched {
        interrupted: evaluation
            .interrupted
            .map(|i| i.reason.unwrap_or_else(|| "stopped".to_string())),
        error: evaluation.error.map(|e| e.to_string()),
        tested: true,
    }
}
