//! The suites `scripts/gpu-check.sh` runs on a GPU machine (conformance, fused-vs-reference,
//! Burn parity, resume), linked into one executable: each suite alone is a ~80 MB binary, most
//! of it Burn's wgpu stack, and the GPU machine takes a bundle of at most 64 MiB. Built only
//! with the `gpu-check` feature (the suites run on their own in `cargo test`).

// Each suite brings its own copy of the shared helpers (`mod common;`), as it does alone.
#![allow(clippy::duplicate_mod)]

#[path = "burn_parity.rs"]
mod burn_parity;
#[path = "conformance.rs"]
mod conformance;
#[path = "fused.rs"]
mod fused;
#[path = "resume.rs"]
mod resume;
