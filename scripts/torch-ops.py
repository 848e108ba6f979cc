#!/usr/bin/env python3
"""PyTorch twin of the single-operation benchmark (`cargo bench -p bba-experiments --bench ops`).

Same operations, shapes and pass as `experiments/benches/ops.rs`: inputs that require
gradients, the operation, `sum().backward()`, the input gradient's sum read back; 5 warm-up
iterations, then 1.5 s timed. A minimal reproduction for reporting a Flex gap upstream:

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch==2.9.0
    /tmp/torch/bin/python scripts/torch-ops.py --threads 1 --json torch-ops.json

Rows: {op, shape, device: "pytorch", us_per_iter, threads, torch}.
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F

SECONDS = 1.5
WARMUP = 5


def leaf(*shape):
    return torch.randn(*shape, requires_grad=True)


def conv():
    x, w = leaf(32, 4, 28, 28), leaf(4, 4, 3, 3)
    F.conv2d(x, w, padding=1).sum().backward()
    return x.grad.sum().item()


def gelu():
    x = leaf(512, 64)
    F.gelu(x).sum().backward()
    return x.grad.sum().item()


def softmax():
    x = leaf(16, 2, 32, 32)
    weights = torch.rand(16, 2, 32, 32)
    (torch.softmax(x, dim=3) * weights).sum().backward()
    return x.grad.sum().item()


def matmul():
    x, w = leaf(512, 32), leaf(32, 64)
    (x @ w).sum().backward()
    return x.grad.sum().item()


OPS = [
    ("conv2d", "x 32x4x28x28, w 4x4x3x3, pad 1", conv),
    ("gelu", "512x64", gelu),
    ("softmax", "16x2x32x32, dim 3", softmax),
    ("matmul", "512x32 @ 32x64", matmul),
]


def time_op(op):
    for _ in range(WARMUP):
        op()
    started, iterations = time.perf_counter(), 0
    while time.perf_counter() - started < SECONDS:
        op()
        iterations += 1
    return (time.perf_counter() - started) * 1e6 / iterations


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    print("| op | shape | device | µs per forward + backward |")
    print("|---|---|---|---:|")
    for name, shape, op in OPS:
        us = time_op(op)
        print(f"| {name} | {shape} | pytorch | {us:.1f} |")
        rows.append({"op": name, "shape": shape, "device": "pytorch", "us_per_iter": us,
                     "threads": torch.get_num_threads(), "torch": torch.__version__})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
