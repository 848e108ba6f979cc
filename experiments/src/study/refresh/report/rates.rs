//! The rate confound: every family's learning rate was tuned at the pilot's β (step 1, one
//! seed), which favours that β. The rate check trains the rule's β at the same rates (first
//! seed); the family rate is re-chosen by step 1's rule (the smallest mean over the family's
//! workloads of L(rate) / L(that workload's best rate)), and where it changes, the rule's β and
//! the pilot's are compared at both rates with every seed.

use serde::Serialize;

use crate::stats::TTest;
use crate::study::refresh::definition::RefreshStudy;
use crate::study::refresh::runner::{WorkloadRuns, min_valid_loss};

/// L of a run by (β, seed), at one rate.
type LossAt<'a> = dyn Fn(f64, u64) -> Option<f64> + 'a;

/// One workload's rate check: L at the rule's β, first seed, per rate.
#[derive(Debug, Clone, Serialize)]
pub struct RateCheckLine {
    /// The workload.
    pub name: String,
    /// Its model family.
    pub family: String,
    /// The rule's β.
    pub rule_beta: f64,
    /// `(rate, L)` over the study's `rule_lrs` (the workload's own rate: its grid run).
    pub losses: Vec<(f64, f64)>,
}

/// One family's choice at the rule's β.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyRate {
    /// `cnn`, `vit`, `gpt`.
    pub family: String,
    /// The rate it used (tuned at the pilot's β).
    pub tuned_at_pilot: f64,
    /// Per rate: the mean over its workloads of L(rate) / L(best rate).
    pub ratios: Vec<(f64, f64)>,
    /// The rate those ratios choose at the rule's β.
    pub at_rule: f64,
}

/// The rule's β against the pilot's at one rate, paired by seed.
#[derive(Debug, Clone, Serialize)]
pub struct RateComparison {
    /// The workload.
    pub name: String,
    /// The rate.
    pub lr: f64,
    /// Whether it is the family's re-tuned rate (else the one tuned at the pilot's β).
    pub retuned: bool,
    /// `(seed, L(rule), L(pilot))`.
    pub pairs: Vec<(u64, f64, f64)>,
    /// 100 · (L(rule) − L(pilot)) / L(pilot) per seed, over seeds.
    pub diff_pct: Option<TTest>,
}

/// Everything the rate section shows.
#[derive(Debug, Clone, Serialize)]
pub struct RateConfound {
    /// Per workload.
    pub lines: Vec<RateCheckLine>,
    /// Per family.
    pub families: Vec<FamilyRate>,
    /// Where a family's rate changed: per workload, at its old and at its new rate.
    pub comparisons: Vec<RateComparison>,
    /// Per re-tuned family and rate: the mean over its workloads of their mean differences,
    /// t over workloads.
    pub family_comparisons: Vec<(String, String, Option<TTest>)>,
}

/// The rate check's table, the family choices and the comparisons at both rates; `None` without
/// a rate check.
pub fn rate_confound(study: &RefreshStudy) -> Option<RateConfound> {
    if study.rule_lrs.is_empty() {
        return None;
    }
    let first = study.seeds[0];
    let mut lines = Vec::new();
    let mut comparisons = Vec::new();
    for workload in &study.workloads {
        let Ok(runs) = WorkloadRuns::read(study, workload) else {
            continue;
        };
        let Some(rule) = runs.rule_beta(study) else {
            continue;
        };
        let own = workload.config.schedule.peak_lr();
        let grid = |beta: f64, seed: u64| -> Option<f64> {
            let i = study.betas.iter().position(|&b| b == beta)?;
            runs.runs[i]
                .iter()
                .find(|(s, _)| *s == seed)
                .map(|(_, s)| min_valid_loss(s))
        };
        let mut losses: Vec<(f64, f64)> = runs
            .rate_runs
            .iter()
            .map(|(lr, s)| (*lr, min_valid_loss(s)))
            .collect();
        losses.extend(grid(rule, first).map(|l| (own, l)));
        losses.sort_by(|a, b| a.0.total_cmp(&b.0));
        if losses.len() < study.rule_lrs.len() {
            continue; // the check is not complete
        }
        let family = workload.config.model.kind().to_string();
        lines.push(RateCheckLine {
            name: workload.name.clone(),
            family,
            rule_beta: rule,
            losses,
        });
        if let Some(lr) = study.retuned_lr(workload) {
            let retuned = |beta: f64, seed: u64| {
                runs.retuned_runs
                    .iter()
                    .find(|(b, s, _)| *b == beta && *s == seed)
                    .map(|(_, _, r)| min_valid_loss(r))
                    .or_else(|| {
                        (beta == rule && seed == first)
                            .then(|| {
                                runs.rate_runs
                                    .iter()
                                    .find(|(r, _)| *r == lr)
                                    .map(|(_, s)| min_valid_loss(s))
                            })
                            .flatten()
                    })
            };
            let at_rates: [(f64, bool, &LossAt); 2] = [(own, false, &grid), (lr, true, &retuned)];
            for (rate, is_retuned, at) in at_rates {
                let pairs: Vec<(u64, f64, f64)> = study
                    .seeds
                    .iter()
                    .filter_map(|&s| Some((s, at(rule, s)?, at(study.pilot_beta, s)?)))
                    .collect();
                let diffs: Vec<f64> = pairs.iter().map(|p| 100.0 * (p.1 - p.2) / p.2).collect();
                comparisons.push(RateComparison {
                    name: workload.name.clone(),
                    lr: rate,
                    retuned: is_retuned,
                    diff_pct: TTest::of(&diffs),
                    pairs,
                });
            }
        }
    }
    let mut families: Vec<String> = lines.iter().map(|l| l.family.clone()).collect();
    families.sort();
    families.dedup();
    let family_rates = families
        .iter()
        .map(|family| {
            let members: Vec<&RateCheckLine> =
                lines.iter().filter(|l| l.family == *family).collect();
            let ratios: Vec<(f64, f64)> = study
                .rule_lrs
                .iter()
                .map(|&lr| {
                    let r: Vec<f64> = members
                        .iter()
                        .filter_map(|l| {
                            let best = l.losses.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                            l.losses.iter().find(|p| p.0 == lr).map(|p| p.1 / best)
                        })
                        .collect();
                    (lr, r.iter().sum::<f64>() / r.len().max(1) as f64)
                })
                .collect();
            let at_rule = ratios
                .iter()
                .filter(|r| r.1.is_finite())
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(f64::NAN, |r| r.0);
            let tuned_at_pilot = study
                .workloads
                .iter()
                .find(|w| w.config.model.kind() == family)
                .map_or(f64::NAN, |w| w.config.schedule.peak_lr());
            FamilyRate {
                family: family.clone(),
                tuned_at_pilot,
                ratios,
                at_rule,
            }
        })
        .collect();
    let mut family_comparisons = Vec::new();
    for family in &families {
        for which in ["tuned at the pilot's β", "re-tuned at the rule's β"] {
            let means: Vec<f64> = comparisons
                .iter()
                .filter(|c| {
                    lines
                        .iter()
                        .any(|l| l.name == c.name && l.family == *family)
                        && c.retuned == (which == "re-tuned at the rule's β")
                })
                .filter_map(|c| c.diff_pct.map(|t| t.mean))
                .collect();
            if !means.is_empty() {
                family_comparisons.push((family.clone(), which.to_string(), TTest::of(&means)));
            }
        }
    }
    Some(RateConfound {
        lines,
        families: family_rates,
        comparisons,
        family_comparisons,
    })
}
