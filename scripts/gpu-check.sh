#!/usr/bin/env bash
# The GPU check in one call (docs/performance.md): on a machine with an NVIDIA GPU, for each
# backend (wgpu, and CUDA where it could be built),
#   1. the library's conformance, fused-vs-reference, Burn-parity and resume suites on that
#      backend (BBA_TEST_BACKEND; a missing device fails, it does not skip),
#   2. the step benchmark on the device, whose `device_traffic` row (one fused elementwise
#      pass moving an Adam step's bytes) is the copy-kernel baseline for the fused rows,
#   3. a short training benchmark (quick configs: Flex beside the GPU backend),
# everything written under one output folder: a log per step, the benchmarks' JSON, and
# summary.txt (each step's exit status and seconds). Budget: under 8 minutes once built.
#
#   bash scripts/gpu-check.sh [OUT]                  # build, then run here
#   bash scripts/gpu-check.sh build BUNDLE           # build only: BUNDLE/bundle.tar.xz
#   bash scripts/gpu-check.sh run BUNDLE [OUT]       # run a bundle (a machine without cargo)
#
# A bundle holds three dev-profile executables (the profile the studies run): the four suites
# linked into one (`tests/gpu_check.rs`, feature `gpu-check`), the step and the training
# benchmark, xz-compressed (~50 MB; each suite alone would be ~80 MB uncompressed). It runs
# from a checkout of the same commit: the suites read its vectors, the benchmark its configs.
#
# GPU_CHECK_BACKENDS="wgpu cuda" (the default: "wgpu") picks the backends. Burn 0.22.1's CUDA
# backend (cubecl-cuda 0.11.3) depends on cubecl-llvm, whose build script downloads an
# LLVM/MLIR bundle from GitHub: `cuda` builds only where that download works. `wgpu` alone
# also runs on a GPU-less machine through Mesa's software driver (a dry run, not a GPU figure).
# GPU_CHECK_TRAIN_ONLY (default quick-cnn,quick-gpt,quick-vit) picks the training benchmark's
# workloads; their datasets must be in the cache already (BBA_DATA_DIR): a GPU machine may
# have no internet. GPU_CHECK_TRAIN_ONLY=none leaves the training benchmark out of the build
# and the run (a ~31 MB bundle instead of ~51 MB, for machines that take little).
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
backends="${GPU_CHECK_BACKENDS:-wgpu}"
# Workspace-wide, as CI's `cargo test --workspace` is: the same feature unification, so a
# machine that ran CI reuses its Burn build instead of compiling another.
features="burn-balanced-adam/gpu-check"
for b in $backends; do
  case "$b" in
    wgpu) ;; # always built (the experiments depend on it)
    cuda) features="$features,burn-balanced-adam/cuda,bba-experiments/cuda" ;;
    *) echo "GPU_CHECK_BACKENDS: unknown backend \`$b\` (wgpu, cuda)" >&2; exit 2 ;;
  esac
done
train_only="${GPU_CHECK_TRAIN_ONLY:-quick-cnn,quick-gpt,quick-vit}"
executables=(gpu_check step)
benches=(--bench step)
if [ "$train_only" != none ]; then
  executables+=(train)
  benches+=(--bench train)
fi

# Builds the executables, strips them and packs them into $1/bundle.tar.xz.
build() {
  local bundle="$1" json staging
  json="$(mktemp)"
  staging="$(mktemp -d)"
  mkdir -p "$bundle" "$staging/bin"
  echo "== build (backends: $backends)"
  cargo test --workspace --features "$features" --test gpu_check --no-run \
    --message-format=json >"$json" || return 1
  cargo bench --workspace --profile dev --features "$features" "${benches[@]}" \
    --no-run --message-format=json >>"$json" || return 1
  python3 - "$json" "$staging/bin" "${executables[@]}" <<'PY' || return 1
import json, shutil, sys
wanted = set(sys.argv[3:])
found = set()
for line in open(sys.argv[1]):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    name = msg.get("target", {}).get("name")
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") and name in wanted:
        shutil.copy2(msg["executable"], f"{sys.argv[2]}/{name}")
        found.add(name)
missing = wanted - found
if missing:
    sys.exit(f"no executable built for {sorted(missing)}")
PY
  strip "$staging"/bin/* || return 1
  echo "== pack"
  XZ_OPT="-6 -T0" tar -cJf "$bundle/bundle.tar.xz" -C "$staging" bin || return 1
  rm -rf "$json" "$staging"
  du -h "$bundle/bundle.tar.xz"
}

# Runs one step: its output to $out/$1.log, its status and seconds to summary.txt.
step() {
  local name="$1"; shift
  local started=$SECONDS status
  echo "== $name"
  "$@" >"$out/$name.log" 2>&1
  status=$?
  printf '%-24s exit %-3s %4ds\n' "$name" "$status" $((SECONDS - started)) | tee -a "$out/summary.txt"
  tail -n 3 "$out/$name.log"
  return 0
}

run() {
  local bin b
  bin="$(mktemp -d)"
  tar -xJf "$1/bundle.tar.xz" -C "$bin" || { echo "$1/bundle.tar.xz: cannot unpack" >&2; return 1; }
  bin="$bin/bin"
  mkdir -p "$out"
  {
    echo "commit $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "date   $(date -u +%FT%TZ)"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/gpu    /'
    echo "cpus   $(nproc)"
  } >"$out/machine.txt"
  cat "$out/machine.txt"
  # The executables were built elsewhere: point them at this checkout's files.
  export BBA_VECTORS_DIR="$repo/burn-balanced-adam/tests/vectors" TRAIN_BENCH_CONFIGS="$repo/configs"
  for b in $backends; do
    step "$b-suites" env BBA_TEST_BACKEND="$b" BBA_REQUIRE_WGPU=1 "$bin/gpu_check"
    step "$b-step-bench" env STEP_BENCH_DEVICE="$b" STEP_BENCH_JSON="$out/$b-step.json" \
      "$bin/step" --bench
    if [ "$train_only" != none ]; then
      [ -x "$bin/train" ] || { echo "the bundle has no training benchmark (built with GPU_CHECK_TRAIN_ONLY=none)" >&2; return 1; }
      step "$b-train-bench" env TRAIN_BENCH_DEVICES="flex,$b" TRAIN_BENCH_JSON="$out/$b-train.json" \
        TRAIN_BENCH_ONLY="$train_only" "$bin/train" --bench
    fi
  done
  echo "== summary ($out/summary.txt)"
  cat "$out/summary.txt"
  ! grep -qv ' exit 0 ' "$out/summary.txt"
}

case "${1:-}" in
  build)
    [ $# -eq 2 ] || { echo "usage: $0 build BUNDLE" >&2; exit 2; }
    build "$2"
    ;;
  run)
    [ $# -ge 2 ] || { echo "usage: $0 run BUNDLE [OUT]" >&2; exit 2; }
    [ -f "$2/bundle.tar.xz" ] || { echo "$2/bundle.tar.xz: no bundle there (build one with \`$0 build $2\`)" >&2; exit 2; }
    out="${3:-gpu-check-$(date -u +%Y%m%dT%H%M%S)}"
    run "$2"
    ;;
  *)
    out="${1:-gpu-check-$(date -u +%Y%m%dT%H%M%S)}"
    build "$out/bundle" || { echo "build failed" >&2; exit 1; }
    run "$out/bundle"
    ;;
esac
