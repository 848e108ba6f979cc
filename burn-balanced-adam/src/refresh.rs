//! The refresh rule of balanced Adam (spec §1.2): memory horizon, refresh count, the β that
//! gives `R₀` refreshes over the learning horizon `T_ES`, and the paper's β grid.
//!
//! ```
//! use burn_balanced_adam::refresh::{beta_for_refresh, snap_to_grid, DEFAULT_R0};
//!
//! // A run whose validation loss bottoms out after 10 000 updates gets β = 0.9.
//! let target = beta_for_refresh(10_000.0, DEFAULT_R0).unwrap();
//! assert!((target - 0.9).abs() < 1e-12);
//! assert_eq!(snap_to_grid(target).unwrap(), 0.9);
//! ```

use crate::error::RefreshError;

/// The refresh count the rule aims at, `R₀ = 1000`.
pub const DEFAULT_R0: f64 = 1000.0;

/// β of the paper's strongest fixed baseline and of the T_ES pilot run (printed as 0.944).
pub const DEFAULT_PILOT_BETA: f64 = 0.94377;

/// The paper's β grid, `1 − β = 10^(−k/4)` for `k = 0..=12`, rounded as the paper prints it.
pub const BETA_GRID: [f64; 13] = [
    0.0, 0.43766, 0.68377, 0.82217, 0.9, 0.94377, 0.96838, 0.98222, 0.99, 0.99438, 0.99684,
    0.99822, 0.999,
];

fn check(
    name: &'static str,
    value: f64,
    ok: bool,
    allowed: &'static str,
) -> Result<(), RefreshError> {
    if ok {
        Ok(())
    } else {
        Err(RefreshError::OutOfRange {
            name,
            value,
            allowed,
        })
    }
}

fn check_beta(beta: f64) -> Result<(), RefreshError> {
    check(
        "beta",
        beta,
        beta.is_finite() && (0.0..1.0).contains(&beta),
        "a finite number in [0, 1)",
    )
}

fn check_horizon(name: &'static str, value: f64) -> Result<(), RefreshError> {
    check(
        name,
        value,
        value.is_finite() && value > 0.0,
        "a finite number > 0",
    )
}

/// Memory horizon `H_β = 1 / (1 − β)`, in optimizer updates.
///
/// ```
/// use burn_balanced_adam::refresh::memory_horizon;
/// assert!((memory_horizon(0.99).unwrap() - 100.0).abs() < 1e-9);
/// ```
pub fn memory_horizon(beta: f64) -> Result<f64, RefreshError> {
    check_beta(beta)?;
    Ok(1.0 / (1.0 - beta))
}

/// Refresh count `R_β = (1 − β) · T_ES`: how many memory horizons fit in the learning horizon.
///
/// ```
/// use burn_balanced_adam::refresh::refresh_count;
/// assert!((refresh_count(0.9, 10_000.0).unwrap() - 1000.0).abs() < 1e-9);
/// ```
pub fn refresh_count(beta: f64, t_es: f64) -> Result<f64, RefreshError> {
    check_beta(beta)?;
    check_horizon("t_es", t_es)?;
    Ok((1.0 - beta) * t_es)
}

/// The rule's target β: `max(0, 1 − R₀ / T_ES)`, so that `refresh_count(β, T_ES) ≈ R₀`.
///
/// ```
/// use burn_balanced_adam::refresh::beta_for_refresh;
/// assert_eq!(beta_for_refresh(500.0, 1000.0).unwrap(), 0.0); // short runs: sign-like Adam
/// ```
pub fn beta_for_refresh(t_es: f64, r0: f64) -> Result<f64, RefreshError> {
    check_horizon("t_es", t_es)?;
    check_horizon("r0", r0)?;
    Ok((1.0 - r0 / t_es).max(0.0))
}

/// The grid β nearest to `beta` in linear distance; ties go to the smaller β.
///
/// ```
/// use burn_balanced_adam::refresh::snap_to_grid;
/// assert_eq!(snap_to_grid(0.95).unwrap(), 0.94377);
/// ```
pub fn snap_to_grid(beta: f64) -> Result<f64, RefreshError> {
    snap_to_values(beta, &BETA_GRID)
}

/// The value of `grid` (ascending, non-empty) nearest to `beta` in linear distance; ties go to
/// the smaller value. For a study that ran only part of the paper's grid.
///
/// ```
/// use burn_balanced_adam::refresh::snap_to_values;
/// assert_eq!(snap_to_values(0.93, &[0.9, 0.99]).unwrap(), 0.9);
/// assert_eq!(snap_to_values(0.95, &[0.9, 0.99]).unwrap(), 0.99);
/// ```
pub fn snap_to_values(beta: f64, grid: &[f64]) -> Result<f64, RefreshError> {
    check_beta(beta)?;
    check(
        "grid",
        grid.len() as f64,
        !grid.is_empty() && grid.windows(2).all(|w| w[0] < w[1]),
        "a non-empty ascending list",
    )?;
    // Compare with the midpoints themselves rather than two float distances, which can differ
    // by an ulp at an exact tie; t_es_interval uses the same midpoints, so the two agree.
    let chosen = grid
        .windows(2)
        .find(|pair| beta <= midpoint(pair[0], pair[1]))
        .map_or(grid[grid.len() - 1], |pair| pair[0]);
    Ok(chosen)
}

fn midpoint(lower: f64, upper: f64) -> f64 {
    (lower + upper) / 2.0
}

/// The whole rule: T_ES → target β → the grid value.
///
/// ```
/// use burn_balanced_adam::refresh::refresh_beta;
/// assert_eq!(refresh_beta(20_000.0, 1000.0).unwrap(), 0.94377);
/// ```
pub fn refresh_beta(t_es: f64, r0: f64) -> Result<f64, RefreshError> {
    snap_to_grid(beta_for_refresh(t_es, r0)?)
}

/// The T_ES values for which the rule with `r0` selects the grid value `grid_beta`: the
/// interval `(low, high]` between the T_ES of the neighbouring grid midpoints (at a midpoint
/// the tie goes to the smaller β, so `low` itself belongs to the interval below). Returns
/// `Ok(None)` if `grid_beta` is not a grid value.
///
/// For the paper's `R₀ = 1000`, β = 0.9 is selected for T_ES ∈ [7199, 12802] (rounded):
///
/// ```
/// use burn_balanced_adam::refresh::t_es_interval;
/// let (low, high) = t_es_interval(0.9, 1000.0).unwrap().unwrap();
/// assert_eq!((low.round(), high.round()), (7199.0, 12802.0));
/// ```
pub fn t_es_interval(grid_beta: f64, r0: f64) -> Result<Option<(f64, f64)>, RefreshError> {
    check_horizon("r0", r0)?;
    let Some(i) = BETA_GRID.iter().position(|&b| b == grid_beta) else {
        return Ok(None);
    };
    // β_target = 1 − R₀/T ⇔ T = R₀ / (1 − β_target); the boundaries are grid midpoints.
    let t_of = |beta: f64| r0 / (1.0 - beta);
    let low = if i == 0 {
        0.0
    } else {
        t_of(midpoint(BETA_GRID[i - 1], grid_beta))
    };
    let high = match BETA_GRID.get(i + 1) {
        Some(&next) => t_of(midpoint(grid_beta, next)),
        None => f64::INFINITY,
    };
    Ok(Some((low, high)))
}
