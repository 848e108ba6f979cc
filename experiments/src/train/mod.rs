//! Training runs: one config → one run directory (`run_single`), and the refresh rule's pilot +
//! main pair (`refresh`). Interrupted runs resume from their last complete checkpoint.

mod bare;
mod batch;
mod checkpoint;
mod guard;
mod launch;
mod plan;
pub mod refresh;
mod renderer;
mod summary;
pub mod sweep;

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::ModuleOptimizer;
use burn::tensor::Device;
use burn::train::renderer::{MetricsRenderer, default_renderer};
use burn::train::{InferenceStep, Interrupter, TrainStep};
use burn_balanced_adam::schedule::WarmupCosine;

use crate::artifacts::segments::SegmentLedger;
use crate::artifacts::{RunDir, RunStatus, RunSummary};
use crate::config::{ExperimentConfig, ModelConfig, RunLength, ScheduleConfig};
use crate::data::{Workload, prepare};
use crate::device::open_device;
use crate::error::ExperimentError;
use crate::loader::{ChunkLoader, StreamSpec};
use crate::model::{Cnn, Gpt, Vit};
pub use bare::bare_loop;
use batch::BatchOutput;
pub use checkpoint::latest_good;
use launch::{Launch, Launched, Trainable, launch};
use plan::Plan;
use renderer::QuietRenderer;
use summary::{summarize, write_trajectory_csv};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Continue from the run directory's last checkpoint (and skip finished runs).
    pub resume: bool,
    /// Stop, resumably, at the first evaluation at or after this many updates.
    pub stop_after: Option<u64>,
    /// Never use the TUI dashboard, even in a terminal.
    pub no_tui: bool,
}

/// The length of a run in updates.
pub fn total_updates(config: &ExperimentConfig, train_len: usize) -> u64 {
    match config.training.length {
        RunLength::Updates(updates) => updates,
        RunLength::Epochs(epochs) => epochs * train_len.div_ceil(config.training.batch_size) as u64,
    }
}

/// Trains one config into `dir`. A diverged or interrupted run still returns `Ok`: its summary
/// records what happened (a diverging β is a result, not an error).
pub fn run_single(
    config: &ExperimentConfig,
    dir: &RunDir,
    label: &str,
    options: &RunOptions,
) -> Result<RunSummary, ExperimentError> {
    let resolved = config.to_toml();
    let previous = check_dir(dir, &resolved, options.resume)?;
    if let Some(done) = already_complete(dir, label, &previous)? {
        return Ok(done);
    }
    // Data, devices and schedule first: a missing dataset, an absent device or a warmup longer
    // than the run is reported before anything is written.
    let workload = prepare(config, &|line| eprintln!("{line}"))?;
    let devices = config
        .device_names()
        .iter()
        .map(open_device)
        .collect::<Result<Vec<Device>, _>>()?;
    let optimizer = config
        .optimizer
        .build()
        .map_err(|message| ExperimentError::RunConfig {
            run: label.to_string(),
            message,
        })?;
    let train_len = workload.train_len();
    if config.training.batch_size > train_len {
        return Err(ExperimentError::RunConfig {
            run: label.to_string(),
            message: format!(
                "`training.batch_size` = {} is larger than the training set ({train_len} \
                 examples of {}); use at most {train_len}",
                config.training.batch_size, config.data.dataset
            ),
        });
    }
    if config.training.grad_accumulation > 1 && devices.len() > 1 {
        return Err(ExperimentError::RunConfig {
            run: label.to_string(),
            message: format!(
                "`training.grad_accumulation` = {} with {} devices: Burn accumulates gradients on \
                 one device only; use one device, or split the batch across the devices instead",
                config.training.grad_accumulation,
                devices.len()
            ),
        });
    }
    let total = total_updates(config, train_len);
    let schedule = schedule(config, total)?;
    std::fs::create_dir_all(&dir.path).map_err(ExperimentError::io(&dir.path))?;
    // One process per run directory; what it holds is checked again under the lock, since
    // another process may have trained into it since the first look.
    let _lock = crate::artifacts::lock::RunLock::acquire(&dir.path)?;
    let previous = check_dir(dir, &resolved, options.resume)?;
    if let Some(done) = already_complete(dir, label, &previous)? {
        return Ok(done);
    }
    crate::artifacts::write_atomic(&dir.config_path(), resolved.as_bytes())?;
    let every = config.training.eval_every.min(total);
    let resume_from = if options.resume {
        latest_good(
            &dir.checkpoint_dir(),
            &checkpoint::run_identity(&resolved),
            &|w| eprintln!("{label}: {w}"),
        )
    } else {
        None
    };
    let plan = Plan {
        total,
        every,
        evaluations: total.div_ceil(every) as usize,
        resume_from,
    };
    let started = Instant::now();
    let ledger = Arc::new(SegmentLedger::start(
        dir,
        plan.resume_from.unwrap_or(0) as u64 * every,
        every,
        previous.as_ref().map_or(0.0, |s| s.wall_time_s),
    )?);
    let device = devices[0].clone().autodiff();
    device.seed(config.seed);
    let run = RunContext {
        config,
        dir,
        label,
        devices: &devices,
        plan: &plan,
        options,
        optimizer,
        schedule,
        ledger: ledger.clone(),
    };
    let (launched, parameters) = match (workload, &config.model) {
        (Workload::Images(data), ModelConfig::Cnn(c)) => {
            let model = Cnn::new(c, data.batcher.output_shape(), data.classes, &device);
            fit(
                model,
                (data.train, data.valid, data.test),
                data.batcher,
                run,
            )
        }
        (Workload::Images(data), ModelConfig::Vit(c)) => {
            let model = Vit::new(c, data.batcher.output_shape(), data.classes, &device);
            fit(
                model,
                (data.train, data.valid, data.test),
                data.batcher,
                run,
            )
        }
        (Workload::Text(data), ModelConfig::Gpt(c)) => {
            let model = Gpt::new(c, data.vocab, data.seq_len, &device);
            let loaders = (data.train, data.valid, data.test);
            fit(model, loaders, bba_datasets::tokens::TokenBatcher, run)
        }
        _ => unreachable!("validated: cnn/vit take images, gpt takes text"),
    };
    let mut summary = summarize(
        config,
        dir,
        label,
        &plan,
        &launched,
        parameters,
        started.elapsed().as_secs_f64(),
        &devices,
    )?;
    // The run's wall time is every segment's: earlier ones (a killed one up to its last
    // checkpoint) and this one.
    let status = format!("{:?}", summary.status).to_lowercase();
    let (segments, wall) = ledger.end(summary.updates_done, &status)?;
    summary.wall_time_s = wall;
    summary.segments = segments;
    // summary.json last: its status says the run is complete only once the other records are
    // on disk (a full disk fails the run before it is marked complete).
    write_trajectory_csv(dir, &summary)?;
    dir.write_json("summary.json", &summary)?;
    if let Err(err) = crate::artifacts::tensorboard::write_test(dir, &summary) {
        eprintln!("warning: {label}: test scalars not written for TensorBoard: {err}");
    }
    Ok(summary)
}

/// The summary of a run `previous` shows complete (its missing records written again), if it is.
fn already_complete(
    dir: &RunDir,
    label: &str,
    previous: &Option<RunSummary>,
) -> Result<Option<RunSummary>, ExperimentError> {
    match previous {
        Some(summary) if summary.status == RunStatus::Complete => {
            eprintln!("{label}: already complete in {}", dir.path.display());
            complete_records(dir, summary)?;
            Ok(Some(summary.clone()))
        }
        _ => Ok(None),
    }
}

/// Writes the records a complete run lacks (`trajectory.csv`, from its summary), e.g. after a
/// run was marked complete by an older binary and then lost a file.
fn complete_records(dir: &RunDir, summary: &RunSummary) -> Result<(), ExperimentError> {
    if !dir.path.join("trajectory.csv").is_file() {
        write_trajectory_csv(dir, summary)?;
        eprintln!(
            "{}: trajectory.csv was missing; written again from summary.json",
            dir.path.display()
        );
    }
    Ok(())
}

/// Checks that the run directory is new, or (with `--resume`) holds a run of this same config;
/// returns that run's summary if it has one.
fn check_dir(
    dir: &RunDir,
    resolved: &str,
    resume: bool,
) -> Result<Option<RunSummary>, ExperimentError> {
    let fail = |message: String| ExperimentError::RunDir {
        dir: dir.path.clone(),
        message,
    };
    if dir.config_path().is_file() {
        if !resume {
            return Err(fail(
                "already holds a run: pass --resume to continue or skip it, or remove the directory".into(),
            ));
        }
        let recorded = std::fs::read_to_string(dir.config_path())
            .map_err(ExperimentError::io(dir.config_path()))?;
        if recorded != resolved {
            return Err(fail(
                "its config.toml differs from this config; resume with the same config, or use another name".into(),
            ));
        }
        return Ok(dir.read_summary().ok());
    }
    let lock = std::ffi::OsStr::new(crate::artifacts::lock::LOCK_FILE);
    if dir.path.is_dir()
        && std::fs::read_dir(&dir.path)
            .map_err(ExperimentError::io(&dir.path))?
            .filter_map(Result::ok)
            .any(|entry| entry.file_name() != lock)
    {
        return Err(fail(
            "exists, is not empty and holds no config.toml: choose another name".into(),
        ));
    }
    Ok(None)
}

/// What one training launch of a config needs besides the model and the data.
struct RunContext<'a> {
    config: &'a ExperimentConfig,
    dir: &'a RunDir,
    label: &'a str,
    devices: &'a [Device],
    plan: &'a Plan,
    options: &'a RunOptions,
    optimizer: ModuleOptimizer,
    schedule: ModuleLrScheduler,
    ledger: Arc<SegmentLedger>,
}

fn fit<M, I, B>(
    model: M,
    (train, valid, test): (I, I, I),
    batcher: B,
    run: RunContext<'_>,
) -> (Launched, usize)
where
    M: Trainable + TrainStep<Input = crate::loader::Weighted<<B as BatchOutput>::Output>>,
    M: InferenceStep<Input = <B as BatchOutput>::Output>,
    I: Dataset<<B as BatchOutput>::Item> + 'static,
    B: BatchOutput
        + Batcher<<B as BatchOutput>::Item, <B as BatchOutput>::Output>
        + Clone
        + 'static,
{
    let RunContext {
        config,
        dir,
        label,
        devices,
        plan,
        options,
        optimizer,
        schedule,
        ledger,
    } = run;
    let parameters = model.num_params();
    // `no_decay` groups the model's own parameters, so that build waits for the model; its
    // config was validated (and built once) before the run directory was made.
    let optimizer = match config.optimizer.no_decay {
        false => optimizer,
        true => match config.optimizer.build_for(&model) {
            Ok(grouped) => grouped,
            Err(error) => {
                let failed = Launched {
                    interrupted: None,
                    error: Some(error),
                    tested: false,
                };
                return (failed, parameters);
            }
        },
    };
    let interrupter = Interrupter::new();
    crate::interrupt::set_active_run(Some(interrupter.clone()));
    let stop_at = options
        .stop_after
        .map(|updates| updates.div_ceil(plan.every).max(1));
    let train_loader = ChunkLoader::new(
        Arc::new(train),
        Arc::new(batcher.clone()),
        StreamSpec {
            batch_size: config.training.batch_size,
            micro_batches: config.training.grad_accumulation,
            updates_per_chunk: plan.every,
            total_updates: plan.total,
            seed: config.seed,
        },
        plan.resume_from.unwrap_or(0) as u64,
        devices[0].clone(),
    )
    .stop_before_chunk(stop_at, interrupter.clone());
    let eval_loader = |dataset: I| {
        DataLoaderBuilder::new(batcher.clone())
            .batch_size(config.training.eval_batch_size)
            .set_device(devices[0].clone())
            .build(dataset)
    };
    let renderer: Box<dyn MetricsRenderer> = if !options.no_tui && std::io::stdout().is_terminal() {
        default_renderer(interrupter.clone(), plan.resume_from)
    } else {
        Box::new(QuietRenderer::new(plan.every, plan.total))
    };
    let launched = launch(
        model,
        Arc::new(train_loader),
        eval_loader(valid),
        eval_loader(test),
        Launch {
            dir: dir.clone(),
            label: label.to_string(),
            devices: devices.to_vec(),
            optimizer,
            schedule,
            evaluations: plan.evaluations,
            every: plan.every,
            total: plan.total,
            micro_batches: config.training.grad_accumulation,
            resume_from: plan.resume_from,
            ledger,
            patience: config.training.patience,
            interrupter,
            renderer,
        },
    );
    crate::interrupt::set_active_run(None);
    (launched, parameters)
}

fn schedule(config: &ExperimentConfig, total: u64) -> Result<ModuleLrScheduler, ExperimentError> {
    Ok(match config.schedule {
        ScheduleConfig::Constant { lr } => ModuleLrScheduler::from(lr),
        ScheduleConfig::WarmupCosine { lr, warmup, min_lr } => {
            let schedule = WarmupCosine::new(lr, min_lr, warmup, total).map_err(|source| {
                ExperimentError::Hyperparameter {
                    prefix: "schedule.",
                    source,
                }
            })?;
            ModuleLrScheduler::from(schedule)
        }
    })
}
