//! The refresh rule's records in a run directory: the decision (T_ES, R₀, target and chosen β,
//! horizon, refresh count) and the parent `summary.json` of a pilot + main run. Readers (the
//! reports, the dashboard) find them here; `train::refresh` writes them.

use burn_balanced_adam::t_es::TesEstimate;
use serde::{Deserialize, Serialize};

use super::RunSummary;

/// The rule's decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshDecision {
    /// R₀, the refresh count aimed at.
    pub r0: f64,
    /// β of the pilot.
    pub pilot_beta: f64,
    /// T_ES read off the pilot's validation trajectory.
    pub t_es: TesEstimate,
    /// 1 − R₀/T_ES (clamped at 0).
    pub beta_target: f64,
    /// The β the main run used (the target snapped to the grid, unless snapping is off).
    pub beta: f64,
    /// Memory horizon 1/(1−β) of the chosen β.
    pub memory_horizon: f64,
    /// Refresh count (1−β)·T_ES of the chosen β.
    pub refresh_count: f64,
    /// Why the decision deserves a look (R₀ ≥ T_ES clamps β to 0), printed when it is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// `summary.json` of a refresh-rule run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshSummary {
    /// The decision.
    pub refresh: RefreshDecision,
    /// The pilot run's summary.
    pub pilot: RunSummary,
    /// The main run's summary.
    pub main: RunSummary,
}
