//! The comparison study's definition: workloads, optimizers (each an `[optimizer]` table), one
//! learning-rate grid that every optimizer searches, the search seed and the final seeds, read
//! from one TOML file and validated (every run's config included) before anything trains.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{BetaSetting, ExperimentConfig, OptimizerSpec};
use crate::error::ExperimentError;
use crate::study::workload::{
    ProfileFile, WorkloadFile, check_names, check_seeds, default_artifact_dir, invalid,
    resolve_config,
};
use crate::study::{StudyKind, read_study_file};

/// The study file as written (`configs/study-compare.toml`), less its `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareFile {
    name: String,
    #[serde(default = "default_artifact_dir")]
    artifact_dir: PathBuf,
    baseline: String,
    search_seed: u64,
    seeds: Vec<u64>,
    lrs: Vec<f64>,
    profiles: BTreeMap<String, ProfileFile>,
    optimizers: Vec<OptimizerFile>,
    workloads: Vec<WorkloadFile>,
}

/// One optimizer as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptimizerFile {
    name: String,
    /// The `[optimizer]` table of its runs.
    spec: toml::Table,
    /// DualAdam: the blend lasts this fraction of each run (ξ = 1 / (fraction · updates)).
    switch_fraction: Option<f64>,
    /// Refresh rule (`beta = "refresh"`): the optimizer whose run at the same rate and seed is
    /// the pilot (balanced Adam at the rule's `pilot_beta`).
    pilot: Option<String>,
    /// A fixed rate (one of `lrs`) instead of the search: e.g. a paper's shared rate.
    lr: Option<f64>,
    /// Linear warmup over this fraction of each run (sets `schedule.warmup`; the schedule must
    /// be `warmup_cosine`): e.g. Adam warmed up for as long as DualAdam blends.
    warmup_fraction: Option<f64>,
    /// The optimizer this one's paired differences are taken from (default: the study's
    /// `baseline`), e.g. DualAdam against Adam with the same warmup.
    baseline: Option<String>,
}

/// An optimizer of the study.
#[derive(Debug, Clone)]
pub struct StudyOptimizer {
    /// Its name (a directory under each workload).
    pub name: String,
    /// The pilot optimizer's index, for the refresh rule.
    pub pilot: Option<usize>,
    /// Its fixed rate, when it does not search the grid.
    pub lr: Option<f64>,
    /// The optimizer its paired differences are taken from (index).
    pub baseline: usize,
}

/// A workload, resolved: one config per optimizer (the rate and seed are set per run).
#[derive(Debug, Clone)]
pub struct CompareWorkload {
    /// Its name.
    pub name: String,
    /// Aligned with the study's optimizers.
    pub configs: Vec<ExperimentConfig>,
    /// Relative seconds per update, for balancing shards.
    pub cost_per_update: f64,
}

impl CompareWorkload {
    /// Planned updates of each run.
    pub fn updates(&self) -> u64 {
        self.configs[0].training.length.updates().unwrap_or(0)
    }
}

/// The comparison study, resolved for one profile.
#[derive(Debug, Clone)]
pub struct CompareStudy {
    /// The study's name.
    pub name: String,
    /// The profile it was resolved for.
    pub profile: String,
    /// Where its run directories go: `<artifact_dir>/<name>/<profile>`.
    pub root: PathBuf,
    /// The optimizer the others are compared with (index into `optimizers`).
    pub baseline: usize,
    /// Seed of the learning-rate search.
    pub search_seed: u64,
    /// Seeds of the final runs at each optimizer's chosen rate.
    pub seeds: Vec<u64>,
    /// The learning-rate grid every optimizer searches, ascending.
    pub lrs: Vec<f64>,
    /// The optimizers; pilots come before the refresh rule that reads them.
    pub optimizers: Vec<StudyOptimizer>,
    /// The workloads.
    pub workloads: Vec<CompareWorkload>,
}

impl CompareStudy {
    /// Reads `path` and resolves it for `profile`; every run's config is validated.
    pub fn load(path: &Path, profile: &str) -> Result<Self, ExperimentError> {
        let table = read_study_file(path, StudyKind::Compare)?;
        let file: CompareFile = table.try_into().map_err(|e| invalid(path, e.to_string()))?;
        let bad = |m: String| invalid(path, m);
        let spec = ProfileFile::select(&file.profiles, profile, "betas").map_err(bad)?;
        let scale = spec.length_scale;
        let mut lrs = spec.lrs.clone().unwrap_or(file.lrs.clone());
        lrs.sort_by(f64::total_cmp);
        if lrs.is_empty() || !lrs.iter().all(|l| l.is_finite() && *l > 0.0) {
            return Err(bad(format!("`lrs` = {lrs:?}: at least one rate > 0")));
        }
        if lrs.windows(2).any(|w| w[0] == w[1]) {
            return Err(bad(format!("`lrs` = {lrs:?}: a rate repeats")));
        }
        let seeds = spec.seeds.clone().unwrap_or(file.seeds.clone());
        check_seeds(&seeds).map_err(bad)?;
        check_names(file.optimizers.iter().map(|o| o.name.as_str()), "optimizer").map_err(bad)?;
        check_names(file.workloads.iter().map(|w| w.name.as_str()), "workload").map_err(bad)?;
        let index = |name: &str| file.optimizers.iter().position(|o| o.name == name);
        let baseline = index(&file.baseline).ok_or_else(|| {
            bad(format!(
                "`baseline` = {:?}: no such optimizer",
                file.baseline
            ))
        })?;
        let mut optimizers = Vec::new();
        for (i, o) in file.optimizers.iter().enumerate() {
            let pilot = match &o.pilot {
                None => None,
                Some(p) => match index(p) {
                    Some(j) if j < i => Some(j),
                    _ => {
                        return Err(bad(format!(
                            "optimizer `{}`: pilot `{p}` must be an optimizer listed before it",
                            o.name
                        )));
                    }
                },
            };
            if let Some(f) = o.switch_fraction
                && !(f.is_finite() && f > 0.0 && f <= 1.0)
            {
                return Err(bad(format!(
                    "optimizer `{}`: `switch_fraction` = {f}: must be in (0, 1]",
                    o.name
                )));
            }
            if let Some(lr) = o.lr
                && !lrs.contains(&lr)
            {
                return Err(bad(format!(
                    "optimizer `{}`: `lr` = {lr} is not in this profile's `lrs` {lrs:?}",
                    o.name
                )));
            }
            if let Some(f) = o.warmup_fraction
                && !(f.is_finite() && (0.0..1.0).contains(&f))
            {
                return Err(bad(format!(
                    "optimizer `{}`: `warmup_fraction` = {f}: must be in [0, 1)",
                    o.name
                )));
            }
            let own_baseline = match &o.baseline {
                None => baseline,
                Some(b) => index(b).filter(|&j| j != i).ok_or_else(|| {
                    bad(format!(
                        "optimizer `{}`: `baseline` = {b:?}: must be another optimizer",
                        o.name
                    ))
                })?,
            };
            optimizers.push(StudyOptimizer {
                name: o.name.clone(),
                pilot,
                lr: o.lr,
                baseline: own_baseline,
            });
        }
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut workloads = Vec::new();
        for w in &file.workloads {
            let config_path = base_dir.join(&w.config);
            let base = resolve_config(w, &config_path, scale)?;
            let configs = file
                .optimizers
                .iter()
                .map(|o| optimizer_config(&base, o, &config_path))
                .collect::<Result<Vec<_>, _>>()?;
            workloads.push(CompareWorkload {
                name: w.name.clone(),
                configs,
                cost_per_update: w.cost_per_update,
            });
        }
        for w in &workloads {
            check_pilots(&optimizers, &w.configs).map_err(bad)?;
        }
        if workloads.is_empty() || optimizers.is_empty() {
            return Err(bad(
                "at least one [[workloads]] and one [[optimizers]]".into()
            ));
        }
        Ok(Self {
            root: file.artifact_dir.join(&file.name).join(profile),
            name: file.name,
            profile: profile.to_string(),
            baseline,
            search_seed: file.search_seed,
            seeds,
            lrs,
            optimizers,
            workloads,
        })
    }

    /// The config of one run: workload `w`, optimizer `o`, rate `lr`, `seed` (the refresh
    /// rule's β is filled in by the runner).
    pub fn run_config(&self, w: usize, o: usize, lr: f64, seed: u64) -> ExperimentConfig {
        let mut config = self.workloads[w].configs[o].clone();
        config.seed = seed;
        config.schedule.set_peak_lr(lr);
        config
    }

    /// The rates optimizer `o` runs: its fixed rate, or the whole grid.
    pub fn rates(&self, o: usize) -> Vec<f64> {
        match self.optimizers[o].lr {
            Some(lr) => vec![lr],
            None => self.lrs.clone(),
        }
    }

    /// How many runs optimizer `o` makes on a workload: its rates with the search seed, then its
    /// chosen rate with the other seeds.
    pub fn planned_runs(&self, o: usize) -> usize {
        let others = self
            .seeds
            .iter()
            .filter(|&&s| s != self.search_seed)
            .count();
        self.rates(o).len() + others
    }

    /// Every (rate, seed) a run of optimizer `o` can have: its rates with the search seed and
    /// with each final seed.
    pub fn run_points(&self, o: usize) -> Vec<(f64, u64)> {
        let mut seeds = vec![self.search_seed];
        seeds.extend(self.seeds.iter().filter(|&&s| s != self.search_seed));
        let mut points = Vec::new();
        for lr in self.rates(o) {
            points.extend(seeds.iter().map(|&seed| (lr, seed)));
        }
        points
    }

    /// The run directory of one run.
    pub fn run_dir(&self, w: usize, o: usize, lr: f64, seed: u64) -> PathBuf {
        self.root
            .join(&self.workloads[w].name)
            .join(&self.optimizers[o].name)
            .join(format!("lr={lr},seed={seed}"))
    }
}

/// Each refresh-rule optimizer's pilot must be balanced Adam at the rule's `pilot_beta`.
fn check_pilots(optimizers: &[StudyOptimizer], configs: &[ExperimentConfig]) -> Result<(), String> {
    for (o, config) in optimizers.iter().zip(configs) {
        let (Some(p), OptimizerSpec::BalancedAdam(rule)) = (o.pilot, &config.optimizer.spec) else {
            continue;
        };
        let pilot_beta = match &configs[p].optimizer.spec {
            OptimizerSpec::BalancedAdam(s) => match s.beta {
                BetaSetting::Fixed(b) => Some(b),
                BetaSetting::Refresh => None,
            },
            _ => None,
        };
        if pilot_beta != Some(rule.pilot_beta) {
            return Err(format!(
                "optimizer `{}`: its pilot `{}` must be balanced Adam with beta = {} (the rule's pilot_beta)",
                o.name, optimizers[p].name, rule.pilot_beta
            ));
        }
    }
    Ok(())
}

/// The workload's config with optimizer `o`'s table (DualAdam's ξ from its blend fraction),
/// validated; a refresh-rule optimizer must be balanced Adam with `beta = "refresh"`.
fn optimizer_config(
    base: &ExperimentConfig,
    o: &OptimizerFile,
    config_path: &Path,
) -> Result<ExperimentConfig, ExperimentError> {
    let bad = |m: String| invalid(config_path, format!("optimizer `{}`: {m}", o.name));
    let mut table: toml::Table = base
        .to_toml()
        .parse()
        .expect("a resolved config is valid TOML");
    let mut spec = o.spec.clone();
    let dual = spec.get("kind").and_then(toml::Value::as_str) == Some("dual_adam");
    if o.switch_fraction.is_some() && !dual {
        return Err(bad("`switch_fraction` is DualAdam's".into()));
    }
    if let Some(fraction) = o.switch_fraction {
        let updates = base.training.length.updates().unwrap_or(1) as f64;
        spec.insert(
            "switch_rate".into(),
            toml::Value::Float(1.0 / (fraction * updates)),
        );
    }
    table.insert("optimizer".into(), toml::Value::Table(spec));
    if let Some(fraction) = o.warmup_fraction {
        let updates = base.training.length.updates().unwrap_or(0) as f64;
        let schedule = table
            .get_mut("schedule")
            .and_then(toml::Value::as_table_mut)
            .filter(|t| t.get("kind").and_then(toml::Value::as_str) == Some("warmup_cosine"))
            .ok_or_else(|| bad("`warmup_fraction` needs a `warmup_cosine` schedule".into()))?;
        schedule.insert(
            "warmup".into(),
            toml::Value::Integer((fraction * updates).round() as i64),
        );
    }
    let config = ExperimentConfig::from_table(table, config_path)?;
    let refresh = matches!(
        &config.optimizer.spec,
        OptimizerSpec::BalancedAdam(s) if s.beta == BetaSetting::Refresh
    );
    if refresh != o.pilot.is_some() {
        return Err(bad(
            "`beta = \"refresh\"` and `pilot = \"…\"` go together (the pilot's runs give T_ES)"
                .into(),
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests;
