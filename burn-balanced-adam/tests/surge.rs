//! Invariants of the surge law and its fits, over random noise scales and learning rates.

use burn_balanced_adam::surge::{fit_eps_max, fit_noise_scale, surge_lr};
use proptest::prelude::*;

proptest! {
    /// ε_opt never exceeds ε_max, and its maximum over a batch grid is at the grid point nearest
    /// B_noise in log distance.
    #[test]
    fn the_peak_is_at_the_noise_scale(b_noise in 2.0f64..1e5, eps_max in 1e-6f64..1.0) {
        let grid: Vec<f64> = (0..=20).map(|k| 2f64.powi(k)).collect();
        let lrs: Vec<f64> = grid.iter().map(|&b| surge_lr(b, b_noise, eps_max)).collect();
        prop_assert!(lrs.iter().all(|&lr| lr > 0.0 && lr <= eps_max * (1.0 + 1e-12)));
        let best = (0..grid.len()).max_by(|&a, &b| lrs[a].total_cmp(&lrs[b])).unwrap();
        let nearest = (0..grid.len())
            .min_by(|&a, &b| {
                (grid[a] / b_noise).ln().abs().total_cmp(&(grid[b] / b_noise).ln().abs())
            })
            .unwrap();
        prop_assert_eq!(best, nearest);
    }

    /// Noise-free runs give back the noise scale, S_min and ε_max to rounding.
    #[test]
    fn fits_recover_the_generating_law(
        b_noise in 4.0f64..1e4,
        s_min in 10.0f64..1e5,
        eps_max in 1e-5f64..1e-1,
        first in 0u32..4,
        count in 3usize..8,
    ) {
        let batches: Vec<f64> = (0..count).map(|k| 2f64.powi((first as i32) + 2 * k as i32)).collect();
        let runs: Vec<(f64, f64)> = batches.iter().map(|&b| (b, s_min * (1.0 + b_noise / b))).collect();
        let fit = fit_noise_scale(&runs).unwrap();
        prop_assert!((fit.b_noise / b_noise - 1.0).abs() < 1e-6, "{fit:?}");
        prop_assert!((fit.s_min / s_min - 1.0).abs() < 1e-6, "{fit:?}");
        let optima: Vec<(f64, f64)> = batches.iter().map(|&b| (b, surge_lr(b, b_noise, eps_max))).collect();
        prop_assert!((fit_eps_max(&optima, fit.b_noise).unwrap() / eps_max - 1.0).abs() < 1e-6);
    }
}
