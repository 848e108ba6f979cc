//! Optimizer-step benchmark: ms per step of each optimizer (fused and reference), Burn's
//! `Adam` and `AdamW` beside their drop-in fused forms (`fused_adam`, `fused_adamw`), and a plain single-pass Rust loop over `Vec<f32>` (the memory-bandwidth reference),
//! for 1 M and 10 M parameters and a 100-tensor model, all in one run.
//!
//! ```text
//! cargo bench -p burn-balanced-adam --bench step
//! STEP_BENCH_JSON=step.json cargo bench -p burn-balanced-adam --bench step   # also JSON
//! STEP_BENCH_DEVICE=wgpu cargo bench -p burn-balanced-adam --features wgpu --bench step
//! STEP_BENCH_DEVICE=cuda cargo bench -p burn-balanced-adam --features cuda --bench step
//! STEP_BENCH_ONLY=single_pass,balanced_adam,fadam cargo bench -p burn-balanced-adam --bench step 10M
//! ```
//!
//! Ratios are to the single-pass loop and to Burn's AdamW measured in the same run; on a GPU
//! device a `device_traffic` row (one fused elementwise pass moving an Adam step's bytes on
//! the device) is the bandwidth reference. Peak memory
//! is the most host memory a step allocated beyond what was live before it (a counting global
//! allocator); on a GPU device it does not see device memory.

use std::time::{Duration, Instant};

use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, Optimizer};
use burn::tensor::{Device, Tensor, TensorData};
use burn_balanced_adam::{
    AnyOptimizerConfig, BalancedAdamConfig, DualAdamConfig, FAdamConfig, FusedAdamConfig,
    FusedAdamWConfig, InvAdamConfig, StepImplementation, fused_step_available,
};
use rayon::prelude::*;

#[path = "../tests/common/noise.rs"]
mod noise;
#[path = "../tests/common/peak_alloc.rs"]
mod peak_alloc;
use peak_alloc::{PeakAlloc, peak_since, start_peak};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// A set of parameter tensors: one big matrix, or a model's worth of mixed sizes.
struct Workload {
    name: String,
    shapes: Vec<[usize; 2]>,
}

impl Workload {
    fn params(&self) -> usize {
        self.shapes.iter().map(|[a, b]| a * b).sum()
    }
}

fn workloads() -> Vec<Workload> {
    let single = |name: &str, rows: usize| Workload {
        name: name.into(),
        shapes: vec![[rows, 1000]],
    };
    // 25 transformer-like blocks of 4 tensors (width 256): biases, square and 4× projections.
    let mixed = Workload {
        name: "100 tensors".into(),
        shapes: (0..100)
            .map(|i| match i % 4 {
                0 => [1, 256],
                1 => [256, 256],
                2 => [256, 1024],
                _ => [1, 1024],
            })
            .collect(),
    };
    vec![single("1M", 1000), single("10M", 10_000), mixed]
}

/// One result row (the JSON schema's fields, plus the workload for the table).
struct Row {
    workload: String,
    optimizer: &'static str,
    implementation: &'static str,
    params: usize,
    ms_per_step: f64,
    peak_bytes: usize,
}

fn values(len: usize, seed: u64) -> Vec<f32> {
    noise::noise(len, seed, 1.0)
}

/// How long to measure one configuration, and its bounds in steps.
const TARGET: Duration = Duration::from_millis(1500);
const MIN_STEPS: usize = 5;
const MAX_STEPS: usize = 60;
const WARMUP_STEPS: usize = 2;

/// Median of the per-step times and the largest per-step peak, over a timed loop of `step`.
fn measure(mut step: impl FnMut()) -> (f64, usize) {
    for _ in 0..WARMUP_STEPS {
        step();
    }
    let (mut times, mut peak) = (Vec::new(), 0);
    let started = Instant::now();
    while times.len() < MIN_STEPS || (started.elapsed() < TARGET && times.len() < MAX_STEPS) {
        let base = start_peak();
        let t0 = Instant::now();
        step();
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        peak = peak.max(peak_since(base));
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], peak)
}

/// A tensor of seeded noise.
fn noise_tensor(shape: [usize; 2], seed: u64, device: &Device) -> Tensor<2> {
    let data = TensorData::new(values(shape[0] * shape[1], seed), shape.to_vec());
    Tensor::from_data(data, device)
}

/// Times `optim` over the workload's tensors (one step = every tensor once, then a sync).
fn bench_optimizer<O: Optimizer>(optim: &O, work: &Workload, device: &Device) -> (f64, usize) {
    let mut params: Vec<(Tensor<2>, Tensor<2>, Option<O::State<2>>)> = work
        .shapes
        .iter()
        .enumerate()
        .map(|(i, &shape)| {
            let theta = noise_tensor(shape, 2 * i as u64, device);
            let grad = noise_tensor(shape, 2 * i as u64 + 1, device).mul_scalar(1e-2);
            (theta, grad, None)
        })
        .collect();
    measure(|| {
        for (theta, grad, state) in params.iter_mut() {
            let placeholder = Tensor::empty([1, 1], device);
            let current = std::mem::replace(theta, placeholder);
            let (next, next_state) = optim.step(1e-3, current, grad.clone(), state.take());
            (*theta, *state) = (next, next_state);
        }
        device.sync().expect("the device finishes the step");
    })
}

/// The bandwidth reference: AdamW as one multi-threaded pass over plain `Vec<f32>`s.
fn bench_single_pass(work: &Workload) -> (f64, usize) {
    let mut tensors: Vec<[Vec<f32>; 4]> = work
        .shapes
        .iter()
        .enumerate()
        .map(|(i, [a, b])| {
            let n = a * b;
            let grad = values(n, 2 * i as u64 + 1)
                .iter()
                .map(|g| g * 1e-2)
                .collect();
            [values(n, 2 * i as u64), grad, vec![0.0; n], vec![0.0; n]]
        })
        .collect();
    let mut t = 0;
    measure(|| {
        t += 1;
        let (lr, b1, b2, eps, wd) = (1e-3f64, 0.9f64, 0.999f64, 1e-8f32, 1e-2f64);
        let bc2_sqrt = (1.0 - b2.powi(t)).sqrt() as f32;
        let step_size = (lr / (1.0 - b1.powi(t))) as f32;
        let decay = (1.0 - lr * wd) as f32;
        let (b1, b2) = (b1 as f32, b2 as f32);
        for [theta, grad, m, v] in tensors.iter_mut() {
            const CHUNK: usize = 1 << 15;
            theta
                .par_chunks_mut(CHUNK)
                .zip(grad.par_chunks(CHUNK))
                .zip(m.par_chunks_mut(CHUNK))
                .zip(v.par_chunks_mut(CHUNK))
                .for_each(|(((theta, grad), m), v)| {
                    let rows = theta
                        .iter_mut()
                        .zip(grad)
                        .zip(m.iter_mut())
                        .zip(v.iter_mut());
                    for (((theta, &g), m), v) in rows {
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *theta = *theta * decay - step_size * *m / (v.sqrt() / bc2_sqrt + eps);
                    }
                });
        }
    })
}

/// The device-side bandwidth reference: per tensor, one elementwise expression that reads θ,
/// g, m, v and writes three tensors (an Adam step's bytes), which Burn's fusion compiles into
/// one kernel on wgpu/CUDA. On Flex it allocates its outputs: the single pass is the
/// reference there.
fn bench_device_traffic(work: &Workload, device: &Device) -> (f64, usize) {
    let mut tensors: Vec<[Tensor<2>; 4]> = work
        .shapes
        .iter()
        .enumerate()
        .map(|(i, &shape)| std::array::from_fn(|k| noise_tensor(shape, (4 * i + k) as u64, device)))
        .collect();
    measure(|| {
        for [theta, grad, m, v] in tensors.iter_mut() {
            let m_new = m.clone().mul_scalar(0.9) + grad.clone().mul_scalar(0.1);
            let v_new = v.clone().mul_scalar(0.999) + grad.clone() * grad.clone();
            let theta_new = theta.clone() - grad.clone().mul_scalar(1e-3);
            (*theta, *m, *v) = (theta_new, m_new, v_new);
        }
        device.sync().expect("the device finishes the pass");
    })
}

fn device() -> Device {
    match std::env::var("STEP_BENCH_DEVICE").as_deref() {
        Ok("wgpu") => Device::wgpu_options()
            .init()
            .expect("STEP_BENCH_DEVICE=wgpu needs a wgpu adapter"),
        Ok("cuda") => cuda(),
        Ok("flex") | Err(_) => Device::flex(),
        Ok(other) => panic!("STEP_BENCH_DEVICE={other}: expected flex, wgpu or cuda"),
    }
}

#[cfg(feature = "cuda")]
fn cuda() -> Device {
    Device::cuda(0)
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> Device {
    panic!("STEP_BENCH_DEVICE=cuda: build the benchmark with `--features cuda`")
}

/// Whether `STEP_BENCH_ONLY` (comma-separated row names; unset: all) asks for `optimizer`.
fn wanted(optimizer: &str) -> bool {
    std::env::var("STEP_BENCH_ONLY").map_or(true, |only| only.split(',').any(|o| o == optimizer))
}

fn run_workload(work: &Workload, device: &Device, rows: &mut Vec<Row>) {
    let mut push = |optimizer, implementation, measure: &dyn Fn() -> (f64, usize)| {
        if !wanted(optimizer) {
            return;
        }
        let (ms, peak) = measure();
        eprintln!("  {:<14} {:<10} {ms:>9.2} ms", optimizer, implementation);
        rows.push(Row {
            workload: work.name.clone(),
            optimizer,
            implementation,
            params: work.params(),
            ms_per_step: ms,
            peak_bytes: peak,
        });
    };
    push("single_pass", "reference", &|| bench_single_pass(work));
    if !matches!(
        std::env::var("STEP_BENCH_DEVICE").as_deref(),
        Ok("flex") | Err(_)
    ) {
        push("device_traffic", "reference", &|| {
            bench_device_traffic(work, device)
        });
    }
    let adamw = AdamWConfig::new().with_weight_decay(1e-2).build();
    push("burn_adamw", "reference", &|| {
        bench_optimizer(&adamw, work, device)
    });
    let decay = Some(WeightDecayConfig::new(1e-2));
    let adam = AdamConfig::new().with_weight_decay(decay.clone()).build();
    push("burn_adam", "reference", &|| {
        bench_optimizer(&adam, work, device)
    });
    for (implementation, label) in [
        (StepImplementation::Auto, "fused"),
        (StepImplementation::Reference, "reference"),
    ] {
        // Every optimizer of the crate, by its config `kind` (`fused_adam`/`fused_adamw` are
        // Burn's Adam and AdamW, same configs, on this crate's step).
        let library: [(&str, AnyOptimizerConfig); 6] = [
            (
                "fused_adam",
                FusedAdamConfig::new()
                    .with_weight_decay(decay.clone())
                    .into(),
            ),
            (
                "fused_adamw",
                FusedAdamWConfig::new().with_weight_decay(1e-2).into(),
            ),
            (
                "balanced_adam",
                BalancedAdamConfig::new().with_weight_decay(1e-2).into(),
            ),
            ("dual_adam", DualAdamConfig::new().into()),
            ("inv_adam", InvAdamConfig::new().into()),
            ("fadam", FAdamConfig::new().into()),
        ];
        for (name, config) in library {
            push(name, label, &|| {
                let optim = config.clone().with_implementation(implementation).build();
                bench_optimizer(&optim, work, device)
            });
        }
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "\n| workload | optimizer | implementation | ms/step | × single-pass | × device traffic | × Burn Adam | × Burn AdamW | peak alloc/step |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        // A baseline this run did not measure (filtered out, or `device_traffic` on the CPU)
        // shows as "–", not as a NaN ratio.
        let baseline = |name: &str, digits: usize| {
            rows.iter()
                .find(|r| r.workload == row.workload && r.optimizer == name)
                .map_or("–".to_string(), |r| {
                    format!("{:.digits$}", row.ms_per_step / r.ms_per_step)
                })
        };
        println!(
            "| {} ({:.1} M) | {} | {} | {:.2} | {} | {} | {} | {} | {:.1} MB |",
            row.workload,
            row.params as f64 / 1e6,
            row.optimizer,
            row.implementation,
            row.ms_per_step,
            baseline("single_pass", 2),
            baseline("device_traffic", 2),
            baseline("burn_adam", 3),
            baseline("burn_adamw", 3),
            row.peak_bytes as f64 / 1e6,
        );
    }
}

fn write_json(rows: &[Row], path: &str) {
    let entries: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "workload": r.workload,
                "optimizer": r.optimizer,
                "implementation": r.implementation,
                "params": r.params,
                "ms_per_step": r.ms_per_step,
                "peak_bytes": r.peak_bytes,
            })
        })
        .collect();
    let json = serde_json::to_string_pretty(&entries).expect("rows serialize");
    std::fs::write(path, json + "\n").unwrap_or_else(|err| panic!("cannot write {path}: {err}"));
    eprintln!("wrote {path}");
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument, if any, picks workloads by name.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let device = device();
    let probe = Tensor::<1>::zeros([1], &device);
    eprintln!(
        "device {device:?}, {} rayon threads, fused step available: {}",
        rayon::current_num_threads(),
        fused_step_available(&probe)
    );
    let mut rows = Vec::new();
    for work in workloads() {
        if !filter.is_empty() && !filter.iter().any(|f| work.name.contains(f.as_str())) {
            continue;
        }
        eprintln!(
            "{} ({} tensors, {} params)",
            work.name,
            work.shapes.len(),
            work.params()
        );
        run_workload(&work, &device, &mut rows);
    }
    if rows.is_empty() {
        panic!(
            "no rows: STEP_BENCH_ONLY = {:?} and the workload filter {filter:?} match nothing \
             (rows: single_pass, device_traffic, burn_adamw, burn_adam, fused_adam, fused_adamw, \
             balanced_adam, dual_adam, inv_adam, fadam; workloads: 1M, 10M, 100 tensors)",
            std::env::var("STEP_BENCH_ONLY").unwrap_or_default()
        );
    }
    print_table(&rows);
    if let Ok(path) = std::env::var("STEP_BENCH_JSON") {
        write_json(&rows, &path);
    }
}
