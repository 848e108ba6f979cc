//! The refresh claims under every analysis convention a reviewer would try: L(β) as the
//! seed-offset-adjusted mean (the report's), the plain mean over the seeds each β has, the first
//! seed alone, and a cross-fitted oracle (β* chosen on the first seed, every gap measured on the
//! other seeds, so the oracle carries neither the winner's curse nor the first seed's luck). A
//! claim is supported or contradicted only if it is so under all of them; a convention whose
//! oracle, rule or fixed β has fewer seeds than the study is flagged. Beside the pooled paired
//! test over workloads, one over model families (the workloads of a family are not independent).

use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::evidence::{BOOTSTRAP_SEED, PAPER_MAX_GAP, WorkloadEvidence};
use super::summary::RefreshWorkloadLine;
use super::verdicts::within_one_percent_claim;
use crate::stats::{ClaimCheck, TTest, Verdict, bootstrap_interval, detectable_from_width};
use crate::study::refresh::analysis::{Aggregate, WorkloadLosses, r0_sensitivity};

/// How L(β) and the oracle are read from a workload's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Convention {
    /// Each extra seed's offset from the first removed, then averaged (the report's).
    SeedAdjusted,
    /// The plain mean over the seeds each β has.
    PlainMean,
    /// The first seed alone (every β has it).
    FirstSeed,
    /// β* = the first seed's best; gaps measured on the mean of the other seeds.
    CrossFitted,
}

impl Convention {
    /// All four, in the report's order.
    pub const ALL: [Convention; 4] = [
        Convention::SeedAdjusted,
        Convention::PlainMean,
        Convention::FirstSeed,
        Convention::CrossFitted,
    ];

    /// Its name in the report.
    pub fn label(self) -> &'static str {
        match self {
            Convention::SeedAdjusted => "seed-offset-adjusted means",
            Convention::PlainMean => "plain means over each β's seeds",
            Convention::FirstSeed => "first seed alone",
            Convention::CrossFitted => {
                "cross-fitted oracle (β* on the first seed, gaps on the others)"
            }
        }
    }
}

/// One workload's gaps under one convention.
#[derive(Debug, Clone, Serialize)]
pub struct ConventionGaps {
    /// The workload.
    pub name: String,
    /// The oracle's β (β* for the cross-fitted oracle).
    pub oracle: f64,
    /// gap(rule), gap(fixed), points (negative: better than the cross-fitted oracle).
    pub gaps: (f64, f64),
    /// The oracle, rule and fixed β with fewer seeds than the study, as `β (n seeds)`.
    pub thin: Vec<String>,
}

/// One convention's results.
#[derive(Debug, Clone, Serialize)]
pub struct ConventionResult {
    /// Which.
    pub convention: Convention,
    /// Per workload.
    pub workloads: Vec<ConventionGaps>,
    /// gap(rule) − gap(fixed) over the workloads.
    pub paired: Option<TTest>,
    /// The same over model families: each family's mean difference is one value.
    pub paired_families: Option<TTest>,
    /// The claims: worst case and within 1%, all workloads and in regime.
    pub claims: Vec<ClaimCheck>,
    /// The R₀ of the study's sweep with the smallest max gap and the one with the smallest mean
    /// gap (ties: the first); `None` for the cross-fitted oracle (its gaps are not to a minimum).
    pub best_r0: Option<(f64, f64)>,
}

/// A claim's verdicts under every convention, and the one that holds under all.
#[derive(Debug, Clone, Serialize)]
pub struct RobustClaim {
    /// The claim.
    pub claim: String,
    /// Per convention: estimate and verdict.
    pub by_convention: Vec<(Convention, f64, Verdict)>,
    /// The report's main verdict (seed-adjusted, its interval redrawing each workload's seed
    /// noise), when there is one.
    pub main: Option<Verdict>,
    /// Supported or contradicted if every convention and the main verdict say so; inconclusive
    /// otherwise.
    pub verdict: Verdict,
}

impl Robustness {
    /// Folds in the report's main claims (the same claims, in the same order): a verdict holds
    /// only if the main one agrees too.
    pub fn with_main(mut self, main: &[ClaimCheck]) -> Self {
        for claim in &mut self.claims {
            if let Some(m) = main.iter().find(|m| m.claim == claim.claim) {
                claim.main = Some(m.verdict);
                if m.verdict != claim.verdict {
                    claim.verdict = Verdict::Inconclusive;
                }
            }
        }
        self
    }
}

/// Everything the robustness section shows.
#[derive(Debug, Clone, Serialize)]
pub struct Robustness {
    /// Per convention.
    pub conventions: Vec<ConventionResult>,
    /// Per claim, across conventions.
    pub claims: Vec<RobustClaim>,
}

fn argmin(values: &[f64]) -> Option<usize> {
    (0..values.len())
        .filter(|&i| values[i].is_finite())
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// One workload's gaps under `convention`; `None` where it cannot be computed (the cross-fitted
/// oracle needs the other seeds at β*, the rule's β and the fixed β).
pub fn convention_gaps(
    w: &RefreshWorkloadLine,
    convention: Convention,
    fixed_beta: f64,
    seeds: &[u64],
) -> Option<ConventionGaps> {
    let betas = &w.losses.betas;
    let first = seeds[0];
    let at = |beta: f64| betas.iter().position(|&b| b == beta);
    let (rule, fixed) = (at(w.rule_beta)?, at(fixed_beta)?);
    let of_seeds = |i: usize, keep: &dyn Fn(u64) -> bool| -> Vec<f64> {
        w.seed_losses[i]
            .iter()
            .filter(|(s, _)| keep(*s))
            .map(|r| r.1)
            .collect()
    };
    let first_seed: Vec<f64> = (0..betas.len())
        .map(|i| {
            of_seeds(i, &|s| s == first)
                .first()
                .copied()
                .unwrap_or(f64::INFINITY)
        })
        .collect();
    let (oracle, loss): (usize, Vec<f64>) = match convention {
        Convention::SeedAdjusted => (argmin(&w.losses.loss)?, w.losses.loss.clone()),
        Convention::PlainMean => {
            let plain: Vec<f64> = (0..betas.len())
                .map(|i| mean(&of_seeds(i, &|_| true)).unwrap_or(f64::INFINITY))
                .collect();
            (argmin(&plain)?, plain)
        }
        Convention::FirstSeed => (argmin(&first_seed)?, first_seed.clone()),
        Convention::CrossFitted => {
            let held_out: Vec<f64> = (0..betas.len())
                .map(|i| mean(&of_seeds(i, &|s| s != first)).unwrap_or(f64::INFINITY))
                .collect();
            (argmin(&first_seed)?, held_out)
        }
    };
    let gap = |i: usize| 100.0 * (loss[i] - loss[oracle]) / loss[oracle];
    let (g_rule, g_fixed) = (gap(rule), gap(fixed));
    if !(g_rule.is_finite() && g_fixed.is_finite()) {
        return None;
    }
    let mut thin = Vec::new();
    for i in [oracle, rule, fixed] {
        let n = w.seed_losses[i].len();
        let label = format!("{} ({n} seed{})", betas[i], if n == 1 { "" } else { "s" });
        if n < seeds.len() && !thin.contains(&label) {
            thin.push(label);
        }
    }
    Some(ConventionGaps {
        name: w.name.clone(),
        oracle: betas[oracle],
        gaps: (g_rule, g_fixed),
        thin,
    })
}

/// "The rule cuts the worst case" from fixed per-workload gaps: max gap(fixed) − max gap(rule),
/// bootstrap over workloads.
fn worst_case(gaps: &[(f64, f64)], name: &str) -> Option<ClaimCheck> {
    let max = |v: &mut dyn Iterator<Item = f64>| v.fold(f64::NEG_INFINITY, f64::max);
    let effect = |idx: &[usize]| {
        max(&mut idx.iter().map(|&i| gaps[i].1)) - max(&mut idx.iter().map(|&i| gaps[i].0))
    };
    let all: Vec<usize> = (0..gaps.len()).collect();
    let interval = bootstrap_interval(gaps.len(), BOOTSTRAP_SEED, |idx, _: &mut ChaCha8Rng| {
        effect(idx)
    })?;
    let paper = PAPER_MAX_GAP.0 - PAPER_MAX_GAP.1;
    Some(ClaimCheck {
        claim: format!(
            "the rule cuts the worst-case gap ({name}, n = {})",
            gaps.len()
        ),
        effect: "max gap(β = 0.94377) − max gap(rule), points".into(),
        estimate: effect(&all),
        interval,
        method: "bootstrap over workloads".into(),
        p: None,
        paper: Some(paper),
        detectable: Some(detectable_from_width(interval)),
        verdict: Verdict::of(interval, Some(paper)),
    })
}

/// L(β) of every grid point under a mean convention (`None` for the cross-fitted oracle).
fn convention_losses(
    w: &RefreshWorkloadLine,
    convention: Convention,
    first: u64,
) -> Option<Vec<f64>> {
    let of = |i: usize, keep: &dyn Fn(u64) -> bool| -> Vec<f64> {
        w.seed_losses[i]
            .iter()
            .filter(|(s, _)| keep(*s))
            .map(|r| r.1)
            .collect()
    };
    let n = w.losses.betas.len();
    match convention {
        Convention::SeedAdjusted => Some(w.losses.loss.clone()),
        Convention::PlainMean => Some(
            (0..n)
                .map(|i| mean(&of(i, &|_| true)).unwrap_or(f64::INFINITY))
                .collect(),
        ),
        Convention::FirstSeed => Some(
            (0..n)
                .map(|i| {
                    of(i, &|s| s == first)
                        .first()
                        .copied()
                        .unwrap_or(f64::INFINITY)
                })
                .collect(),
        ),
        Convention::CrossFitted => None,
    }
}

/// The sweep's R₀ with the smallest max gap and with the smallest mean gap.
fn best_r0(
    lines: &[RefreshWorkloadLine],
    convention: Convention,
    first: u64,
    r0s: &[f64],
) -> Option<(f64, f64)> {
    let losses: Vec<WorkloadLosses> = lines
        .iter()
        .map(|w| {
            Some(WorkloadLosses {
                loss: convention_losses(w, convention, first)?,
                ..w.losses.clone()
            })
        })
        .collect::<Option<_>>()?;
    let sweep = r0_sensitivity(&losses, r0s);
    let pick = |f: fn(&Aggregate) -> f64| {
        sweep
            .iter()
            .min_by(|a, b| f(&a.1).total_cmp(&f(&b.1)))
            .map(|x| x.0)
    };
    Some((pick(|a| a.max)?, pick(|a| a.mean)?))
}

/// Every claim under every convention. `evidence` gives each workload's family, regime and
/// noise floor (the same under every convention); `r0s` is the study's R₀ sweep.
pub fn robustness(
    lines: &[RefreshWorkloadLine],
    evidence: &[WorkloadEvidence],
    fixed_beta: f64,
    seeds: &[u64],
    r0s: &[f64],
) -> Robustness {
    let mut conventions = Vec::new();
    for convention in Convention::ALL {
        let mut gaps = Vec::new();
        let mut ev: Vec<WorkloadEvidence> = Vec::new();
        for (w, e) in lines.iter().zip(evidence) {
            if let Some(g) = convention_gaps(w, convention, fixed_beta, seeds) {
                let mut e = e.clone();
                e.gaps = g.gaps;
                ev.push(e);
                gaps.push(g);
            }
        }
        let diffs: Vec<f64> = gaps.iter().map(|g| g.gaps.0 - g.gaps.1).collect();
        let mut families: Vec<&str> = ev.iter().map(|e| e.model.as_str()).collect();
        families.sort_unstable();
        families.dedup();
        let family_means: Vec<f64> = families
            .iter()
            .filter_map(|f| {
                let d: Vec<f64> = ev
                    .iter()
                    .zip(&diffs)
                    .filter(|(e, _)| e.model == *f)
                    .map(|(_, d)| *d)
                    .collect();
                mean(&d)
            })
            .collect();
        let mut claims = Vec::new();
        let all: Vec<usize> = (0..ev.len()).collect();
        let regime: Vec<usize> = all.iter().copied().filter(|&i| ev[i].in_regime).collect();
        for (subset, name) in [(&all, "all"), (&regime, "in regime")] {
            let g: Vec<(f64, f64)> = subset.iter().map(|&i| ev[i].gaps).collect();
            claims.extend(worst_case(&g, name));
            claims.extend(within_one_percent_claim(&ev, subset, name));
        }
        conventions.push(ConventionResult {
            convention,
            workloads: gaps,
            paired: TTest::of(&diffs),
            paired_families: TTest::of(&family_means),
            claims,
            best_r0: best_r0(lines, convention, seeds[0], r0s),
        });
    }
    let names: Vec<String> = conventions[0]
        .claims
        .iter()
        .map(|c| c.claim.clone())
        .collect();
    let claims = names
        .iter()
        .enumerate()
        .map(|(k, claim)| {
            let by_convention: Vec<(Convention, f64, Verdict)> = conventions
                .iter()
                .filter_map(|c| {
                    c.claims
                        .get(k)
                        .map(|x| (c.convention, x.estimate, x.verdict))
                })
                .collect();
            let verdicts: Vec<Verdict> = by_convention.iter().map(|x| x.2).collect();
            let verdict = Verdict::unanimous(&verdicts, Convention::ALL.len());
            RobustClaim {
                claim: claim.clone(),
                by_convention,
                main: None,
                verdict,
            }
        })
        .collect();
    Robustness {
        conventions,
        claims,
    }
}

#[cfg(test)]
mod tests;
