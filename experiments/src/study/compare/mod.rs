//! The optimizer comparison study (`experiments study compare`): every optimizer searches the
//! same learning-rate grid on each workload, then runs its chosen rate with several seeds.
//!
//! [`definition`] (study file) → [`runner`] (a shard's runs, resumable) → [`analysis`] (arms,
//! paired differences from the baseline) → [`report`] (Markdown, offline HTML, curves, JSON).
//! Sharding, merging and exporting are the refresh study's (`study merge | export`).

pub mod analysis;
pub mod definition;
pub mod report;
pub mod runner;
