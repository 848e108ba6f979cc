//! The surge law: how the optimal learning rate of Adam-style optimizers depends on the batch
//! size ("Surge Phenomenon in Optimal Learning Rate and Batch Size Scaling", arXiv 2405.14578;
//! equations numbered as in the paper, see `docs/algorithms.md` §4 in the repository).
//!
//! The optimum rises like √B for small batches, peaks at the noise scale `B_noise` and falls
//! beyond it (eq. 13), unlike SGD's saturating law (eq. 1) and the older α = ½ power law
//! (eq. 24). `B_noise` comes from the steps and examples needed to reach a target loss (eq. 22),
//! and `ε_max` from the measured optima (eq. 23).
//!
//! ```
//! use burn_balanced_adam::surge::{fit_eps_max, fit_noise_scale, surge_lr};
//!
//! // Steps to a target loss follow S = S_min·(1 + B_noise/B), here B_noise = 256, S_min = 1000.
//! let runs: Vec<(f64, f64)> =
//!     [32.0, 64.0, 128.0, 512.0, 2048.0].iter().map(|&b| (b, 1000.0 * (1.0 + 256.0 / b))).collect();
//! let fit = fit_noise_scale(&runs)?;
//! assert!((fit.b_noise - 256.0).abs() < 1e-6);
//! // Optimal rates from an LR search at each batch size → ε_max, and the curve's peak.
//! let optima: Vec<(f64, f64)> = [32.0, 256.0, 2048.0].iter().map(|&b| (b, surge_lr(b, 256.0, 3e-3))).collect();
//! let eps_max = fit_eps_max(&optima, fit.b_noise)?;
//! assert!((eps_max - 3e-3).abs() < 1e-12);
//! assert_eq!(surge_lr(256.0, 256.0, eps_max), eps_max);
//! # Ok::<(), burn_balanced_adam::SurgeError>(())
//! ```

use crate::error::SurgeError;

/// Eq. 13, Adam-style (sign-like) optimizers: `ε_opt(B) = 2 ε_max √(B·B_noise) / (B + B_noise)`,
/// at most `ε_max`, reached at `B = B_noise`.
pub fn surge_lr(batch: f64, b_noise: f64, eps_max: f64) -> f64 {
    2.0 * eps_max * (batch * b_noise).sqrt() / (batch + b_noise)
}

/// Eq. 1, SGD: `ε_opt(B) = ε_max / (1 + B_noise/B)`, rising to `ε_max` and never falling.
pub fn sgd_lr(batch: f64, b_noise: f64, eps_max: f64) -> f64 {
    eps_max / (1.0 + b_noise / batch)
}

/// Eq. 24, the older Adam law: `ε_opt(B) = ε_max / (1 + B_noise/B)^α` (α = ½ in the paper).
pub fn power_law_lr(batch: f64, b_noise: f64, eps_max: f64, alpha: f64) -> f64 {
    eps_max / (1.0 + b_noise / batch).powf(alpha)
}

/// The fit of eq. 22.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseScaleFit {
    /// The gradient noise scale, in examples: `−slope`.
    pub b_noise: f64,
    /// Fewest steps to the target (infinitely large batches): `1/intercept`.
    pub s_min: f64,
    /// Fewest examples to the target (tiny batches): `B_noise · S_min`.
    pub e_min: f64,
    /// Coefficient of determination of the line `1/S` on `1/E`.
    pub r_squared: f64,
}

fn check(index: usize, name: &'static str, value: f64) -> Result<f64, SurgeError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(SurgeError::BadPoint { index, name, value })
    }
}

/// Eq. 22: from `(batch size B, steps S to a fixed target loss)` pairs, least squares of the line
/// `1/S = −B_noise·(1/E) + 1/S_min` with `E = B·S` examples.
///
/// Needs two distinct batch sizes; errors if the line does not fall (no noise scale in the data).
pub fn fit_noise_scale(runs: &[(f64, f64)]) -> Result<NoiseScaleFit, SurgeError> {
    let mut xs = Vec::with_capacity(runs.len());
    let mut ys = Vec::with_capacity(runs.len());
    for (i, &(batch, steps)) in runs.iter().enumerate() {
        let (b, s) = (check(i, "batch", batch)?, check(i, "steps", steps)?);
        xs.push(1.0 / (b * s));
        ys.push(1.0 / s);
    }
    let distinct = {
        let mut b: Vec<f64> = runs.iter().map(|r| r.0).collect();
        b.sort_by(f64::total_cmp);
        b.dedup();
        b.len()
    };
    if distinct < 2 {
        return Err(SurgeError::TooFewPoints {
            fit: "noise-scale",
            needed: 2,
            got: distinct,
        });
    }
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my) * (y - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    if !(slope < 0.0 && intercept > 0.0) {
        return Err(SurgeError::NoNoiseScale { slope, intercept });
    }
    let b_noise = -slope;
    let s_min = 1.0 / intercept;
    let r_squared = if syy > 0.0 {
        sxy * sxy / (sxx * syy)
    } else {
        1.0
    };
    Ok(NoiseScaleFit {
        b_noise,
        s_min,
        e_min: b_noise * s_min,
        r_squared,
    })
}

fn mean_over_optima(
    optima: &[(f64, f64)],
    b_noise: f64,
    fit: &'static str,
    scale: impl Fn(f64) -> f64,
) -> Result<f64, SurgeError> {
    if optima.is_empty() {
        return Err(SurgeError::TooFewPoints {
            fit,
            needed: 1,
            got: 0,
        });
    }
    check(0, "b_noise", b_noise)?;
    let mut sum = 0.0;
    for (i, &(batch, lr)) in optima.iter().enumerate() {
        sum += check(i, "lr", lr)? * scale(check(i, "batch", batch)?);
    }
    Ok(sum / optima.len() as f64)
}

/// Eq. 23: `ε_max = mean over B of (ε_opt(B)/2)·(√(B_noise/B) + √(B/B_noise))` from the measured
/// optimal learning rate at each batch size, `(B, ε_opt(B))`.
pub fn fit_eps_max(optima: &[(f64, f64)], b_noise: f64) -> Result<f64, SurgeError> {
    mean_over_optima(optima, b_noise, "ε_max", |b| {
        0.5 * ((b_noise / b).sqrt() + (b / b_noise).sqrt())
    })
}

/// `ε_max` of the power law (eq. 24) the same way: the mean of `ε_opt(B)·(1 + B_noise/B)^α`.
pub fn fit_power_law_eps_max(
    optima: &[(f64, f64)],
    b_noise: f64,
    alpha: f64,
) -> Result<f64, SurgeError> {
    mean_over_optima(optima, b_noise, "power-law ε_max", |b| {
        (1.0 + b_noise / b).powf(alpha)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_surge_curve_rises_peaks_at_b_noise_and_falls() {
        let (b_noise, eps_max) = (512.0, 1e-3);
        assert_eq!(surge_lr(b_noise, b_noise, eps_max), eps_max);
        // Symmetric in log B around the peak, √B growth far below it.
        let (below, above) = (
            surge_lr(64.0, b_noise, eps_max),
            surge_lr(4096.0, b_noise, eps_max),
        );
        assert!((below - above).abs() < 1e-15);
        let ratio = surge_lr(4.0, b_noise, eps_max) / surge_lr(1.0, b_noise, eps_max);
        assert!((ratio - 2.0).abs() < 0.02, "√4 = 2, got {ratio}");
        // SGD and the α = ½ law never fall.
        assert!(sgd_lr(4096.0, b_noise, eps_max) > sgd_lr(512.0, b_noise, eps_max));
        assert!(
            power_law_lr(4096.0, b_noise, eps_max, 0.5)
                > power_law_lr(512.0, b_noise, eps_max, 0.5)
        );
    }

    #[test]
    fn noise_scale_is_recovered_from_noisy_synthetic_runs() {
        let (b_noise, s_min) = (300.0, 2000.0);
        // ±2% multiplicative "noise" on the step counts, deterministic.
        let wobble = [1.02, 0.98, 1.01, 0.99, 1.015, 0.985, 1.0];
        let runs: Vec<(f64, f64)> = [16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0]
            .iter()
            .zip(wobble)
            .map(|(&b, w)| (b, s_min * (1.0 + b_noise / b) * w))
            .collect();
        let fit = fit_noise_scale(&runs).unwrap();
        assert!((fit.b_noise / b_noise - 1.0).abs() < 0.1, "{fit:?}");
        assert!((fit.s_min / s_min - 1.0).abs() < 0.1, "{fit:?}");
        assert!(fit.r_squared > 0.95 && fit.r_squared <= 1.0);
        assert!((fit.e_min - fit.b_noise * fit.s_min).abs() < 1e-6);
    }

    #[test]
    fn fits_reject_data_that_cannot_determine_them() {
        assert!(matches!(
            fit_noise_scale(&[(64.0, 100.0), (64.0, 120.0)]),
            Err(SurgeError::TooFewPoints { got: 1, .. })
        ));
        assert!(matches!(
            fit_noise_scale(&[(64.0, 100.0), (0.0, 120.0)]),
            Err(SurgeError::BadPoint {
                index: 1,
                name: "batch",
                ..
            })
        ));
        // More steps at larger batches: the line rises, no noise scale.
        assert!(matches!(
            fit_noise_scale(&[(32.0, 100.0), (64.0, 150.0), (128.0, 400.0)]),
            Err(SurgeError::NoNoiseScale { .. })
        ));
        assert!(fit_eps_max(&[], 100.0).is_err());
        assert!(fit_eps_max(&[(64.0, f64::NAN)], 100.0).is_err());
    }

    #[test]
    fn eps_max_inverts_both_laws_exactly() {
        let (b_noise, eps_max) = (200.0, 4e-3);
        let batches = [8.0, 50.0, 200.0, 900.0, 5000.0];
        let surge: Vec<(f64, f64)> = batches
            .iter()
            .map(|&b| (b, surge_lr(b, b_noise, eps_max)))
            .collect();
        assert!((fit_eps_max(&surge, b_noise).unwrap() / eps_max - 1.0).abs() < 1e-12);
        let power: Vec<(f64, f64)> = batches
            .iter()
            .map(|&b| (b, power_law_lr(b, b_noise, eps_max, 0.5)))
            .collect();
        let fitted = fit_power_law_eps_max(&power, b_noise, 0.5).unwrap();
        assert!((fitted / eps_max - 1.0).abs() < 1e-12);
    }
}
