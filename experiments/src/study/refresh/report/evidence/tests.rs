use super::*;
use crate::study::refresh::report::verdicts::evidence;

/// The evidence of a study with first seed 1, R₀ = 1000 and the fixed β 0.94377.
fn evidence_of(
    losses: &[WorkloadLosses],
    runs: &[Vec<Vec<(u64, f64)>>],
    meta: &[(String, u64)],
) -> Evidence {
    evidence(&EvidenceInput {
        losses,
        runs,
        meta,
        first_seed: 1,
        r0: 1000.0,
        fixed_beta: 0.94377,
    })
}

#[test]
fn r0_range_inverts_the_snapping() {
    let betas = [0.68377, 0.9, 0.94377, 0.99];
    let t = 20_000.0;
    // R₀ = 1000 → 0.95 → 0.94377 (index 2); the range's ends snap to neighbours just beyond.
    let (lo, hi) = r0_range(t, &betas, 2);
    assert!(lo < 1000.0 && 1000.0 < hi, "{lo} {hi}");
    let snap = |r0: f64| rule_beta(t, r0, &betas);
    assert_eq!(snap(lo * 1.0001), 0.94377);
    assert_eq!(snap(lo * 0.999), 0.99);
    assert_eq!(snap(hi * 0.999), 0.94377);
    assert_eq!(snap(hi * 1.001), 0.9);
    assert_eq!(r0_range(t, &betas, 0).1, f64::INFINITY);
    assert_eq!(r0_range(t, &betas, 3).0, 0.0);
}

#[test]
fn noise_floor_from_two_seeds() {
    // Seed 2 is +0.1 everywhere but for ±0.01 jitter; raw spread is large, paired small.
    let runs = vec![
        vec![(1, 1.00), (2, 1.11)],
        vec![(1, 0.90), (2, 0.99)],
        vec![(1, 0.95)],
        vec![(1, 1.20), (2, 1.31)],
    ];
    let n = noise(&runs, 1, 0.9).unwrap();
    assert_eq!(n.df, 2);
    assert_eq!(n.window_seeds, 2);
    // Differences 0.11, 0.09, 0.11 → sd 0.011547; one run: /√2; in % of 0.9.
    let want = 100.0 * 0.0115470 / 2f64.sqrt() / 0.9;
    assert!((n.paired_sd_pct - want).abs() < 1e-4, "{n:?}");
    assert!(n.seed_sd_pct > 5.0 * n.paired_sd_pct);
    assert!(n.detectable_gap > n.gap_half_width);
    assert!(noise(&[vec![(1, 1.0)]], 1, 1.0).is_none());
}

fn w(name: &str, loss: &[f64], t_es: f64) -> WorkloadLosses {
    WorkloadLosses {
        name: name.into(),
        betas: vec![0.68377, 0.9, 0.94377, 0.99],
        loss: loss.to_vec(),
        t_es,
    }
}

fn replicate(loss: &[f64], jitter: f64) -> Vec<Vec<(u64, f64)>> {
    loss.iter()
        .enumerate()
        .map(|(i, &l)| {
            vec![
                (1, l),
                (2, l + 0.05 + if i % 2 == 0 { jitter } else { -jitter }),
            ]
        })
        .collect()
}

#[test]
fn claims_get_verdicts_from_their_intervals() {
    // Rule (T_ES 10 000 → 0.9) is the oracle everywhere; the fixed 0.94377 is 10% off on
    // every workload, and the noise is tiny: the worst-case claim is supported, and so is
    // "within 1%".
    let losses: Vec<WorkloadLosses> = (0..5)
        .map(|i| w(&format!("w{i}"), &[2.4, 2.0, 2.2, 2.6], 10_000.0))
        .collect();
    let runs: Vec<_> = losses.iter().map(|l| replicate(&l.loss, 1e-4)).collect();
    let meta: Vec<(String, u64)> = (0..5).map(|i| ("cnn".into(), 1000 * (i + 1))).collect();
    let e = evidence_of(&losses, &runs, &meta);
    assert_eq!(
        e.claims.len(),
        4,
        "two claims on all workloads and the (one) in-regime"
    );
    assert_eq!(e.claims[0].verdict, Verdict::Supported, "{:?}", e.claims[0]);
    assert_eq!(e.claims[1].verdict, Verdict::Supported, "{:?}", e.claims[1]);
    assert!((e.paired[0].test.unwrap().mean + 10.0).abs() < 1e-9);
    // Same workloads with noise as large as the effect: the rule's 10% gap on one workload
    // cannot be told from 1%, and the worst-case difference holds zero.
    let mut noisy = losses.clone();
    noisy[0].loss = vec![2.4, 2.2, 2.0, 2.6]; // the rule's 0.9 is now 10% off
    // With no noise, 10% is resolvably beyond 1%.
    for (sd, verdict) in [(0.3, Verdict::Inconclusive), (1e-5, Verdict::Contradicted)] {
        let runs: Vec<_> = noisy.iter().map(|l| replicate(&l.loss, sd)).collect();
        let e = evidence_of(&noisy, &runs, &meta);
        assert_eq!(e.claims[1].verdict, verdict, "sd {sd}: {:?}", e.claims[1]);
    }
}

#[test]
fn the_trend_compares_near_tie_sets() {
    let short = w("short", &[2.0, 2.1, 2.3, 2.6], 3_000.0); // oracle 0.68377
    let long = w("long", &[2.6, 2.3, 2.1, 2.0], 30_000.0); // oracle 0.99
    let losses = vec![short, long];
    let runs: Vec<_> = losses.iter().map(|l| replicate(&l.loss, 1e-4)).collect();
    let meta = vec![("gpt".to_string(), 3000), ("gpt".to_string(), 30_000)];
    let e = evidence_of(&losses, &runs, &meta);
    assert_eq!(e.trend.pairs[0].3, "larger");
    assert_eq!(e.trend.verdict, Verdict::Supported);
    assert!(e.workloads[1].in_regime && !e.workloads[0].in_regime);
    // Reversed T_ES: contradicted.
    let mut reversed = losses.clone();
    reversed[0].t_es = 30_000.0;
    reversed[1].t_es = 3_000.0;
    let e = evidence_of(&reversed, &runs, &meta);
    assert_eq!(e.trend.verdict, Verdict::Contradicted);
}

#[test]
fn an_overfitting_run_is_placed_by_its_t_es() {
    // A long run whose validation loss bottoms out early (T_ES 1 500 of 40 000 updates) with a
    // small oracle β: by run length it would be the longest and contradict the trend; by T_ES
    // it is the shortest, and the trend holds.
    let overfit = w("overfit", &[2.0, 2.1, 2.3, 2.6], 1_500.0); // oracle 0.68377
    let mid = w("mid", &[2.3, 2.0, 2.1, 2.4], 8_000.0); // oracle 0.9
    let long = w("long", &[2.6, 2.3, 2.1, 2.0], 30_000.0); // oracle 0.99
    let losses = vec![mid, overfit, long];
    let runs: Vec<_> = losses.iter().map(|l| replicate(&l.loss, 1e-4)).collect();
    let meta = vec![
        ("cnn".to_string(), 8_000),
        ("cnn".to_string(), 40_000),
        ("cnn".to_string(), 30_000),
    ];
    let e = evidence_of(&losses, &runs, &meta);
    let order: Vec<(&str, &str)> = e
        .trend
        .pairs
        .iter()
        .map(|p| (p.1.as_str(), p.2.as_str()))
        .collect();
    assert_eq!(order, [("overfit", "mid"), ("mid", "long")]);
    assert!(
        e.trend.pairs.iter().all(|p| p.3 == "larger"),
        "{:?}",
        e.trend
    );
    assert_eq!(e.trend.verdict, Verdict::Supported);
}

#[test]
fn without_seed_replicates_nothing_is_resolved() {
    // Clear differences, but one seed per β: no noise estimate, so no verdict but
    // "inconclusive" and every β a near-tie.
    let short = w("short", &[2.0, 2.1, 2.3, 2.6], 3_000.0);
    let long = w("long", &[2.6, 2.3, 2.1, 2.0], 30_000.0);
    let losses = vec![short, long];
    let runs: Vec<Vec<Vec<(u64, f64)>>> = losses
        .iter()
        .map(|l| l.loss.iter().map(|&x| vec![(1, x)]).collect())
        .collect();
    let meta = vec![("gpt".to_string(), 3000), ("gpt".to_string(), 30_000)];
    let e = evidence_of(&losses, &runs, &meta);
    assert!(
        e.workloads
            .iter()
            .all(|x| x.noise.is_none() && x.oracle_ties.len() == 4)
    );
    assert_eq!(e.trend.verdict, Verdict::Inconclusive);
    assert!(
        e.claims.iter().all(|c| c.verdict == Verdict::Inconclusive),
        "{:?}",
        e.claims
    );
}
