//! The surge study's analysis: from runs over a batch-size × learning-rate grid, the updates
//! each run needs to reach a target training loss, the optimal learning rate per batch size, and
//! the library's fits (`burn_balanced_adam::surge`: B_noise by eq. 22, ε_max by eq. 23, and the
//! α = ½ law of eq. 24 for comparison), once per target loss.

use burn_balanced_adam::surge::{
    NoiseScaleFit, fit_eps_max, fit_noise_scale, fit_power_law_eps_max,
};
use serde::Serialize;

mod plot;
pub mod report;

pub use plot::plot_surge;

/// One run of the grid: its batch size, (constant) learning rate and training-loss curve.
#[derive(Debug, Clone)]
pub struct SurgeRun {
    /// Examples per update.
    pub batch: f64,
    /// Learning rate.
    pub lr: f64,
    /// `(update, training loss)` at each evaluation, in update order.
    pub curve: Vec<(u64, f64)>,
}

/// The updates a run needs to reach `target`: the first evaluation at or below it.
pub fn steps_to_target(curve: &[(u64, f64)], target: f64) -> Option<u64> {
    curve
        .iter()
        .find(|(_, loss)| loss.is_finite() && *loss <= target)
        .map(|(update, _)| *update)
}

/// The optimum at one batch size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Optimum {
    /// Batch size.
    pub batch: f64,
    /// The learning rate that reached the target in the fewest updates (ties: the smaller).
    pub lr: f64,
    /// Those updates.
    pub steps: u64,
}

/// Everything fitted for one target loss.
#[derive(Debug, Clone, Serialize)]
pub struct TargetFit {
    /// The target training loss.
    pub target: f64,
    /// Per batch size that reached the target with some learning rate, ascending.
    pub optima: Vec<Optimum>,
    /// B_noise, S_min, E_min and R² of eq. 22 (`None` with `error` when the data do not fit).
    pub noise_scale: Option<(f64, f64, f64, f64)>,
    /// ε_max of eq. 23 (the surge law).
    pub eps_max: Option<f64>,
    /// ε_max of the α = ½ power law (eq. 24), for the overlay.
    pub power_law_eps_max: Option<f64>,
    /// Why a fit is missing.
    pub error: Option<String>,
}

/// The optimal learning rate per batch size for `target`, and the fits through them.
pub fn fit_target(runs: &[SurgeRun], target: f64) -> TargetFit {
    let mut batches: Vec<f64> = runs.iter().map(|r| r.batch).collect();
    batches.sort_by(f64::total_cmp);
    batches.dedup();
    let optima: Vec<Optimum> = batches
        .iter()
        .filter_map(|&batch| {
            runs.iter()
                .filter(|r| r.batch == batch)
                .filter_map(|r| Some((steps_to_target(&r.curve, target)?, r.lr)))
                .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
                .map(|(steps, lr)| Optimum { batch, lr, steps })
        })
        .collect();
    let pairs: Vec<(f64, f64)> = optima.iter().map(|o| (o.batch, o.steps as f64)).collect();
    let mut fit = TargetFit {
        target,
        optima,
        noise_scale: None,
        eps_max: None,
        power_law_eps_max: None,
        error: None,
    };
    match fit_noise_scale(&pairs) {
        Ok(NoiseScaleFit {
            b_noise,
            s_min,
            e_min,
            r_squared,
        }) => {
            let lrs: Vec<(f64, f64)> = fit.optima.iter().map(|o| (o.batch, o.lr)).collect();
            fit.noise_scale = Some((b_noise, s_min, e_min, r_squared));
            fit.eps_max = fit_eps_max(&lrs, b_noise).ok();
            fit.power_law_eps_max = fit_power_law_eps_max(&lrs, b_noise, 0.5).ok();
        }
        Err(err) => fit.error = Some(err.to_string()),
    }
    fit
}

#[cfg(test)]
mod tests {
    use burn_balanced_adam::surge::surge_lr;

    use super::*;

    /// A synthetic grid whose runs reach `target` after `S_min (1 + B_noise/B)` updates at the
    /// surge-optimal rate and more the further the rate is from it; the loss falls linearly.
    fn synthetic(b_noise: f64, eps_max: f64, s_min: f64) -> Vec<SurgeRun> {
        let mut runs = Vec::new();
        for k in 0..7 {
            let batch = 16.0 * 2f64.powi(k);
            let best = surge_lr(batch, b_noise, eps_max);
            for j in -12..=12 {
                let lr = 1e-3 * 2f64.powf(j as f64 / 4.0);
                let off = (lr / best).log2();
                let steps = s_min * (1.0 + b_noise / batch) * (1.0 + 0.5 * off * off);
                // Loss 2 at update 0, 1 (the target) at `steps`, floored at 0.5; evaluated
                // every 5 updates.
                let curve = (0..4000u64)
                    .step_by(5)
                    .map(|u| (u, (2.0 - u as f64 / steps).max(0.5)))
                    .collect();
                runs.push(SurgeRun { batch, lr, curve });
            }
        }
        runs
    }

    #[test]
    fn steps_to_target_is_the_first_evaluation_at_or_below_it() {
        let curve = [(0, 3.0), (10, f64::NAN), (20, 1.0), (30, 0.5)];
        assert_eq!(steps_to_target(&curve, 1.0), Some(20));
        assert_eq!(steps_to_target(&curve, 0.1), None);
    }

    #[test]
    fn a_known_surge_law_is_recovered_from_the_grid() {
        let (b_noise, eps_max) = (128.0, 1e-3);
        let fit = fit_target(&synthetic(b_noise, eps_max, 200.0), 1.0);
        assert_eq!(fit.optima.len(), 7, "{fit:?}");
        // The optimal rate rises, peaks near B_noise and falls.
        let peak = fit
            .optima
            .iter()
            .max_by(|a, b| a.lr.total_cmp(&b.lr))
            .unwrap();
        assert!((64.0..=256.0).contains(&peak.batch), "{fit:?}");
        let (fitted, ..) = fit.noise_scale.expect("a noise scale");
        assert!((fitted / b_noise - 1.0).abs() < 0.15, "{fit:?}");
        let eps = fit.eps_max.unwrap();
        assert!((eps / eps_max - 1.0).abs() < 0.15, "{fit:?}");
        assert!(fit.power_law_eps_max.is_some() && fit.error.is_none());
    }

    #[test]
    fn the_heat_map_draws_every_run_and_both_fitted_laws() {
        let runs = synthetic(128.0, 1e-3, 200.0);
        let fits = [fit_target(&runs, 1.0), fit_target(&runs, 0.25)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("surge.svg");
        plot_surge(&runs, &fits, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.matches("<rect").count() >= runs.len());
        // eq. 13 and eq. 24 for the fitted target; nothing for the unreached one.
        assert!(svg.matches("<polyline").count() >= 2, "fitted curves drawn");
    }

    #[test]
    fn an_unreached_target_is_reported_not_fitted() {
        let fit = fit_target(&synthetic(128.0, 1e-3, 200.0), 0.25);
        assert!(fit.optima.is_empty() && fit.noise_scale.is_none());
        assert!(fit.error.unwrap().contains("at least 2 points"));
    }
}
