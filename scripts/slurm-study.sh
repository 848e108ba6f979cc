#!/usr/bin/env bash
# A study as a Slurm array job: task I of N trains shard I/N of the study into its own root,
# then one dependent task merges every shard into the study's tree.
#
#   sbatch --array=1-8 scripts/slurm-study.sh configs/study-refresh.toml full
#   # when all tasks are done (or: sbatch --dependency=afterok:<jobid> ...):
#   MERGE=1 SLURM_ARRAY_TASK_COUNT=8 scripts/slurm-study.sh configs/study-refresh.toml full
#
# Shards own whole workloads (or, for a comparison, optimizer groups), so tasks never wait on
# each other. Each task writes under $SHARD_ROOT (default: runs/shards/<study file>-<profile>),
# which may be node-local scratch as long as the merge step can read it. A task that is killed
# resumes where it stopped when resubmitted. Set EXPERIMENTS to the binary (default: the release
# build, else the debug build, of this checkout).
#
#SBATCH --job-name=bba-study
#SBATCH --cpus-per-task=2
#SBATCH --time=12:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

study=${1:?usage: slurm-study.sh STUDY_FILE [PROFILE]}
profile=${2:-full}
count=${SLURM_ARRAY_TASK_COUNT:?set by Slurm (or by hand): the number of array tasks}
name=$(basename "$study" .toml)
shard_root=${SHARD_ROOT:-runs/shards/$name-$profile}

experiments=${EXPERIMENTS:-}
if [ -z "$experiments" ]; then
    for candidate in target/release/experiments target/debug/experiments; do
        if [ -x "$candidate" ]; then experiments=$candidate; break; fi
    done
fi
[ -n "$experiments" ] || { echo "no experiments binary: cargo build --release -p bba-experiments" >&2; exit 2; }

if [ "${MERGE:-0}" = 1 ]; then
    sources=()
    for i in $(seq 1 "$count"); do sources+=(--from "$shard_root/$i"); done
    exec "$experiments" study merge "$study" --profile "$profile" "${sources[@]}"
fi

task=${SLURM_ARRAY_TASK_ID:?set by Slurm (or by hand): the index of this task, 1..count}
export RAYON_NUM_THREADS=${SLURM_CPUS_PER_TASK:-${RAYON_NUM_THREADS:-1}}
exec "$experiments" study run "$study" --profile "$profile" \
    --shard "$task/$count" --root "$shard_root/$task"
