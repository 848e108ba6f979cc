//! The finished runs a study reads back from its tree, each checked against the study's
//! definition: a run directory whose recorded config is not the one the study would have run
//! there (merged in from elsewhere, or left by an older definition) is refused by name.

use std::path::Path;

use crate::artifacts::{RunDir, RunSummary};
use crate::config::{BetaSetting, ExperimentConfig, OptimizerSpec};
use crate::error::ExperimentError;

/// A finished run's summary (complete or diverged), if `dir` has one; its recorded config must
/// be `expected` ([`check_member`]).
pub fn finished_run(
    dir: &Path,
    expected: &ExperimentConfig,
) -> Result<Option<RunSummary>, ExperimentError> {
    let run = RunDir::new(dir);
    if !run.summary_path().is_file() {
        return Ok(None);
    }
    let summary = run.read_summary()?;
    if !summary.status.is_finished() {
        return Ok(None);
    }
    check_member(dir, expected)?;
    Ok(Some(summary))
}

/// Checks that the run in `dir` recorded `expected` as its config. Where the run trained
/// (`device`, `devices`, `artifact_dir`) does not matter, and a refresh-rule run records the β
/// the rule chose.
pub fn check_member(dir: &Path, expected: &ExperimentConfig) -> Result<(), ExperimentError> {
    let path = RunDir::new(dir).config_path();
    let refuse = |message: String| ExperimentError::RunDir {
        dir: dir.to_path_buf(),
        message,
    };
    if !path.is_file() {
        return Err(refuse(
            "no config.toml: a run the study cannot check (remove it or rerun it)".into(),
        ));
    }
    let recorded = ExperimentConfig::from_table(ExperimentConfig::read_table(&path)?, &path)?;
    match first_difference(expected, &recorded) {
        None => Ok(()),
        Some((want, got)) => Err(refuse(format!(
            "does not belong to this study: the study runs `{want}` here, the run recorded \
             `{got}` (move it out of the study tree, or fix the study file)"
        ))),
    }
}

/// The first line where the two configs differ (expected, recorded), ignoring where they ran.
fn first_difference(
    expected: &ExperimentConfig,
    recorded: &ExperimentConfig,
) -> Option<(String, String)> {
    let mut expected = expected.clone();
    let mut recorded = recorded.clone();
    for c in [&mut expected, &mut recorded] {
        c.device = crate::device::DeviceName::FLEX;
        c.devices.clear();
        c.artifact_dir = Default::default();
    }
    if let (OptimizerSpec::BalancedAdam(want), OptimizerSpec::BalancedAdam(got)) =
        (&mut expected.optimizer.spec, &recorded.optimizer.spec)
        && want.beta == BetaSetting::Refresh
    {
        want.beta = got.beta;
    }
    let (a, b) = (expected.to_toml(), recorded.to_toml());
    if a == b {
        return None;
    }
    let mut section = String::new();
    for (x, y) in a.lines().zip(b.lines()) {
        if x.starts_with('[') {
            section = format!("{} ", x);
        }
        if x != y {
            return Some((format!("{section}{x}"), format!("{section}{y}")));
        }
    }
    let (x, y) = (a.lines().count(), b.lines().count());
    Some((format!("{x} lines"), format!("{y} lines")))
}
