//! The refresh rule and the T_ES estimator, against the spec's worked numbers and invariants.

use burn_balanced_adam::RefreshError;
use burn_balanced_adam::refresh::{
    BETA_GRID, DEFAULT_R0, beta_for_refresh, memory_horizon, refresh_beta, refresh_count,
    snap_to_grid, t_es_interval,
};
use burn_balanced_adam::t_es::{
    Smoothing, TesEstimator, ValidationPoint, estimate_t_es, round_to_one_significant_figure,
};
use proptest::prelude::*;

#[test]
fn the_grid_is_one_minus_ten_to_the_minus_k_over_four() {
    for (k, &beta) in BETA_GRID.iter().enumerate() {
        let exact = 1.0 - 10f64.powf(-(k as f64) / 4.0);
        assert!((beta - exact).abs() < 6e-6, "k = {k}: {beta} vs {exact}");
    }
}

#[test]
fn spec_worked_numbers() {
    assert_eq!(snap_to_grid(0.95).unwrap(), 0.94377);
    let (low, high) = t_es_interval(0.9, DEFAULT_R0).unwrap().unwrap();
    assert_eq!((low.round(), high.round()), (7199.0, 12802.0));
    assert_eq!(refresh_beta(7_300.0, DEFAULT_R0).unwrap(), 0.9);
    assert_eq!(refresh_beta(12_700.0, DEFAULT_R0).unwrap(), 0.9);
    assert_eq!(refresh_beta(7_100.0, DEFAULT_R0).unwrap(), 0.82217);
    assert_eq!(refresh_beta(12_900.0, DEFAULT_R0).unwrap(), 0.94377);
    // The paper's T_ES range 6 000–40 000 maps to β 0.82 … 0.97.
    assert_eq!(refresh_beta(6_000.0, DEFAULT_R0).unwrap(), 0.82217);
    assert_eq!(refresh_beta(40_000.0, DEFAULT_R0).unwrap(), 0.96838);
    assert!((memory_horizon(0.9).unwrap() - 10.0).abs() < 1e-12);
    assert!((refresh_count(0.94377, 20_000.0).unwrap() - 1124.6).abs() < 1e-6);
}

#[test]
fn ties_snap_to_the_smaller_beta() {
    for pair in BETA_GRID.windows(2) {
        let midpoint = (pair[0] + pair[1]) / 2.0;
        assert_eq!(
            snap_to_grid(midpoint).unwrap(),
            pair[0],
            "midpoint of {pair:?}"
        );
    }
}

#[test]
fn intervals_tile_the_t_es_axis() {
    let mut previous_high = 0.0;
    for &beta in &BETA_GRID {
        let (low, high) = t_es_interval(beta, DEFAULT_R0).unwrap().unwrap();
        assert_eq!(low, previous_high, "β = {beta}");
        if high.is_finite() {
            assert_eq!(
                refresh_beta(high * 0.9999, DEFAULT_R0).unwrap(),
                beta,
                "top of β = {beta}"
            );
            assert_ne!(refresh_beta(high * 1.0001, DEFAULT_R0).unwrap(), beta);
        }
        if low > 0.0 {
            assert_eq!(
                refresh_beta(low * 1.0001, DEFAULT_R0).unwrap(),
                beta,
                "bottom of β = {beta}"
            );
        }
        previous_high = high;
    }
    assert_eq!(t_es_interval(0.95, DEFAULT_R0).unwrap(), None);
}

#[test]
fn invalid_arguments_are_errors_that_name_them() {
    let name = |r: Result<f64, RefreshError>| match r {
        Err(RefreshError::OutOfRange { name, .. }) => name,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(name(memory_horizon(1.0)), "beta");
    assert_eq!(name(refresh_count(0.9, 0.0)), "t_es");
    assert_eq!(name(beta_for_refresh(1e4, -1.0)), "r0");
    assert_eq!(name(beta_for_refresh(f64::NAN, 1e3)), "t_es");
    assert_eq!(name(snap_to_grid(-0.1)), "beta");
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_rule_gives_r0_refreshes_and_snaps_monotonically(t_es in 1.0f64..1e7, r0 in 1.0f64..1e4, dt in 0.0f64..1e5) {
        let beta = beta_for_refresh(t_es, r0).unwrap();
        prop_assert!((0.0..1.0).contains(&beta));
        if t_es > r0 {
            prop_assert!((refresh_count(beta, t_es).unwrap() - r0).abs() <= 1e-9 * r0.max(1.0) + 1e-6);
        }
        let snapped = refresh_beta(t_es, r0).unwrap();
        prop_assert!(BETA_GRID.contains(&snapped));
        prop_assert!(refresh_beta(t_es + dt, r0).unwrap() >= snapped);
    }
}

fn trajectory(points: &[(u64, f64)]) -> Vec<ValidationPoint> {
    points
        .iter()
        .map(|&(update, loss)| ValidationPoint { update, loss })
        .collect()
}

#[test]
fn t_es_is_the_argmin_with_ties_to_the_earliest() {
    let points = trajectory(&[(0, 3.0), (100, 2.0), (200, 1.0), (300, 1.0), (400, 1.5)]);
    let estimate = estimate_t_es(&points).unwrap();
    assert_eq!(
        (estimate.t_es, estimate.best_update, estimate.best_loss),
        (200, 200, 1.0)
    );
    assert_eq!(estimate.stopped_at, None);
}

#[test]
fn patience_stops_at_the_first_plateau() {
    let points = trajectory(&[(0, 3.0), (10, 2.0), (20, 2.1), (30, 2.2), (40, 1.0)]);
    let patient = TesEstimator {
        patience: Some(2),
        ..Default::default()
    };
    let estimate = patient.estimate(&points).unwrap();
    assert_eq!((estimate.t_es, estimate.stopped_at), (10, Some(30)));
    assert_eq!(estimate_t_es(&points).unwrap().t_es, 40);
}

#[test]
fn smoothing_ignores_a_single_noisy_dip() {
    let points = trajectory(&[
        (0, 5.0),
        (1, 4.0),
        (2, 1.0),
        (3, 4.0),
        (4, 3.0),
        (5, 2.5),
        (6, 2.4),
        (7, 2.6),
    ]);
    assert_eq!(estimate_t_es(&points).unwrap().t_es, 2);
    let averaged = TesEstimator {
        smoothing: Smoothing::MovingAverage { window: 3 },
        ..Default::default()
    };
    assert_eq!(averaged.estimate(&points).unwrap().t_es, 6);
    let ema = TesEstimator {
        smoothing: Smoothing::Ema { decay: 0.0 },
        ..Default::default()
    };
    assert_eq!(
        ema.estimate(&points).unwrap().t_es,
        2,
        "decay 0 is the raw trajectory"
    );
}

#[test]
fn rounding_to_one_significant_figure() {
    assert_eq!(round_to_one_significant_figure(12_345), 10_000);
    assert_eq!(round_to_one_significant_figure(15_000), 20_000);
    assert_eq!(round_to_one_significant_figure(6_499), 6_000);
    assert_eq!(round_to_one_significant_figure(7), 7);
    let rounded = TesEstimator {
        round_to_one_significant_figure: true,
        ..Default::default()
    };
    let estimate = rounded
        .estimate(&trajectory(&[(0, 2.0), (28_500, 1.0), (30_000, 1.1)]))
        .unwrap();
    assert_eq!((estimate.t_es, estimate.best_update), (30_000, 28_500));
}

#[test]
fn diverged_evaluations_never_win_and_bad_trajectories_are_errors() {
    let points = trajectory(&[(0, 2.0), (10, f64::NAN), (20, 1.5), (30, f64::INFINITY)]);
    assert_eq!(estimate_t_es(&points).unwrap().t_es, 20);
    assert_eq!(estimate_t_es(&[]), Err(RefreshError::EmptyTrajectory));
    let unordered = trajectory(&[(0, 2.0), (20, 1.0), (10, 0.5)]);
    assert!(matches!(
        estimate_t_es(&unordered),
        Err(RefreshError::BadPoint { index: 2, .. })
    ));
    let all_nan = trajectory(&[(0, f64::NAN), (10, f64::NAN)]);
    assert!(matches!(
        estimate_t_es(&all_nan),
        Err(RefreshError::BadPoint { .. })
    ));
    let bad_window = TesEstimator {
        smoothing: Smoothing::MovingAverage { window: 2 },
        ..Default::default()
    };
    assert!(matches!(
        bad_window.estimate(&points),
        Err(RefreshError::OutOfRange {
            name: "smoothing.window",
            ..
        })
    ));
    let bad_patience = TesEstimator {
        patience: Some(0),
        ..Default::default()
    };
    assert!(matches!(
        bad_patience.estimate(&points),
        Err(RefreshError::OutOfRange {
            name: "patience",
            ..
        })
    ));
}

#[test]
fn estimator_configs_load_from_toml() {
    let estimator: TesEstimator = toml::from_str(
        "patience = 5\nround_to_one_significant_figure = true\n[smoothing]\nkind = \"moving_average\"\nwindow = 5",
    )
    .unwrap();
    assert_eq!(estimator.smoothing, Smoothing::MovingAverage { window: 5 });
    assert_eq!(estimator.patience, Some(5));
    assert!(toml::from_str::<TesEstimator>("patiense = 5").is_err());
}
