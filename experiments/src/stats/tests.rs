use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol // NaN on either side fails
}

#[test]
fn t_quantiles_match_published_tables() {
    // Two-sided 95% critical values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
    for (df, want) in [
        (1.0, 12.706),
        (2.0, 4.303),
        (5.0, 2.571),
        (10.0, 2.228),
        (11.0, 2.201),
        (20.0, 2.086),
        (30.0, 2.042),
        (100.0, 1.984),
    ] {
        let got = t_quantile(0.975, df);
        assert!(close(got, want, 1e-3), "df {df}: {got} vs {want}");
    }
    // One-sided 80% (for power): df 10 → 0.879, df 30 → 0.854.
    assert!(close(t_quantile(0.8, 10.0), 0.879, 1e-3));
    assert!(close(t_quantile(0.8, 30.0), 0.854, 1e-3));
    // Large df, both sides of the switch to the expansion (R: qt(0.975, df)).
    for (df, want) in [
        (999.0, 1.962341),
        (1001.0, 1.962337),
        (1e4, 1.960201),
        (1e6, 1.959966),
    ] {
        let got = t_quantile(0.975, df);
        assert!(close(got, want, 2e-6), "df {df}: {got} vs {want}");
    }
}

#[test]
fn a_textbook_paired_example() {
    // Student's (Gosset's 1908) sleep data: extra hours of sleep under two drugs for the same
    // 10 patients. Differences drug 2 − drug 1; R's t.test(paired = TRUE) gives
    // t = 4.0621, df = 9, p = 0.002833, 95% CI [0.7001142, 2.4598858], mean 1.58.
    let d1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    let d2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    let diffs: Vec<f64> = d2.iter().zip(d1).map(|(b, a)| b - a).collect();
    let t = TTest::of(&diffs).unwrap();
    assert_eq!(t.n, 10);
    assert!(close(t.mean, 1.58, 1e-12));
    assert!(close(t.t, 4.0621, 1e-4), "{t:?}");
    assert!(close(t.p, 0.002833, 1e-6), "{t:?}");
    assert!(close(t.ci.lo, 0.7001142, 1e-6) && close(t.ci.hi, 2.4598858, 1e-6));
    // Detectable at 80% power: (t_{.975,9} + t_{.80,9}) · sd / √10 with the published
    // quantiles 2.262 and 0.883 (the noncentral-t answer is within 1% of this at n = 10).
    let want = (2.262 + 0.883) * t.sd / 10f64.sqrt();
    assert!(
        close(t.detectable, want, 1e-3 * t.sd),
        "{} vs {want}",
        t.detectable
    );
}

#[test]
fn degenerate_samples() {
    assert!(TTest::of(&[1.0]).is_none());
    assert!(
        TTest::of(&[f64::NAN, 1.0]).is_none(),
        "NaN is dropped, leaving one"
    );
    let same = TTest::of(&[2.0, 2.0, 2.0]).unwrap();
    assert_eq!(same.p, 0.0);
    assert!(same.t.is_infinite());
    let zero = TTest::of(&[0.0, 0.0]).unwrap();
    assert_eq!(zero.p, 1.0);
}

#[test]
fn holm_matches_hand_computation() {
    // Sorted 0.01, 0.02, 0.03, 0.04 → 4·0.01, 3·0.02, max(0.06, 2·0.03), max(0.06, 0.04).
    let adj = holm(&[0.04, 0.01, 0.03, 0.02]);
    let want = [0.06, 0.04, 0.06, 0.06];
    for (a, w) in adj.iter().zip(want) {
        assert!(close(*a, w, 1e-12), "{adj:?}");
    }
    // Capped at 1, NaN counts as 1, and a single p is unchanged.
    assert_eq!(holm(&[0.5, 0.6]), vec![1.0, 1.0]);
    assert_eq!(holm(&[f64::NAN, 0.01]), vec![1.0, 0.02]);
    assert_eq!(holm(&[0.03]), vec![0.03]);
}

#[test]
fn bootstrap_is_seeded_and_covers_the_mean() {
    let values: Vec<f64> = (0..40).map(|i| (i as f64 * 0.37).sin()).collect();
    let mean = |idx: &[usize]| idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64;
    let a = bootstrap_interval(values.len(), 7, |idx, _| mean(idx)).unwrap();
    let b = bootstrap_interval(values.len(), 7, |idx, _| mean(idx)).unwrap();
    assert_eq!(a, b, "same seed, same interval");
    let all: Vec<usize> = (0..values.len()).collect();
    assert!(a.contains(mean(&all)));
    // About the t interval's width for a mean (within 25%).
    let t = TTest::of(&values).unwrap();
    let ratio = (a.hi - a.lo) / (t.ci.hi - t.ci.lo);
    assert!((0.75..1.25).contains(&ratio), "{ratio}");
    assert!(bootstrap_interval(1, 7, |idx, _| mean(idx)).is_none());
}

#[test]
fn pooled_sd_of_groups() {
    // Two groups with variance 1 and 4 over 2 df each → pooled √2.5 on 4 df.
    let (sd, df) = pooled_sd(&[vec![1.0, 2.0, 3.0], vec![0.0, 2.0, 4.0], vec![9.0]]).unwrap();
    assert_eq!(df, 4);
    assert!(close(sd, 2.5f64.sqrt(), 1e-12));
    assert!(pooled_sd(&[vec![1.0]]).is_none());
}

#[test]
fn verdicts_follow_the_interval() {
    let i = |lo, hi| Interval { lo, hi };
    assert_eq!(Verdict::of(i(0.1, 2.0), Some(1.0)), Verdict::Supported);
    assert_eq!(Verdict::of(i(-0.5, 2.0), Some(1.0)), Verdict::Inconclusive);
    // Excludes the paper's +1.0 from below: contradicted even though it holds 0.
    assert_eq!(Verdict::of(i(-0.5, 0.6), Some(1.0)), Verdict::Contradicted);
    // Without a paper value only the wrong side of zero contradicts.
    assert_eq!(Verdict::of(i(-0.5, 0.6), None), Verdict::Inconclusive);
    assert_eq!(Verdict::of(i(-2.0, -0.1), None), Verdict::Contradicted);
    // An interval that holds the paper's value is never "contradicted".
    assert_eq!(Verdict::of(i(-3.0, 1.5), Some(1.0)), Verdict::Inconclusive);
}

#[test]
fn a_verdict_holds_only_if_every_analysis_gives_it() {
    use Verdict::*;
    assert_eq!(Verdict::unanimous(&[Supported; 4], 4), Supported);
    assert_eq!(Verdict::unanimous(&[Contradicted; 4], 4), Contradicted);
    assert_eq!(
        Verdict::unanimous(&[Supported, Supported, Inconclusive, Supported], 4),
        Inconclusive
    );
    assert_eq!(
        Verdict::unanimous(&[Supported, Contradicted, Supported, Supported], 4),
        Inconclusive
    );
    assert_eq!(
        Verdict::unanimous(&[Supported; 3], 4),
        Inconclusive,
        "a missing convention"
    );
}
