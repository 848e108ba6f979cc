#!/usr/bin/env python3
"""PyTorch anchor for the training benchmark (`cargo bench -p bba-experiments --bench train`).

Times the same models as the benchmark's `bare` rows, built from the same config files
(configs/study/*.toml, configs/quick-*.toml), on the same real data (the datasets crate's cache:
MNIST and Fashion-MNIST IDX files, the Shakespeare and Moby-Dick texts), with the same batch
sizes and a fused Adam at β1 = β2 = the config's β: forward, loss, backward, step, after
untimed warm-up updates. Evaluation, metrics and logging are not timed, as in `bare`.

PyTorch is not a dependency of the project. To run it (CPU is enough):

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch==2.9.0 numpy
    /tmp/torch/bin/python scripts/torch-anchor.py --json torch-anchor.json

Rows: {workload, mode: "pytorch", members: 1, params, updates_per_s, threads, torch}.
"""

import argparse
import json
import math
import os
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    explicit = os.environ.get("BBA_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "burn-balanced-adam"


def read_idx_images(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 2051:
        sys.exit(f"{path}: not an IDX image file (magic {magic})")
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, 1, rows, cols)


def read_idx_labels(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    magic, _count = np.frombuffer(raw[:8], dtype=">u4")
    if magic != 2049:
        sys.exit(f"{path}: not an IDX label file (magic {magic})")
    return np.frombuffer(raw[8:], dtype=np.uint8).astype(np.int64)


class Cnn(nn.Module):
    """experiments/src/model/cnn.rs: three same-padded 3×3 convolutions, two 2×2 pools."""

    def __init__(self, model, channels, height, width, classes):
        super().__init__()
        w, hidden = model["width"], model["hidden"]
        self.convs = nn.ModuleList(
            [nn.Conv2d(i, o, 3, padding="same") for i, o in [(channels, w), (w, w), (w, 2 * w)]]
        )
        self.pool = nn.MaxPool2d(2, 2)
        self.hidden = nn.Linear(2 * w * (height // 4) * (width // 4), hidden)
        self.out = nn.Linear(hidden, classes)
        self.dropout = nn.Dropout(model["dropout"])

    def forward(self, x):
        x = torch.relu(self.convs[0](x))
        x = self.pool(torch.relu(self.convs[1](x)))
        x = self.pool(torch.relu(self.convs[2](x)))
        x = self.dropout(torch.relu(self.hidden(x.flatten(1))))
        return self.out(x)


def encoder(model, d):
    layer = nn.TransformerEncoderLayer(
        d,
        model["heads"],
        model["d_ff"],
        dropout=model["dropout"],
        activation="gelu",
        batch_first=True,
        norm_first=True,
    )
    return nn.TransformerEncoder(layer, model["depth"], enable_nested_tensor=False)


class Vit(nn.Module):
    """experiments/src/model/vit.rs: strided patch convolution, class token, learned positions,
    pre-norm encoder, final norm, linear head on the class token."""

    def __init__(self, model, channels, height, width, classes):
        super().__init__()
        d, p = model["d_model"], model["patch"]
        tokens = (height // p) * (width // p) + 1
        self.patches = nn.Conv2d(channels, d, p, stride=p)
        self.class_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.positions = nn.Parameter(torch.randn(1, tokens, d) * 0.02)
        self.encoder = encoder(model, d)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        x = self.patches(x).flatten(2).transpose(1, 2)
        class_token = self.class_token.expand(x.shape[0], -1, -1)
        x = torch.cat([class_token, x], 1) + self.positions
        return self.head(self.norm(self.encoder(x))[:, 0])


class Gpt(nn.Module):
    """experiments/src/model/gpt.rs: token + learned position embeddings, causal pre-norm
    encoder, final norm, linear head over the vocabulary."""

    def __init__(self, model, vocab, seq_len):
        super().__init__()
        if model.get("positions", "learned") != "learned":
            sys.exit("the anchor builds learned positions only")
        d = model["d_model"]
        self.tokens = nn.Embedding(vocab, d)
        self.positions = nn.Embedding(seq_len, d)
        self.encoder = encoder(model, d)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(seq_len))

    def forward(self, x):
        positions = torch.arange(x.shape[1])
        h = self.tokens(x) + self.positions(positions)
        h = self.encoder(h, mask=self.mask, is_causal=True)
        return self.head(self.norm(h))


def image_batches(dataset, batch, generator):
    root = cache_dir() / dataset
    images = read_idx_images(root / "train-images-idx3-ubyte")
    labels = read_idx_labels(root / "train-labels-idx1-ubyte")
    images = torch.from_numpy(images.astype(np.float32) / 255.0)
    labels = torch.from_numpy(labels)
    while True:
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(order) - batch + 1, batch):
            index = order[start : start + batch]
            yield images[index], labels[index]


def text_batches(dataset, batch, seq_len, generator):
    text = (cache_dir() / dataset / "input.txt").read_text(encoding="utf-8")
    vocab = sorted(set(text))
    ids = torch.tensor([vocab.index(c) for c in text[:200_000]], dtype=torch.int64)

    def batches():
        while True:
            starts = torch.randint(0, len(ids) - seq_len - 1, (batch,), generator=generator)
            window = torch.stack([ids[s : s + seq_len + 1] for s in starts.tolist()])
            yield window[:, :-1], window[:, 1:]

    return len(vocab), batches()


# The Rust configs' defaults (experiments/src/config/model.rs) for keys a config leaves out.
MODEL_DEFAULTS = {
    "cnn": {"width": 16, "hidden": 128, "dropout": 0.0},
    "vit": {"patch": 7, "d_model": 64, "depth": 2, "heads": 4, "d_ff": 128, "dropout": 0.0},
    "gpt": {"d_model": 64, "depth": 2, "heads": 4, "d_ff": 256, "dropout": 0.0},
}


def build(config):
    data, training = config["data"], config["training"]
    model = {**MODEL_DEFAULTS.get(config["model"]["kind"], {}), **config["model"]}
    batch = training["batch_size"]
    generator = torch.Generator().manual_seed(config.get("seed", 42))
    kind = model["kind"]
    if kind in ("cnn", "vit"):
        cls = Cnn if kind == "cnn" else Vit
        net = cls(model, 1, 28, 28, 10)
        return net, image_batches(data["dataset"], batch, generator), nn.functional.cross_entropy
    if kind == "gpt":
        seq_len = data["seq_len"]
        vocab, batches = text_batches(data["dataset"], batch, seq_len, generator)
        net = Gpt(model, vocab, seq_len)

        def loss(logits, targets):
            return nn.functional.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))

        return net, batches, loss
    sys.exit(f"model kind {kind!r}: the anchor builds cnn, vit and gpt")


def optimizer_for(config, params):
    opt = config.get("optimizer", {})
    lr = config.get("schedule", {}).get("lr", 1e-3)
    beta = opt.get("beta", 0.9)
    if not isinstance(beta, float):
        beta = 0.9  # "refresh" configs are skipped; a pair (β1, β2) keeps Adam's default
    return torch.optim.Adam(params, lr=lr, betas=(beta, beta), eps=1e-8, fused=True)


def measure(path, warmup, seconds):
    config = tomllib.loads(path.read_text())
    torch.manual_seed(config.get("seed", 42))
    net, batches, loss_fn = build(config)
    optimizer = optimizer_for(config, net.parameters())
    params = sum(p.numel() for p in net.parameters())

    def update():
        inputs, targets = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):
        update()
    # A pilot sizes the timed loop to `seconds` of updates, as the Rust benchmark does.
    started = time.perf_counter()
    for _ in range(warmup):
        update()
    pilot = warmup / (time.perf_counter() - started)
    updates = max(30, math.ceil(seconds * pilot))
    started = time.perf_counter()
    for _ in range(updates):
        loss = update()
    elapsed = time.perf_counter() - started
    if not math.isfinite(loss.item()):
        sys.exit(f"{path.name}: the loss went non-finite")
    return params, updates / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--seconds", type=float, default=6.0, help="timed seconds per workload")
    parser.add_argument("--only", help="comma-separated workload names")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    configs = sorted((ROOT / "configs" / "study").glob("*.toml"))
    configs += sorted((ROOT / "configs").glob("quick-*.toml"))
    # Refresh-rule configs train a pilot and a main run: not one workload to time.
    configs = [
        path for path in configs
        if tomllib.loads(path.read_text()).get("optimizer", {}).get("beta") != "refresh"
    ]
    only = {name.strip() for name in args.only.split(",")} if args.only else None
    if only is not None:
        unknown = sorted(only - {path.stem for path in configs})
        if unknown:
            names = ", ".join(path.stem for path in configs)
            sys.exit(f"--only: no workload {', '.join(unknown)}; the workloads: {names}")
    rows = []
    print("| workload | params | updates/s (PyTorch) |\n|---|---:|---:|")
    for path in configs:
        if only is not None and path.stem not in only:
            continue
        params, rate = measure(path, warmup=10, seconds=args.seconds)
        print(f"| {path.stem} | {params} | {rate:.1f} |", flush=True)
        rows.append(
            {
                "workload": path.stem,
                "mode": "pytorch",
                "members": 1,
                "params": params,
                "updates_per_s": rate,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
