//! What every study file shares: its workloads (a base experiment config plus dotted-key
//! changes), its budget profiles, seeds and names, read and checked the same way for every kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::overrides::Override;
use crate::config::{ExperimentConfig, RunLength, ScheduleConfig};
use crate::error::ExperimentError;

/// What a training seed changes in a study's runs, from each workload's `(name, data.seed)`:
/// with the data seed fixed every seed sees the same training subset and validation set, and
/// only initialization and batch order vary; without it each seed also draws its own split.
/// A phrase for the reports (the replicates' noise means different things in the two designs).
pub fn seed_changes<'a>(workloads: impl IntoIterator<Item = (&'a str, Option<u64>)>) -> String {
    let (mut fixed, mut free) = (0, Vec::new());
    for (name, data_seed) in workloads {
        match data_seed {
            Some(_) => fixed += 1,
            None => free.push(name),
        }
    }
    if free.is_empty() {
        "seeds change only the initialization and batch order: each workload's data seed is \
         fixed, so every seed sees the same training subset and validation set"
            .into()
    } else if fixed == 0 {
        "seeds change the initialization, the batch order, the training subset and, for images, \
         the validation split"
            .into()
    } else {
        format!(
            "seeds change the initialization and batch order, and on {} (no fixed data seed) \
             also the training subset and, for images, the validation split",
            free.join(", ")
        )
    }
}

/// Where run directories go unless the study file says otherwise.
pub(super) fn default_artifact_dir() -> PathBuf {
    PathBuf::from("runs")
}

fn one() -> f64 {
    1.0
}

/// A budget profile as written: what it changes from the study's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileFile {
    /// Multiplies every run's updates, warmup and evaluation interval (and the refresh study's
    /// R₀ with them, so the rule picks the same β for a proportionally shorter run).
    #[serde(default = "one")]
    pub(super) length_scale: f64,
    /// The refresh study's β grid for this profile.
    pub(super) betas: Option<Vec<f64>>,
    /// The comparison's learning-rate grid for this profile.
    pub(super) lrs: Option<Vec<f64>>,
    /// The seeds for this profile.
    pub(super) seeds: Option<Vec<u64>>,
}

impl ProfileFile {
    /// Profile `name` of `profiles`, its length scale checked; `foreign` names the grid key this
    /// study kind does not have (`lrs` in a refresh study, `betas` in a comparison).
    pub(super) fn select<'a>(
        profiles: &'a BTreeMap<String, ProfileFile>,
        name: &str,
        foreign: &str,
    ) -> Result<&'a ProfileFile, String> {
        let profile = profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
            format!("no profile `{name}`; the file has: {}", known.join(", "))
        })?;
        let scale = profile.length_scale;
        if !(scale.is_finite() && scale > 0.0 && scale <= 1.0) {
            return Err(format!(
                "`profiles.{name}.length_scale` = {scale}: must be in (0, 1]"
            ));
        }
        let grid = match foreign {
            "lrs" => &profile.lrs,
            _ => &profile.betas,
        };
        if grid.is_some() {
            return Err(format!(
                "`profiles.{name}.{foreign}`: this study kind has no `{foreign}` grid"
            ));
        }
        Ok(profile)
    }
}

/// One workload as written: a base experiment config and dotted-key changes to it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkloadFile {
    pub(super) name: String,
    /// Path of the base config, relative to the study file.
    pub(super) config: PathBuf,
    #[serde(default)]
    pub(super) set: toml::Table,
    /// Relative seconds per update (measured), used only to balance shards.
    #[serde(default = "one")]
    pub(super) cost_per_update: f64,
}

/// A study-file error.
pub(super) fn invalid(path: &Path, message: impl Into<String>) -> ExperimentError {
    ExperimentError::Config {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Checks that every name is a non-empty file name (a directory under the study root) and that
/// none repeats; `what` names them in the message.
pub(super) fn check_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!(
                "{what} name {name:?}: must be a non-empty file name"
            ));
        }
        if seen.contains(&name) {
            return Err(format!("{what} `{name}` twice"));
        }
        seen.push(name);
    }
    Ok(())
}

/// Checks a seed list: at least one, none repeated.
pub(super) fn check_seeds(seeds: &[u64]) -> Result<(), String> {
    if seeds.is_empty() {
        return Err("`seeds`: at least one".into());
    }
    let mut distinct = seeds.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != seeds.len() {
        return Err(format!("`seeds` = {seeds:?}: a seed repeats"));
    }
    Ok(())
}

/// A workload's config: the base file, the workload's overrides, the profile's length scale
/// (updates, evaluation interval, warmup) and patience 0 (every run trains its whole length).
pub(super) fn resolve_config(
    w: &WorkloadFile,
    config_path: &Path,
    scale: f64,
) -> Result<ExperimentConfig, ExperimentError> {
    let mut table = ExperimentConfig::read_table(config_path)?;
    for (key, value) in &w.set {
        let change = Override {
            key: key.clone(),
            value: value.clone(),
        };
        change
            .apply(&mut table)
            .map_err(|m| invalid(config_path, format!("workload `{}`: {m}", w.name)))?;
    }
    let mut config = ExperimentConfig::from_table(table, config_path)?;
    let bad = |m: String| invalid(config_path, format!("workload `{}`: {m}", w.name));
    let Some(updates) = config.training.length.updates() else {
        return Err(bad(
            "set `training.updates` (the study scales run lengths)".into()
        ));
    };
    let scaled = |x: u64| ((x as f64 * scale).round() as u64).max(1);
    config.name = w.name.clone();
    config.training.length = RunLength::Updates(scaled(updates));
    config.training.eval_every = scaled(config.training.eval_every);
    // Every grid run trains its whole length: L(β) is the minimum of the full trajectory.
    config.training.patience = 0;
    if let ScheduleConfig::WarmupCosine { warmup, .. } = &mut config.schedule {
        *warmup = (*warmup as f64 * scale).round() as u64;
    }
    config.validate().map_err(bad)?;
    if !(w.cost_per_update.is_finite() && w.cost_per_update > 0.0) {
        return Err(bad(format!(
            "`cost_per_update` = {}: must be > 0",
            w.cost_per_update
        )));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::seed_changes;

    #[test]
    fn what_a_seed_changes_follows_the_data_seeds() {
        let fixed = seed_changes([("a", Some(7)), ("b", Some(7))]);
        assert!(
            fixed.starts_with("seeds change only the initialization"),
            "{fixed}"
        );
        let free = seed_changes([("a", None), ("b", None)]);
        assert!(
            free.contains("the training subset") && !free.contains("only"),
            "{free}"
        );
        let mixed = seed_changes([("w-fixed", Some(7)), ("w-free", None)]);
        assert!(mixed.contains("on w-free (no fixed data seed)"), "{mixed}");
        assert!(!mixed.contains("w-fixed"), "{mixed}");
    }
}
