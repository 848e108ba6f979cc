#!/usr/bin/env python3
"""Reads TensorBoard event files with TensorBoard's own reader and prints their scalars as JSON:
{run: {tag: [[step, value], ...]}}, runs named by their folder relative to LOGDIR; a value that
is not finite is printed as null (JSON has no NaN).

An independent check of the event files `experiments` writes (its tests run it in CI):
    python3 scripts/read_tensorboard.py LOGDIR
Exit status 3 when the `tensorboard` package is not installed (pip install tensorboard).
"""
import json
import math
import os
import sys

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except ImportError:
    print("the Python package `tensorboard` is not installed", file=sys.stderr)
    sys.exit(3)


def finite(value):
    return value if math.isfinite(value) else None


def main(logdir):
    runs = {}
    for folder, _, files in sorted(os.walk(logdir)):
        if not any("tfevents" in name for name in files):
            continue
        accumulator = EventAccumulator(folder, size_guidance={"scalars": 0})
        accumulator.Reload()
        name = os.path.relpath(folder, logdir)
        runs[name] = {
            tag: [[event.step, finite(event.value)] for event in accumulator.Scalars(tag)]
            for tag in accumulator.Tags()["scalars"]
        }
    json.dump(runs, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
