#!/usr/bin/env bash
# The library as a user gets it: `cargo package` builds the packaged crate on its own (no
# workspace), and a scratch crate outside the repository compiles with the README's install
# lines and its "Use it in a Burn project" calls. Each builds Burn with the library's own
# features, so it takes a while on a small machine; CI runs the cheap half (packaging without
# the build) and this script is the full check.
#
#   bash scripts/check-package.sh        # from anywhere; exits non-zero on the first failure
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
started=$(date +%s)

if [ "${SKIP_PACKAGE:-0}" != 1 ]; then
  echo "== cargo package -p burn-balanced-adam (builds the packaged crate alone)"
  (cd "$repo" && cargo package -p burn-balanced-adam --allow-dirty)
fi

echo "== the README's install snippet in a scratch crate outside the repository"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src"
cat > "$scratch/Cargo.toml" <<TOML
[package]
name = "install-check"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
burn = { version = "0.22", features = ["flex", "train"] }
burn-balanced-adam = { path = "$repo/burn-balanced-adam" }
TOML
cat > "$scratch/src/main.rs" <<'RUST'
// The README's calls, with a model so they compile as written.
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use burn_balanced_adam::{
    AnyOptimizerConfig, BalancedAdamConfig, DualAdamConfig, FAdamConfig, FusedAdamWConfig,
    refresh,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    let mut model: Linear = LinearConfig::new(4, 2).init(&device);
    let mut optim = BalancedAdamConfig::new().with_beta(0.94377).try_init()?;
    let _ = DualAdamConfig::new().with_switch_rate(8e-5).try_init()?;
    let _ = FAdamConfig::new().try_init_no_decay(&model)?;
    let _ = FusedAdamWConfig::new().with_weight_decay(0.01).try_init()?;
    let named: AnyOptimizerConfig = toml::from_str("kind = \"fadam\"")?;
    let _ = named.try_init()?;
    // The README's custom training loop, one step.
    let before = model.weight.val().into_data();
    let loss = model.forward(Tensor::<2>::ones([3, 4], &device)).sum();
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    model = optim.step(1e-3, model, grads);
    assert_ne!(model.weight.val().into_data(), before, "the step moved nothing");
    let beta = refresh::refresh_beta(20_000.0, refresh::DEFAULT_R0)?;
    assert!((beta - 0.94377).abs() < 1e-5);
    println!("install check: ok (β = {beta})");
    Ok(())
}
RUST
cat >> "$scratch/Cargo.toml" <<TOML
toml = "1"
TOML
# burn-train 0.22.1 does not compile against systemstat 0.2.8 (released after it: a `RefCell`
# made its platform type non-`Sync`); a fresh project must pin 0.2.7, as the README says.
(cd "$scratch" && cargo generate-lockfile -q && cargo update -q -p systemstat --precise 0.2.7)
(cd "$scratch" && CARGO_TARGET_DIR="$repo/target/install-check" cargo run -q)
echo "== done in $(( $(date +%s) - started )) s"
