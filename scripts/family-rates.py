#!/usr/bin/env python3
"""The refresh v2 study's learning rate per model family, from step 1's records.

Reads every `<workload>/<arm>/lr=<rate>,seed=<seed>/summary.json` under RUNS (step 1's export,
`results/refresh/v2/lr/runs`) and prints, as Markdown, each run's minimum validation loss (the
refresh study's L) and, per model family (the workload name's first part), the mean over the
family's workloads of L(rate) / L(best rate of that workload). The family rate is the one with
the smallest mean: one rate per model, as the paper used each model's usual rate, and robust to
a single seed's lucky or unstable run at one length.

    python3 scripts/family-rates.py results/refresh/v2/lr/runs
"""
import collections
import json
import pathlib
import sys


def main(runs: pathlib.Path) -> None:
    loss = collections.defaultdict(dict)
    for path in sorted(runs.glob("*/*/lr=*/summary.json")):
        workload = path.parts[-4]
        rate = float(path.parts[-2].split(",")[0].removeprefix("lr="))
        best = json.loads(path.read_text())["best_valid_loss"]
        loss[workload][rate] = float("inf") if best is None else best
    if not loss:
        sys.exit(f"{runs}: no run records")
    rates = sorted({r for per in loss.values() for r in per})
    print("| workload | " + " | ".join(f"{r:g}" for r in rates) + " |")
    print("|---|" + "---:|" * len(rates))
    for workload, per in sorted(loss.items()):
        best = min(per.values())
        cells = [
            (f"**{per[r]:.4f}**" if per[r] == best else f"{per[r]:.4f}") if r in per else "–"
            for r in rates
        ]
        print(f"| {workload} | " + " | ".join(cells) + " |")
    print()
    print("| family | " + " | ".join(f"{r:g}" for r in rates) + " | family rate |")
    print("|---|" + "---:|" * len(rates) + "---:|")
    families = collections.defaultdict(list)
    for workload in loss:
        families[workload.split("-")[0]].append(workload)
    for family, workloads in sorted(families.items()):
        mean = {
            r: sum(loss[w][r] / min(loss[w].values()) for w in workloads) / len(workloads)
            for r in rates
            if all(r in loss[w] for w in workloads)
        }
        chosen = min(mean, key=mean.get)
        cells = [f"{mean[r]:.3f}" if r in mean else "–" for r in rates]
        print(f"| {family} ({len(workloads)}) | " + " | ".join(cells) + f" | {chosen:g} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(pathlib.Path(sys.argv[1]))
