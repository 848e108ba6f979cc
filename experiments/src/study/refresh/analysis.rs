//! The refresh study's arithmetic (`docs/algorithms.md` §1.4), as pure functions of the
//! per-workload losses: gaps to the oracle, the paper's aggregates, the rule's choice, and its
//! sensitivity to R₀ and to noise in T_ES.

use burn_balanced_adam::refresh::{beta_for_refresh, snap_to_values};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use serde::Serialize;

/// One workload's measurements.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadLosses {
    /// Workload name.
    pub name: String,
    /// The β grid, ascending.
    pub betas: Vec<f64>,
    /// L(β): the minimum validation loss of each run, averaged over its seeds after each extra
    /// seed's offset from the first is removed ([`seed_adjusted_losses`]; the report's other
    /// conventions are in `report::robustness`).
    pub loss: Vec<f64>,
    /// T_ES from the pilot trajectory.
    pub t_es: f64,
}

impl WorkloadLosses {
    /// The oracle L* = min over the grid, and its β.
    pub fn oracle(&self) -> (f64, f64) {
        let i = (0..self.loss.len())
            .min_by(|&a, &b| self.loss[a].total_cmp(&self.loss[b]))
            .expect("a workload has losses");
        (self.betas[i], self.loss[i])
    }

    /// gap(β) = 100 · (L(β) − L*) / L*, in percent; `None` if β is not on the grid.
    pub fn gap(&self, beta: f64) -> Option<f64> {
        let i = self.betas.iter().position(|&b| b == beta)?;
        let (_, best) = self.oracle();
        Some(100.0 * (self.loss[i] - best) / best)
    }
}

/// L(β) from every seed, on the first seed's scale. `runs[i]` holds `(seed, minimum validation
/// loss)` of grid point `i`. Seeds differ in their training subset and validation split, so a
/// raw mean would favour the β values that happen to have an easier extra seed: each other seed's
/// offset (its mean difference from the first seed over the finite β values both ran) is removed
/// before averaging. Under an additive model `L_s(β) = μ(β) + α_s` this recovers μ exactly.
/// Returns L(β) and the offsets `(seed, α_s)`.
pub fn seed_adjusted_losses(
    runs: &[Vec<(u64, f64)>],
    first_seed: u64,
) -> (Vec<f64>, Vec<(u64, f64)>) {
    let first = |point: &Vec<(u64, f64)>| point.iter().find(|r| r.0 == first_seed).map(|r| r.1);
    let mut seeds: Vec<u64> = runs
        .iter()
        .flatten()
        .map(|r| r.0)
        .filter(|&s| s != first_seed)
        .collect();
    seeds.sort_unstable();
    seeds.dedup();
    let offsets: Vec<(u64, f64)> = seeds
        .into_iter()
        .filter_map(|seed| {
            let diffs: Vec<f64> = runs
                .iter()
                .filter_map(|point| {
                    let other = point.iter().find(|r| r.0 == seed)?.1;
                    let base = first(point)?;
                    (other.is_finite() && base.is_finite()).then_some(other - base)
                })
                .collect();
            (!diffs.is_empty()).then(|| (seed, diffs.iter().sum::<f64>() / diffs.len() as f64))
        })
        .collect();
    let offset = |seed: u64| offsets.iter().find(|o| o.0 == seed).map(|o| o.1);
    let losses = runs
        .iter()
        .map(|point| {
            // Seeds without an offset (nothing in common with the first) are left out.
            let values: Vec<f64> = point
                .iter()
                .filter_map(|&(seed, loss)| {
                    if seed == first_seed {
                        Some(loss)
                    } else {
                        offset(seed).map(|a| loss - a)
                    }
                })
                .collect();
            if values.is_empty() {
                f64::INFINITY
            } else {
                values.iter().sum::<f64>() / values.len() as f64
            }
        })
        .collect();
    (losses, offsets)
}

/// The rule's β: `1 − R₀/T_ES`, snapped to the grid that was run.
pub fn rule_beta(t_es: f64, r0: f64, betas: &[f64]) -> f64 {
    let target = beta_for_refresh(t_es.max(1.0), r0).expect("T_ES and R₀ are positive");
    snap_to_values(target, betas).expect("the grid is validated")
}

/// The paper's aggregates over workloads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aggregate {
    /// Mean gap, %.
    pub mean: f64,
    /// Max gap, %.
    pub max: f64,
    /// CVaR: the mean of the worst ⌈n/4⌉ gaps, %.
    pub cvar: f64,
    /// Workloads with a gap under 1%.
    pub under_1pct: usize,
    /// Workloads.
    pub n: usize,
}

/// Aggregates `gaps` (non-empty).
pub fn aggregate(gaps: &[f64]) -> Aggregate {
    let mut sorted = gaps.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let tail = gaps.len().div_ceil(4);
    Aggregate {
        mean: gaps.iter().sum::<f64>() / gaps.len() as f64,
        max: sorted[0],
        cvar: sorted[..tail].iter().sum::<f64>() / tail as f64,
        under_1pct: gaps.iter().filter(|&&g| g < 1.0).count(),
        n: gaps.len(),
    }
}

/// One row of the gap table: a way of choosing β, its gap per workload and the aggregates.
#[derive(Debug, Clone, Serialize)]
pub struct MethodRow {
    /// e.g. `refresh rule (R₀ = 1000)`, `fixed β = 0.94377`, `oracle`.
    pub method: String,
    /// β chosen per workload.
    pub betas: Vec<f64>,
    /// Gap per workload, %.
    pub gaps: Vec<f64>,
    /// Aggregates.
    pub aggregate: Aggregate,
}

fn row(
    method: String,
    workloads: &[WorkloadLosses],
    choose: impl Fn(&WorkloadLosses) -> f64,
) -> MethodRow {
    let betas: Vec<f64> = workloads.iter().map(&choose).collect();
    let gaps: Vec<f64> = workloads
        .iter()
        .zip(&betas)
        .map(|(w, &b)| w.gap(b).expect("chosen from the grid"))
        .collect();
    let aggregate = aggregate(&gaps);
    MethodRow {
        method,
        betas,
        gaps,
        aggregate,
    }
}

/// The gap table: the rule, `baseline_beta`, every other grid β, and the oracle.
pub fn gap_table(workloads: &[WorkloadLosses], r0: f64, baseline_beta: f64) -> Vec<MethodRow> {
    let betas = &workloads[0].betas;
    let mut rows = vec![
        row(format!("refresh rule (R₀ = {r0})"), workloads, |w| {
            rule_beta(w.t_es, r0, &w.betas)
        }),
        row(format!("fixed β = {baseline_beta}"), workloads, |_| {
            baseline_beta
        }),
    ];
    for &beta in betas.iter().filter(|&&b| b != baseline_beta) {
        rows.push(row(format!("fixed β = {beta}"), workloads, |_| beta));
    }
    rows.push(row("oracle".into(), workloads, |w| w.oracle().0));
    rows
}

/// The rule's aggregates for each R₀.
pub fn r0_sensitivity(workloads: &[WorkloadLosses], r0s: &[f64]) -> Vec<(f64, Aggregate)> {
    r0s.iter()
        .map(|&r0| {
            let gaps: Vec<f64> = workloads
                .iter()
                .map(|w| w.gap(rule_beta(w.t_es, r0, &w.betas)).expect("on the grid"))
                .collect();
            (r0, aggregate(&gaps))
        })
        .collect()
}

/// The rule under noisy T_ES: `T_ES · (1 + σ z)`, z ~ N(0, 1), over many draws.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NoiseRow {
    /// σ, relative.
    pub sigma: f64,
    /// Mean over draws of the mean gap, %.
    pub mean_gap: f64,
    /// Mean over draws of the max gap, %.
    pub max_gap: f64,
    /// The largest max gap of any draw, %.
    pub worst_max_gap: f64,
    /// Mean over draws of the workloads under 1%.
    pub under_1pct: f64,
    /// Fraction of (draw, workload) pairs where the rule picked another β than without noise.
    pub changed: f64,
}

/// The rule's sensitivity to T_ES noise (deterministic for a given `seed`).
pub fn noise_sensitivity(
    workloads: &[WorkloadLosses],
    r0: f64,
    sigmas: &[f64],
    draws: usize,
    seed: u64,
) -> Vec<NoiseRow> {
    let normal = Normal::new(0.0, 1.0).expect("unit normal");
    sigmas
        .iter()
        .map(|&sigma| {
            // One stream per σ, so that a row does not depend on which other σ were asked for.
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ sigma.to_bits());
            let (mut mean, mut max, mut worst, mut under, mut changed) = (0.0, 0.0, 0.0f64, 0.0, 0);
            for _ in 0..draws {
                let mut gaps = Vec::with_capacity(workloads.len());
                for w in workloads {
                    let factor: f64 = 1.0 + sigma * normal.sample(&mut rng);
                    let beta = rule_beta(w.t_es * factor.max(1e-3), r0, &w.betas);
                    changed += usize::from(beta != rule_beta(w.t_es, r0, &w.betas));
                    gaps.push(w.gap(beta).expect("on the grid"));
                }
                let a = aggregate(&gaps);
                (mean, max, under) = (mean + a.mean, max + a.max, under + a.under_1pct as f64);
                worst = worst.max(a.max);
            }
            let d = draws as f64;
            NoiseRow {
                sigma,
                mean_gap: mean / d,
                max_gap: max / d,
                worst_max_gap: worst,
                under_1pct: under / d,
                changed: changed as f64 / (d * workloads.len() as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(loss: &[f64], t_es: f64) -> WorkloadLosses {
        WorkloadLosses {
            name: "w".into(),
            betas: vec![0.68377, 0.9, 0.94377, 0.99],
            loss: loss.to_vec(),
            t_es,
        }
    }

    #[test]
    fn seed_offsets_are_removed_before_averaging() {
        // μ = [1.0, 0.9, 0.95]; seed 2 is 0.1 easier everywhere and ran only the last two β.
        let runs = vec![
            vec![(1, 1.0)],
            vec![(1, 0.9), (2, 0.8)],
            vec![(1, 0.95), (2, 0.85)],
        ];
        let (losses, offsets) = seed_adjusted_losses(&runs, 1);
        assert_eq!(offsets.len(), 1);
        assert!((offsets[0].1 + 0.1).abs() < 1e-12);
        for (got, want) in losses.iter().zip([1.0, 0.9, 0.95]) {
            assert!((got - want).abs() < 1e-12, "{losses:?}");
        }
        // A raw mean would have made β₂ look 5% better than it is relative to β₁.
        let diverged = vec![vec![(1, f64::INFINITY), (2, 0.5)], vec![(1, 1.0), (2, 0.9)]];
        let (losses, offsets) = seed_adjusted_losses(&diverged, 1);
        assert!(
            (offsets[0].1 + 0.1).abs() < 1e-12,
            "only finite pairs count"
        );
        assert_eq!(
            losses[0],
            f64::INFINITY,
            "a seed that never had a finite loss stays +∞"
        );
        assert!((losses[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn aggregates_follow_the_papers_definitions() {
        let a = aggregate(&[0.0, 2.0, 0.5, 4.0, 1.0]);
        assert_eq!(a.max, 4.0);
        assert!((a.mean - 1.5).abs() < 1e-12);
        // ⌈5/4⌉ = 2 worst: (4 + 2) / 2.
        assert!((a.cvar - 3.0).abs() < 1e-12);
        assert_eq!(a.under_1pct, 2); // 0.0 and 0.5; 1.0 is not under 1%
    }

    #[test]
    fn gaps_are_relative_to_the_oracle_in_percent() {
        let w = workload(&[2.2, 2.0, 2.02, 2.5], 10_000.0);
        assert_eq!(w.oracle(), (0.9, 2.0));
        assert!((w.gap(0.94377).unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(w.gap(0.5), None);
    }

    #[test]
    fn the_rule_snaps_to_the_grid_that_was_run() {
        let betas = [0.68377, 0.9, 0.94377, 0.99];
        // 1 − 1000/10 000 = 0.9; 1 − 1000/20 000 = 0.95 → 0.94377; 1 − 1000/2 000 = 0.5 → 0.68377.
        assert_eq!(rule_beta(10_000.0, 1000.0, &betas), 0.9);
        assert_eq!(rule_beta(20_000.0, 1000.0, &betas), 0.94377);
        assert_eq!(rule_beta(2_000.0, 1000.0, &betas), 0.68377);
        assert_eq!(rule_beta(1e9, 1000.0, &betas), 0.99);
    }

    #[test]
    fn the_table_has_the_rule_the_baseline_every_beta_and_the_oracle() {
        let ws = [
            workload(&[2.2, 2.0, 2.02, 2.5], 10_000.0), // rule 0.9: gap 0
            workload(&[1.0, 1.1, 1.05, 1.2], 2_000.0),  // rule 0.68377: gap 0
        ];
        let table = gap_table(&ws, 1000.0, 0.94377);
        let names: Vec<&str> = table.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(names[1], "fixed β = 0.94377");
        assert_eq!(names.len(), 2 + 3 + 1);
        assert_eq!(table[0].betas, vec![0.9, 0.68377]);
        assert_eq!(table[0].aggregate.max, 0.0);
        assert!((table[1].aggregate.max - 5.0).abs() < 1e-9);
        assert_eq!(table.last().unwrap().aggregate.max, 0.0);
    }

    #[test]
    fn r0_and_noise_sensitivity_use_the_same_losses() {
        let ws = [workload(&[2.2, 2.0, 2.02, 2.5], 10_000.0)];
        let by_r0 = r0_sensitivity(&ws, &[1000.0, 500.0]);
        assert_eq!(by_r0[0].1.max, 0.0); // 0.9
        assert!((by_r0[1].1.max - 1.0).abs() < 1e-9); // 1 − 500/10 000 = 0.95 → 0.94377
        let noise = noise_sensitivity(&ws, 1000.0, &[1e-6, 0.5], 200, 7);
        assert_eq!(noise[0].changed, 0.0);
        assert_eq!(noise[0].max_gap, 0.0);
        assert!(
            noise[1].changed > 0.1,
            "σ = 50% moves the choice: {:?}",
            noise[1]
        );
        assert!(noise[1].worst_max_gap >= noise[1].max_gap);
        // Deterministic for a seed.
        let again = noise_sensitivity(&ws, 1000.0, &[0.5], 200, 7);
        assert_eq!(again[0].mean_gap, noise[1].mean_gap);
    }
}
