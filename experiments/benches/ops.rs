//! Single-operation benchmark: forward + backward of the operations the training profile names
//! as the study models' largest costs, at those models' shapes, on each CPU backend; the
//! figures to hold against the same operations in PyTorch (`scripts/torch-ops.py`, same shapes,
//! same order) when reporting a gap upstream.
//!
//! ```text
//! cargo bench -p bba-experiments --bench ops
//! OPS_BENCH_DEVICES=flex,ndarray cargo bench -p bba-experiments --features ndarray --bench ops
//! OPS_BENCH_JSON=ops.json cargo bench -p bba-experiments --bench ops
//! ```
//!
//! Each operation: inputs that require gradients, the operation, `sum().backward()`, and the
//! input gradient's sum read back to the host (which waits for the work on any backend).
//! JSON rows: `{op, shape, device, us_per_iter}`.

use std::time::Instant;

use burn::tensor::activation::{gelu, softmax};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};

/// Seconds each operation is timed for, after its untimed warm-up iterations.
const SECONDS: f64 = 1.5;
const WARMUP: usize = 5;

/// One operation at one shape: a name, its shape in words, and one forward + backward pass
/// that returns the input gradient's sum.
struct Op {
    name: &'static str,
    shape: &'static str,
    pass: fn(&Device) -> f32,
}

fn leaf<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device).require_grad()
}

/// The CNN's second convolution (width 4, batch 32, 28 × 28, 3 × 3, padding 1).
fn conv(device: &Device) -> f32 {
    let x = leaf([32, 4, 28, 28], device);
    let w = leaf([4, 4, 3, 3], device);
    let y = conv2d(
        x.clone(),
        w,
        None,
        ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
    );
    let grads = y.sum().backward();
    x.grad(&grads).expect("input gradient").sum().into_scalar()
}

/// The GPT's feed-forward activation (batch 16 × 32 positions, d_ff 64; erf GELU).
fn gelu_op(device: &Device) -> f32 {
    let x = leaf([512, 64], device);
    let grads = gelu(x.clone()).sum().backward();
    x.grad(&grads).expect("input gradient").sum().into_scalar()
}

/// The GPT's attention weights (batch 16, 2 heads, 32 × 32), softmax over keys. The loss
/// weights the output so that the gradient is not zero.
fn softmax_op(device: &Device) -> f32 {
    let x = leaf([16, 2, 32, 32], device);
    let weights = Tensor::<4>::random([16, 2, 32, 32], Distribution::Default, device);
    let grads = (softmax(x.clone(), 3) * weights).sum().backward();
    x.grad(&grads).expect("input gradient").sum().into_scalar()
}

/// The GPT's feed-forward input projection (512 rows, 32 → 64).
fn matmul(device: &Device) -> f32 {
    let x = leaf([512, 32], device);
    let w = leaf([32, 64], device);
    let grads = x.clone().matmul(w).sum().backward();
    x.grad(&grads).expect("input gradient").sum().into_scalar()
}

const OPS: [Op; 4] = [
    Op {
        name: "conv2d",
        shape: "x 32x4x28x28, w 4x4x3x3, pad 1",
        pass: conv,
    },
    Op {
        name: "gelu",
        shape: "512x64",
        pass: gelu_op,
    },
    Op {
        name: "softmax",
        shape: "16x2x32x32, dim 3",
        pass: softmax_op,
    },
    Op {
        name: "matmul",
        shape: "512x32 @ 32x64",
        pass: matmul,
    },
];

/// Microseconds per forward + backward of `op` on `device`.
fn time(op: &Op, device: &Device) -> f64 {
    let mut check = 0.0f32;
    for _ in 0..WARMUP {
        check += (op.pass)(device);
    }
    let started = Instant::now();
    let mut iterations = 0u64;
    while started.elapsed().as_secs_f64() < SECONDS {
        check += (op.pass)(device);
        iterations += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert!(check.is_finite(), "{}: a non-finite gradient", op.name);
    elapsed * 1e6 / iterations as f64
}

fn main() {
    let names: Vec<String> = std::env::var("OPS_BENCH_DEVICES")
        .unwrap_or_else(|_| "flex".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    println!("| op | shape | device | µs per forward + backward |");
    println!("|---|---|---|---:|");
    for name in &names {
        let device = match bba_experiments::throughput::device(name) {
            Ok(device) => device.autodiff(),
            Err(e) => {
                eprintln!("OPS_BENCH_DEVICES: {e}");
                std::process::exit(2);
            }
        };
        device.seed(0);
        for op in &OPS {
            let us = time(op, &device);
            println!("| {} | {} | {name} | {us:.1} |", op.name, op.shape);
            rows.push(serde_json::json!({
                "op": op.name, "shape": op.shape, "device": name, "us_per_iter": us,
            }));
        }
    }
    if let Ok(path) = std::env::var("OPS_BENCH_JSON") {
        let text = serde_json::to_string_pretty(&rows).expect("rows serialize");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
