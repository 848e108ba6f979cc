#!/usr/bin/env bash
# The GPU check in one call (README, Performance): on a machine with an NVIDIA GPU, for each
# of wgpu and CUDA,
#   1. the library's conformance, fused-vs-reference, Burn-parity and resume tests on that
#      backend (BBA_TEST_BACKEND; a missing device fails, it does not skip),
#   2. the step benchmark on the device, whose `device_traffic` row (one fused elementwise
#      pass moving an Adam step's bytes) is the copy-kernel baseline for the fused rows,
#   3. a short training benchmark (the quick configs: Flex beside the GPU backend),
# everything written under one output folder: a log per step, the benchmarks' JSON, and
# summary.txt (each step's exit status and seconds). Budget: under 8 minutes on a warm build.
#
#   bash scripts/gpu-check.sh [OUT]                  # build with wgpu + cuda, then run
#   bash scripts/gpu-check.sh build BUNDLE           # build only: executables into BUNDLE/
#   bash scripts/gpu-check.sh run BUNDLE [OUT]       # run a bundle (a machine without cargo)
#
# GPU_CHECK_BACKENDS="wgpu cuda" (the default) picks the backends; `wgpu` alone also runs on a
# GPU-less machine through Mesa's software driver (a dry run of the script, not a GPU figure).
# A bundle carries the dev-profile executables (the profile the studies run); it runs from the
# repository root, where the tests find their vectors and the benchmark its configs.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
backends="${GPU_CHECK_BACKENDS:-wgpu cuda}"
features="wgpu"      # the library's (tests, step benchmark)
exp_features=""      # the experiments' (training benchmark; wgpu is always built in)
for b in $backends; do
  case "$b" in
    wgpu) ;;
    cuda) features="$features,cuda"; exp_features="cuda" ;;
    *) echo "GPU_CHECK_BACKENDS: unknown backend \`$b\` (wgpu, cuda)" >&2; exit 2 ;;
  esac
done
lib_tests=(conformance fused burn_parity resume)

# Builds the test and benchmark executables and copies them to $1/bin (names without hashes).
build() {
  local bundle="$1" json
  mkdir -p "$bundle/bin"
  json="$(mktemp)"
  echo "== build (features: $features)"
  cargo test -p burn-balanced-adam --features "$features" --no-run --message-format=json \
    $(printf -- '--test %s ' "${lib_tests[@]}") >"$json" || return 1
  cargo bench -p burn-balanced-adam --profile dev --features "$features" --bench step --no-run \
    --message-format=json >>"$json" || return 1
  cargo bench -p bba-experiments --profile dev --features "$exp_features" --bench train \
    --no-run --message-format=json >>"$json" || return 1
  python3 - "$json" "$bundle/bin" <<'PY' || return 1
import json, shutil, sys
wanted = {"conformance", "fused", "burn_parity", "resume", "step", "train"}
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
  rm -f "$json"
  command -v strip >/dev/null && strip "$bundle"/bin/* 2>/dev/null
  du -sh "$bundle/bin"
}

# Runs one step: its output to $out/$1.log, its status and seconds to summary.txt.
step() {
  local name="$1"; shift
  local started=$SECONDS status
  echo "== $name"
  "$@" >"$out/$name.log" 2>&1
  status=$?
  printf '%-28s exit %-3s %4ds\n' "$name" "$status" $((SECONDS - started)) | tee -a "$out/summary.txt"
  tail -n 3 "$out/$name.log"
  return 0
}

run() {
  local bin="$1/bin" b
  mkdir -p "$out"
  {
    echo "commit $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "date   $(date -u +%FT%TZ)"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/gpu    /'
    echo "cpus   $(nproc)"
  } >"$out/machine.txt"
  cat "$out/machine.txt"
  for b in $backends; do
    for t in "${lib_tests[@]}"; do
      step "$b-test-$t" env BBA_TEST_BACKEND="$b" BBA_REQUIRE_WGPU=1 "$bin/$t"
    done
    step "$b-step-bench" env STEP_BENCH_DEVICE="$b" STEP_BENCH_JSON="$out/$b-step.json" \
      "$bin/step" --bench
    step "$b-train-bench" env TRAIN_BENCH_DEVICES="flex,$b" TRAIN_BENCH_JSON="$out/$b-train.json" \
      TRAIN_BENCH_ONLY=quick-cnn,quick-gpt,quick-vit "$bin/train" --bench
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
    [ -d "$2/bin" ] || { echo "$2/bin: no bundle there (build one with \`$0 build $2\`)" >&2; exit 2; }
    out="${3:-gpu-check-$(date -u +%Y%m%dT%H%M%S)}"
    run "$2"
    ;;
  *)
    out="${1:-gpu-check-$(date -u +%Y%m%dT%H%M%S)}"
    bundle="$out/bundle"
    build "$bundle" || { echo "build failed" >&2; exit 1; }
    run "$bundle"
    ;;
esac
