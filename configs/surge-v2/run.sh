#!/usr/bin/env bash
# The surge re-run: per batch size, a sweep over a window of learning rates an eighth of a decade
# apart × seeds 42, 43, 44, each run recording its training loss at every update. Resumable:
# finished points are skipped, so re-run it until it reports nothing left to train.
#
#   configs/surge-v2/run.sh cnn-fashion        # or gpt-shakespeare, or both (in turn)
#   EXPERIMENTS=target/debug/experiments configs/surge-v2/run.sh gpt-shakespeare
#
# Then export the records and write the reports (results/surge/README.md has the commands).
# Each line: workload, batch size, updates, updates between evaluations, rates. Run lengths give
# the slowest rate of each window time to reach the lowest target (from the first study's runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
read -r -a EXPERIMENTS <<< "${EXPERIMENTS:-cargo run -q -p bba-experiments --}"

point() {
  local workload=$1 batch=$2 updates=$3 every=$4 rates=$5
  "${EXPERIMENTS[@]}" sweep "configs/surge-v2/$workload.toml" \
    --set "name=b$batch" --set "training.batch_size=$batch" \
    --set "training.updates=$updates" --set "training.eval_every=$every" \
    --grid "schedule.lr=$rates" --grid "seed=42,43,44"
}

cnn-fashion() {
  point cnn-fashion 4 2400 600 1e-3,1.33e-3,1.78e-3,2.37e-3,3.16e-3,4.22e-3,5.62e-3,7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2
  point cnn-fashion 10 1000 250 1.78e-3,2.37e-3,3.16e-3,4.22e-3,5.62e-3,7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2
  point cnn-fashion 25 400 100 3.16e-3,4.22e-3,5.62e-3,7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2
  point cnn-fashion 64 240 60 5.62e-3,7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2
  point cnn-fashion 160 150 37 1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2
  point cnn-fashion 400 100 25 1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2
  point cnn-fashion 1000 80 20 7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2
  point cnn-fashion 2000 70 17 7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2
}
gpt-shakespeare() {
  point gpt-shakespeare 2 2200 550 3.16e-3,4.22e-3,5.62e-3,7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2
  point gpt-shakespeare 5 1000 250 5.62e-3,7.5e-3,1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2
  point gpt-shakespeare 12 450 112 1e-2,1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2,1e-1
  point gpt-shakespeare 32 200 50 1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2,1e-1
  point gpt-shakespeare 80 120 30 1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2,1e-1
  point gpt-shakespeare 200 100 25 1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2,1e-1
  point gpt-shakespeare 500 90 22 1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2
  point gpt-shakespeare 1200 80 20 1.33e-2,1.78e-2,2.37e-2,3.16e-2,4.22e-2,5.62e-2,7.5e-2
}

if [ $# -eq 0 ]; then
  echo "usage: $0 cnn-fashion|gpt-shakespeare..." >&2
  exit 2
fi
for workload in "$@"; do
  case $workload in
    cnn-fashion | gpt-shakespeare) "$workload" ;;
    *) echo "unknown workload: $workload (cnn-fashion, gpt-shakespeare)" >&2; exit 2 ;;
  esac
done
