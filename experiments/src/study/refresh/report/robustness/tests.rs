//! The conventions on a workload whose answer is known.

use super::*;

/// Three β; the first seed alone makes 0.9 the best, the other seeds 0.99; the rule picks
/// 0.99, the fixed β is 0.9. β = 0.5 has one seed.
fn line() -> RefreshWorkloadLine {
    let seed_losses = vec![
        vec![(42, 1.20)],
        vec![(42, 1.00), (43, 1.10), (44, 1.10)],
        vec![(42, 1.02), (43, 1.00), (44, 1.00)],
    ];
    let betas = vec![0.5, 0.9, 0.99];
    let (loss, _) = crate::study::refresh::analysis::seed_adjusted_losses(&seed_losses, 42);
    RefreshWorkloadLine {
        name: "w".into(),
        model: "cnn".into(),
        dataset: "mnist".into(),
        updates: 100,
        batch_size: 8,
        data_seed: None,
        parameters: 1,
        losses: WorkloadLosses {
            name: "w".into(),
            betas,
            loss,
            t_es: 100.0,
        },
        seeds_per_beta: vec![1, 3, 3],
        seed_offsets: Vec::new(),
        seed_losses,
        rule_beta: 0.99,
        oracle: (0.9, 1.0),
        wall_time_s: 1.0,
        updates_per_s: 1.0,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn each_convention_reads_its_own_oracle_and_gaps() {
    let w = line();
    let seeds = [42, 43, 44];
    let plain = convention_gaps(&w, Convention::PlainMean, 0.9, &seeds).unwrap();
    // Plain means: 0.9 → 1.0667, 0.99 → 1.0067: the rule's β is the oracle.
    assert_eq!(plain.oracle, 0.99);
    assert!(
        close(plain.gaps.0, 0.0)
            && close(
                plain.gaps.1,
                100.0 * (3.2 / 3.0 - 3.02 / 3.0) / (3.02 / 3.0)
            )
    );
    let first = convention_gaps(&w, Convention::FirstSeed, 0.9, &seeds).unwrap();
    assert_eq!(first.oracle, 0.9);
    assert!(
        close(first.gaps.0, 2.0) && close(first.gaps.1, 0.0),
        "{first:?}"
    );
    // Cross-fitted: β* = 0.9 from seed 42, measured on seeds 43–44, where the rule's β is
    // better: a negative gap.
    let cross = convention_gaps(&w, Convention::CrossFitted, 0.9, &seeds).unwrap();
    assert_eq!(cross.oracle, 0.9);
    assert!(
        close(cross.gaps.0, 100.0 * (1.0 - 1.1) / 1.1) && close(cross.gaps.1, 0.0),
        "{cross:?}"
    );
    assert!(cross.thin.is_empty());
    // An oracle with one seed is flagged.
    let mut thin = line();
    thin.seed_losses[0] = vec![(42, 0.5)];
    let g = convention_gaps(&thin, Convention::PlainMean, 0.9, &seeds).unwrap();
    assert_eq!(g.oracle, 0.5);
    assert_eq!(g.thin, vec!["0.5 (1 seed)".to_string()]);
}
