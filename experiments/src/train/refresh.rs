//! The refresh rule end to end: a pilot run at `pilot_beta` measures T_ES on its validation
//! trajectory, the rule picks β = 1 − R₀/T_ES (snapped to the paper's grid), and the main run
//! trains with that β. Both runs are complete run directories (`pilot/`, `main/`), and the
//! decision is recorded in the parent's `summary.json`.

use burn_balanced_adam::t_es::{TesEstimate, TesEstimator, ValidationPoint};

use super::{RunOptions, run_single};
use crate::artifacts::{RunDir, RunStatus, RunSummary};
use crate::config::{BalancedSpec, BetaSetting, ExperimentConfig, OptimizerSpec, RefreshRule};
use crate::error::ExperimentError;

pub use crate::artifacts::refresh::{RefreshDecision, RefreshSummary};

pub(crate) fn with_beta(
    config: &ExperimentConfig,
    spec: &BalancedSpec,
    beta: f64,
) -> ExperimentConfig {
    let mut config = config.clone();
    config.optimizer.spec = OptimizerSpec::BalancedAdam(BalancedSpec {
        beta: BetaSetting::Fixed(beta),
        ..spec.clone()
    });
    config
}

/// T_ES of a pilot run, by the one convention every use of the rule shares: the rule's own
/// `t_es` estimator (argmin of the validation loss, with its smoothing, patience and rounding)
/// applied to the pilot's recorded validation trajectory. The studies set its patience to 10
/// evaluations. `None` when the trajectory has no finite loss.
pub fn pilot_t_es(pilot: &RunSummary, estimator: &TesEstimator) -> Option<TesEstimate> {
    let points: Vec<ValidationPoint> = pilot
        .trajectory
        .iter()
        .map(|e| ValidationPoint {
            update: e.update,
            loss: e.valid_loss,
        })
        .collect();
    estimator.estimate(&points).ok()
}

/// The rule's decision for a pilot's T_ES (the library's [`RefreshRule::from_estimate`]), in
/// this crate's record layout; a clamped β is also printed as a warning.
pub fn decide(rule: &RefreshRule, t_es: TesEstimate) -> Result<RefreshDecision, ExperimentError> {
    let decided = rule.from_estimate(t_es, 0, t_es.best_update)?;
    // The library's warning, worded with this crate's config key.
    let warning = decided.warning.as_ref().map(|_| {
        format!(
            "R₀ = {} ≥ T_ES = {} updates, so β = 1 − R₀/T_ES ≤ 0 is clamped to 0 (no moment \
             memory: sign-like Adam); lower `optimizer.r0` or train longer if that is not \
             intended",
            rule.r0, t_es.t_es
        )
    });
    if let Some(w) = &warning {
        eprintln!("warning: {w}");
    }
    Ok(RefreshDecision {
        r0: decided.r0,
        pilot_beta: rule.pilot_beta,
        t_es,
        beta_target: decided.beta_target,
        beta: decided.beta,
        memory_horizon: decided.memory_horizon,
        refresh_count: decided.refresh_count,
        warning,
    })
}

/// Runs pilot and main for a `beta = "refresh"` config into `dir`.
pub fn run_refresh(
    config: &ExperimentConfig,
    spec: &BalancedSpec,
    rule: &RefreshRule,
    dir: &RunDir,
    label: &str,
    options: &RunOptions,
) -> Result<RefreshSummary, ExperimentError> {
    std::fs::create_dir_all(&dir.path).map_err(ExperimentError::io(&dir.path))?;
    let pilot_dir = RunDir::new(dir.path.join("pilot"));
    let pilot_config = with_beta(config, spec, rule.pilot_beta);
    let pilot = run_single(
        &pilot_config,
        &pilot_dir,
        &format!("{label}/pilot"),
        options,
    )?;
    if pilot.status != RunStatus::Complete {
        return Err(ExperimentError::Training {
            dir: pilot_dir.path,
            message: format!(
                "the pilot did not complete ({:?}: {}); the refresh rule needs its T_ES",
                pilot.status,
                pilot.message.as_deref().unwrap_or("")
            ),
        });
    }
    let t_es = pilot_t_es(&pilot, &rule.t_es).ok_or_else(|| ExperimentError::Training {
        dir: pilot_dir.path.clone(),
        message: "no T_ES: the pilot's validation trajectory has no finite loss".into(),
    })?;
    let refresh = decide(rule, t_es)?;
    let beta = refresh.beta;
    eprintln!(
        "{label}: pilot T_ES = {} updates → β target {:.5}, β = {beta} (H = {:.1}, refresh count {:.0})",
        t_es.t_es, refresh.beta_target, refresh.memory_horizon, refresh.refresh_count
    );
    let main_dir = RunDir::new(dir.path.join("main"));
    let main = run_single(
        &with_beta(config, spec, beta),
        &main_dir,
        &format!("{label}/main"),
        options,
    )?;
    let summary = RefreshSummary {
        refresh,
        pilot,
        main,
    };
    dir.write_json("summary.json", &summary)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(r0: f64) -> RefreshRule {
        RefreshRule {
            r0,
            pilot_beta: 0.94377,
            snap_to_grid: true,
            t_es: TesEstimator::default(),
        }
    }

    fn at(t_es: u64) -> TesEstimate {
        TesEstimate {
            t_es,
            best_update: t_es,
            best_loss: 1.0,
            stopped_at: None,
        }
    }

    #[test]
    fn the_rule_picks_the_papers_beta_and_warns_when_r0_clamps_it() {
        let d = decide(&rule(1000.0), at(20_000)).unwrap();
        assert_eq!((d.beta_target, d.beta), (0.95, 0.94377));
        assert!(d.warning.is_none());
        // R₀ ≥ T_ES: β would be ≤ 0; it is clamped, and the decision says so.
        let d = decide(&rule(5000.0), at(2000)).unwrap();
        assert_eq!(d.beta_target, 0.0);
        let warning = d.warning.expect("a clamped β is reported");
        assert!(
            warning.contains("clamped") && warning.contains("optimizer.r0"),
            "{warning}"
        );
    }
}
