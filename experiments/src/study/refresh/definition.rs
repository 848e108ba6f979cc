//! The refresh study's definition: workloads (experiment configs plus overrides), the β grid,
//! seeds, the analysis settings and the budget profiles, read from one TOML file and fully
//! validated (every run's config included) before anything trains.

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

/// The study file as written (`configs/study-refresh.toml`), less its `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyFile {
    name: String,
    #[serde(default = "default_artifact_dir")]
    artifact_dir: PathBuf,
    r0: f64,
    pilot_beta: f64,
    #[serde(default)]
    pilot_patience: usize,
    betas: Vec<f64>,
    seeds: Vec<u64>,
    #[serde(default = "default_window")]
    seed_window: usize,
    #[serde(default)]
    rule_lrs: Vec<f64>,
    #[serde(default)]
    retuned_lrs: BTreeMap<String, f64>,
    r0_sweep: Vec<f64>,
    noise_sigmas: Vec<f64>,
    #[serde(default = "default_draws")]
    noise_draws: usize,
    profiles: BTreeMap<String, ProfileFile>,
    workloads: Vec<WorkloadFile>,
}

fn default_window() -> usize {
    3
}
fn default_draws() -> usize {
    1000
}

/// A workload, resolved: the config every one of its runs starts from.
#[derive(Debug, Clone)]
pub struct RefreshWorkload {
    /// Its name (a directory under the study root).
    pub name: String,
    /// The config with the overrides and the profile's scaling applied (β and seed are set per run).
    pub config: ExperimentConfig,
    /// Relative seconds per update, for balancing shards.
    pub cost_per_update: f64,
}

impl RefreshWorkload {
    /// Relative cost of one run: updates × cost per update.
    pub fn cost(&self) -> u64 {
        crate::study::shard::cost(self.updates(), self.cost_per_update, 1)
    }

    /// Planned updates of each run.
    pub fn updates(&self) -> u64 {
        self.config.training.length.updates().unwrap_or(0)
    }
}

/// The study, resolved for one profile.
#[derive(Debug, Clone)]
pub struct RefreshStudy {
    /// The study's name.
    pub name: String,
    /// The profile it was resolved for.
    pub profile: String,
    /// Where its run directories go: `<artifact_dir>/<name>/<profile>`.
    pub root: PathBuf,
    /// The profile's length scale.
    pub length_scale: f64,
    /// R₀ of the rule, scaled with the run lengths.
    pub r0: f64,
    /// β of the pilot (one of `betas`): its first-seed run's trajectory gives T_ES.
    pub pilot_beta: f64,
    /// Early-stopping patience (evaluations) of the T_ES estimate on the pilot trajectory.
    pub pilot_patience: usize,
    /// The β grid, ascending.
    pub betas: Vec<f64>,
    /// Seeds: the first for every grid point, the others near the optimum.
    pub seeds: Vec<u64>,
    /// How many of the first seed's best β values get the other seeds.
    pub seed_window: usize,
    /// The rate check: learning rates at which the rule's β is also trained with the first seed
    /// (a workload's own rate is its grid run), so a rate tuned at the pilot's β can be re-tuned
    /// at the rule's. Empty: no rate check.
    pub rule_lrs: Vec<f64>,
    /// Per model family (`cnn`, `vit`, `gpt`): the rate the rate check chose at the rule's β
    /// where it differs from the family's rate; the rule's β and the pilot's train at it with
    /// every seed, so both comparisons are reported at both rates.
    pub retuned_lrs: BTreeMap<String, f64>,
    /// R₀ values of the sensitivity analysis, scaled with the run lengths.
    pub r0_sweep: Vec<f64>,
    /// Relative standard deviations of the T_ES perturbation.
    pub noise_sigmas: Vec<f64>,
    /// Draws per σ.
    pub noise_draws: usize,
    /// The workloads.
    pub workloads: Vec<RefreshWorkload>,
}

impl RefreshStudy {
    /// Reads `path` (a study file of kind `refresh`) and resolves it for `profile`; every
    /// workload's config is validated.
    pub fn load(path: &Path, profile: &str) -> Result<Self, ExperimentError> {
        let table = read_study_file(path, StudyKind::Refresh)?;
        let file: StudyFile = table.try_into().map_err(|e| invalid(path, e.to_string()))?;
        let spec =
            ProfileFile::select(&file.profiles, profile, "lrs").map_err(|m| invalid(path, m))?;
        let scale = spec.length_scale;
        let mut betas = spec.betas.clone().unwrap_or(file.betas.clone());
        betas.sort_by(f64::total_cmp);
        let seeds = spec.seeds.clone().unwrap_or(file.seeds.clone());
        let study = Self {
            root: file.artifact_dir.join(&file.name).join(profile),
            name: file.name,
            profile: profile.to_string(),
            length_scale: scale,
            r0: file.r0 * scale,
            pilot_beta: file.pilot_beta,
            pilot_patience: file.pilot_patience,
            betas,
            seeds,
            seed_window: file.seed_window,
            rule_lrs: file.rule_lrs,
            retuned_lrs: file.retuned_lrs,
            r0_sweep: file.r0_sweep.iter().map(|r| r * scale).collect(),
            noise_sigmas: file.noise_sigmas,
            noise_draws: file.noise_draws,
            workloads: Vec::new(),
        };
        study.check().map_err(|m| invalid(path, m))?;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut workloads = Vec::new();
        check_names(file.workloads.iter().map(|w| w.name.as_str()), "workload")
            .map_err(|m| invalid(path, m))?;
        for w in &file.workloads {
            workloads.push(resolve_workload(w, &base_dir.join(&w.config), scale)?);
        }
        if workloads.is_empty() {
            return Err(invalid(path, "no [[workloads]]"));
        }
        Ok(Self { workloads, ..study })
    }

    fn check(&self) -> Result<(), String> {
        let beta_ok = |b: f64| b.is_finite() && (0.0..1.0).contains(&b);
        if self.betas.len() < 2 || !self.betas.iter().all(|&b| beta_ok(b)) {
            return Err(format!(
                "`betas` = {:?}: at least two values in [0, 1)",
                self.betas
            ));
        }
        if self.betas.windows(2).any(|w| w[0] == w[1]) {
            return Err(format!("`betas` = {:?}: a value repeats", self.betas));
        }
        if !self.betas.contains(&self.pilot_beta) {
            return Err(format!(
                "`pilot_beta` = {}: must be one of `betas` (its run is the pilot)",
                self.pilot_beta
            ));
        }
        check_seeds(&self.seeds)?;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        for (family, &lr) in &self.retuned_lrs {
            if !["cnn", "vit", "gpt"].contains(&family.as_str()) || !self.rule_lrs.contains(&lr) {
                return Err(format!(
                    "`retuned_lrs.{family}` = {lr}: a model family (cnn, vit, gpt) and one of \
                     `rule_lrs` (the rate check chose it)"
                ));
            }
        }
        let mut rates = self.rule_lrs.clone();
        rates.sort_by(f64::total_cmp);
        if !rates.iter().all(|&r| positive(r)) || rates.windows(2).any(|w| w[0] == w[1]) {
            return Err(format!(
                "`rule_lrs` = {:?}: rates > 0, none repeated",
                self.rule_lrs
            ));
        }
        if !(positive(self.r0) && self.r0_sweep.iter().all(|&r| positive(r))) {
            return Err("`r0` and `r0_sweep`: finite numbers > 0".into());
        }
        if !self.noise_sigmas.iter().all(|&s| positive(s)) || self.noise_draws == 0 {
            return Err("`noise_sigmas` > 0 and `noise_draws` ≥ 1".into());
        }
        Ok(())
    }

    /// The config of one run: the workload's, with `β` and `seed`.
    pub fn run_config(&self, workload: &RefreshWorkload, beta: f64, seed: u64) -> ExperimentConfig {
        let mut config = workload.config.clone();
        config.seed = seed;
        if let OptimizerSpec::BalancedAdam(spec) = &mut config.optimizer.spec {
            spec.beta = BetaSetting::Fixed(beta);
        }
        config
    }

    /// The run directory of one run.
    pub fn run_dir(&self, workload: &str, beta: f64, seed: u64) -> PathBuf {
        self.root
            .join(workload)
            .join(format!("beta={beta},seed={seed}"))
    }

    /// The rate check's rates for `workload`: `rule_lrs` less the workload's own rate.
    pub fn rate_check_lrs(&self, workload: &RefreshWorkload) -> Vec<f64> {
        let own = workload.config.schedule.peak_lr();
        self.rule_lrs
            .iter()
            .copied()
            .filter(|&r| r != own)
            .collect()
    }

    /// The rate `workload`'s family was re-tuned to at the rule's β, if it differs from the
    /// workload's own rate.
    pub fn retuned_lr(&self, workload: &RefreshWorkload) -> Option<f64> {
        let lr = *self.retuned_lrs.get(workload.config.model.kind())?;
        (lr != workload.config.schedule.peak_lr()).then_some(lr)
    }

    /// The runs at other rates once the rule's β is known, as `(β, lr, seed)`: the rate check
    /// (the rule's β at every `rule_lrs` rate, first seed), then at a re-tuned rate the rule's
    /// and the pilot's β with every seed (each run once).
    pub fn rate_points(&self, workload: &RefreshWorkload, rule: f64) -> Vec<(f64, f64, u64)> {
        let first = self.seeds[0];
        let mut points: Vec<(f64, f64, u64)> = self
            .rate_check_lrs(workload)
            .into_iter()
            .map(|lr| (rule, lr, first))
            .collect();
        if let Some(lr) = self.retuned_lr(workload) {
            let mut betas = vec![rule, self.pilot_beta];
            betas.dedup();
            for beta in betas {
                for &seed in &self.seeds {
                    if !points.contains(&(beta, lr, seed)) {
                        points.push((beta, lr, seed));
                    }
                }
            }
        }
        points
    }

    /// The config of a rate-check run: [`Self::run_config`] at peak rate `lr` (the schedule's
    /// shape kept, as the rate study's runs do).
    pub fn rate_run_config(
        &self,
        workload: &RefreshWorkload,
        beta: f64,
        lr: f64,
        seed: u64,
    ) -> ExperimentConfig {
        let mut config = self.run_config(workload, beta, seed);
        config.schedule.set_peak_lr(lr);
        config
    }

    /// The run directory of a rate-check run.
    pub fn rate_run_dir(&self, workload: &str, beta: f64, lr: f64, seed: u64) -> PathBuf {
        self.root
            .join(workload)
            .join(format!("lr={lr},beta={beta},seed={seed}"))
    }
}

/// Base config + overrides + length scaling, checked.
fn resolve_workload(
    w: &WorkloadFile,
    config_path: &Path,
    scale: f64,
) -> Result<RefreshWorkload, ExperimentError> {
    let config = resolve_config(w, config_path, scale)?;
    let bad = |m: String| invalid(config_path, format!("workload `{}`: {m}", w.name));
    if !matches!(config.optimizer.spec, OptimizerSpec::BalancedAdam(_)) {
        return Err(bad("the optimizer must be balanced_adam".into()));
    }
    Ok(RefreshWorkload {
        name: w.name.clone(),
        config,
        cost_per_update: w.cost_per_update,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::study::refresh::analysis::rule_beta;

    fn repo_study(profile: &str) -> RefreshStudy {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-refresh.toml");
        RefreshStudy::load(&path, profile).expect("the committed study loads")
    }

    #[test]
    fn the_committed_study_can_tell_the_rule_from_a_fixed_beta() {
        let study = repo_study("full");
        assert!(study.workloads.len() >= 8);
        let kinds: BTreeSet<&str> = study
            .workloads
            .iter()
            .map(|w| w.config.model.kind())
            .collect();
        assert_eq!(kinds.len(), 3, "CNN, ViT and GPT");
        let lengths: Vec<u64> = study
            .workloads
            .iter()
            .map(RefreshWorkload::updates)
            .collect();
        let (lo, hi) = (lengths.iter().min().unwrap(), lengths.iter().max().unwrap());
        assert!(*hi >= 10 * lo, "run lengths {lengths:?} must span 10×");
        // If T_ES tracks the run length, the rule must pick several different β.
        let picks: BTreeSet<u64> = lengths
            .iter()
            .map(|&t| rule_beta(t as f64, study.r0, &study.betas).to_bits())
            .collect();
        assert!(picks.len() >= 4, "{picks:?}");
        assert!(study.betas.len() >= 9 && study.betas.contains(&0.999));
        assert_eq!(study.root, Path::new("runs/study-refresh/full"));
    }

    #[test]
    fn the_small_profile_scales_lengths_and_r0_together() {
        let (full, small) = (repo_study("full"), repo_study("small"));
        assert_eq!(small.r0, full.r0 * 0.1);
        for (f, s) in full.workloads.iter().zip(&small.workloads) {
            assert_eq!(s.updates(), (f.updates() as f64 * 0.1).round() as u64);
            let rule = |st: &RefreshStudy, w: &RefreshWorkload| {
                rule_beta(w.updates() as f64, st.r0, &full.betas)
            };
            assert_eq!(rule(&small, s), rule(&full, f), "{}", f.name);
        }
        assert_eq!(small.seeds.len(), 1);
    }

    fn load_variant(edit: impl Fn(&str) -> String) -> Result<RefreshStudy, String> {
        let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs");
        let text = std::fs::read_to_string(configs.join("study-refresh.toml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("study.toml");
        let text = edit(&text).replace(
            "config = \"study/",
            &format!("config = \"{}/study/", configs.display()),
        );
        std::fs::write(&path, text).unwrap();
        RefreshStudy::load(&path, "full").map_err(|e| e.to_string())
    }

    #[test]
    fn bad_study_files_are_errors_that_name_the_problem() {
        assert!(load_variant(|t| t.to_string()).is_ok());
        let cases: [(&str, &str, &str); 10] = [
            ("seeds = [42, 43]", "seeds = [42, 42]", "a seed repeats"),
            (
                "name = \"cnn-mnist-1.5k\"",
                "name = \"../escape\"",
                "file name",
            ),
            ("pilot_beta = 0.94377", "pilot_beta = 0.95", "pilot_beta"),
            (
                "seed_window = 3",
                "seed_window = 3\nspeed = 2",
                "unknown field `speed`",
            ),
            ("seeds = [42, 43]", "seeds = []", "seeds"),
            (
                "seed_window = 3",
                "seed_window = 3\nrule_lrs = [0.01, 0.01]",
                "rule_lrs",
            ),
            (
                "seed_window = 3",
                "seed_window = 3\nrule_lrs = [0.01]\nretuned_lrs = { vit = 0.1 }",
                "`retuned_lrs.vit` = 0.1",
            ),
            (
                "seed_window = 3",
                "seed_window = 3\nrule_lrs = [0.01]\nretuned_lrs = { mlp = 0.01 }",
                "a model family",
            ),
            (
                "\"training.updates\" = 1500,",
                "\"training.epochs\" = 2, \"training.updates\" = 1500,",
                "training.updates/epochs",
            ),
            (
                "config = \"study/cnn-mnist.toml\"\nset = { \"data",
                "config = \"study/cnn-mnist.toml\"\nset = { \"optimizer\" = { kind = \"fadam\" }, \"data",
                "balanced_adam",
            ),
        ];
        for (from, to, expect) in cases {
            let err = load_variant(|t| t.replacen(from, to, 1)).expect_err(to);
            assert!(err.contains(expect), "{to}: {err}");
        }
    }
}
