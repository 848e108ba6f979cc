//! A plain Burn training loop over a config's model, batches and optimizer — forward, backward,
//! step; no `Learner`, no metrics, no evaluation — as the baseline the training benchmark holds
//! the experiments loop against.

use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::tensor::Device;
use burn::train::TrainStep;

use super::batch::BatchOutput;
use crate::config::{ExperimentConfig, ModelConfig};
use crate::data::{Workload, prepare};
use crate::device::open_device;
use crate::error::ExperimentError;
use crate::loader::{ChunkLoader, StreamSpec, Weighted};
use crate::model::{Cnn, Gpt, Vit};

/// Seconds that `updates` updates of the bare loop took on `config`'s first device, after
/// `warmup` untimed ones, and the model's parameter count.
pub fn bare_loop(
    config: &ExperimentConfig,
    warmup: u64,
    updates: u64,
) -> Result<(f64, usize), ExperimentError> {
    let workload = prepare(config, &|_| {})?;
    let device = open_device(&config.device_names()[0])?.autodiff();
    device.seed(config.seed);
    let optimizer = config
        .optimizer
        .build()
        .map_err(|message| ExperimentError::RunConfig {
            run: "the bare loop".into(),
            message,
        })?;
    let lr = config.schedule.peak_lr();
    let stream = StreamSpec {
        batch_size: config.training.batch_size,
        // The bare loop steps once per batch: no accumulation.
        micro_batches: 1,
        updates_per_chunk: warmup + updates,
        total_updates: warmup + updates,
        seed: config.seed,
    };
    let run = Loop {
        optimizer,
        lr,
        stream,
        device: device.clone(),
        warmup,
    };
    match (workload, &config.model) {
        (Workload::Images(data), ModelConfig::Cnn(c)) => {
            let model = Cnn::new(c, data.batcher.output_shape(), data.classes, &device);
            run.time(model, data.train, data.batcher)
        }
        (Workload::Images(data), ModelConfig::Vit(c)) => {
            let model = Vit::new(c, data.batcher.output_shape(), data.classes, &device);
            run.time(model, data.train, data.batcher)
        }
        (Workload::Text(data), ModelConfig::Gpt(c)) => {
            let model = Gpt::new(c, data.vocab, data.seq_len, &device);
            run.time(model, data.train, bba_datasets::tokens::TokenBatcher)
        }
        _ => unreachable!("validated: cnn/vit take images, gpt takes text"),
    }
}

struct Loop {
    optimizer: ModuleOptimizer,
    lr: f64,
    stream: StreamSpec,
    device: Device,
    warmup: u64,
}

impl Loop {
    fn time<M, I, B>(
        mut self,
        mut model: M,
        train: I,
        batcher: B,
    ) -> Result<(f64, usize), ExperimentError>
    where
        M: Module + TrainStep<Input = Weighted<<B as BatchOutput>::Output>>,
        I: Dataset<<B as BatchOutput>::Item> + 'static,
        B: BatchOutput + Batcher<<B as BatchOutput>::Item, <B as BatchOutput>::Output> + 'static,
    {
        let parameters = model.num_params();
        let loader = ChunkLoader::new(
            Arc::new(train),
            Arc::new(batcher),
            self.stream,
            0,
            self.device.clone(),
        );
        let mut started = Instant::now();
        for (done, item) in loader.iter().enumerate() {
            if done as u64 == self.warmup {
                started = Instant::now();
            }
            let item = item.map_err(ExperimentError::Batching)?;
            let output = model.step(item);
            model = self.optimizer.step(self.lr, model, output.grads);
        }
        Ok((started.elapsed().as_secs_f64(), parameters))
    }
}
