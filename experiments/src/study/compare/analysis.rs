//! The comparison study's numbers, from its run directories alone: per workload and optimizer
//! the learning-rate search, the arm of final seeds (mean ± std) and the per-seed differences
//! from the baseline optimizer with a paired t-test.

use serde::Serialize;

use super::definition::CompareStudy;
use super::runner::{read_decision, search};
use crate::artifacts::provenance::{Invocation, RunsProvenance};
use crate::error::ExperimentError;
use crate::report::RunView;
use crate::report::arms::{Arm, Spread, arm};
use crate::stats::{ALPHA, ClaimCheck, Interval, TTest, Verdict, holm};
use crate::study::runs::finished_run;

/// Per-seed differences `optimizer − baseline` of one metric, with an exact paired t-test.
#[derive(Debug, Clone, Serialize)]
pub struct Paired {
    /// Mean ± std of the differences.
    pub diff: Spread,
    /// Seeds where the optimizer did better.
    pub better: usize,
    /// The paired t-test, interval and detectable difference (needs ≥ 2 seeds).
    pub test: Option<TTest>,
    /// The p-value after Holm's correction over the report's comparisons of this metric.
    pub p_holm: Option<f64>,
    /// Whether the Holm-adjusted p is below 0.05.
    pub significant: bool,
}

impl Paired {
    /// From paired values `(optimizer, baseline)`; `higher_is_better` orients `better`.
    pub fn of(pairs: &[(f64, f64)], higher_is_better: bool) -> Option<Paired> {
        let diffs: Vec<f64> = pairs.iter().map(|(a, b)| a - b).collect();
        let diff = Spread::of(diffs.iter().copied())?;
        let better = pairs
            .iter()
            .filter(|(a, b)| if higher_is_better { a > b } else { a < b })
            .count();
        Some(Paired {
            diff,
            better,
            test: TTest::of(&diffs),
            p_holm: None,
            significant: false,
        })
    }
}

/// Holm's correction over every `Paired` that `field` picks out of the report (one family per
/// metric: the headline differences, and the gap differences).
fn correct(
    workloads: &mut [CompareWorkloadLine],
    field: fn(&mut OptimizerLine) -> &mut Option<Paired>,
) {
    let mut ps = Vec::new();
    for w in workloads.iter_mut() {
        for o in w.optimizers.iter_mut() {
            if let Some(t) = field(o).as_ref().and_then(|p| p.test) {
                ps.push(t.p);
            }
        }
    }
    let mut adjusted = holm(&ps).into_iter();
    for w in workloads.iter_mut() {
        for o in w.optimizers.iter_mut() {
            if let Some(p) = field(o).as_mut().filter(|p| p.test.is_some()) {
                let q = adjusted.next().expect("one adjusted p per test");
                p.p_holm = Some(q);
                p.significant = q < ALPHA;
            }
        }
    }
}

/// The papers' claims this comparison can test, per workload: DualAdam generalizes better than
/// Adam (a better headline metric; a smaller test − train gap), and FAdam beats Adam. Effects
/// are oriented so that positive is what the paper claims; the verdict comes from the 95%
/// interval and is "inconclusive" whenever the Holm-adjusted p (over the report) is ≥ 0.05.
fn claims(study: &CompareStudy, workloads: &[CompareWorkloadLine]) -> Vec<ClaimCheck> {
    let mut out = Vec::new();
    for (w, line) in study.workloads.iter().zip(workloads) {
        let (metric, direction, unit) = if line.language {
            ("test loss", "lower", ", sign flipped")
        } else {
            ("test accuracy", "higher", ", points")
        };
        for (o, opt) in line.optimizers.iter().enumerate() {
            let base = &study.optimizers[study.optimizers[o].baseline].name;
            let better = || {
                let effect = format!("{metric}, {} − {base}{unit}", opt.name);
                claim_check(effect, &opt.vs_baseline, line.language)
            };
            let checks = match w.configs[o].optimizer.kind() {
                "dual_adam" => vec![
                    better().map(|c| ClaimCheck {
                        claim: format!(
                            "{}: {} generalizes better than {base} ({metric} {direction})",
                            line.name, opt.name
                        ),
                        ..c
                    }),
                    claim_check(
                        format!("gap({base}) − gap({}), loss", opt.name),
                        &opt.gap_vs_baseline,
                        true,
                    )
                    .map(|c| ClaimCheck {
                        claim: format!(
                            "{}: {} has a smaller test − train gap than {base}",
                            line.name, opt.name
                        ),
                        ..c
                    }),
                ],
                "fadam" => vec![better().map(|c| ClaimCheck {
                    claim: format!(
                        "{}: {} beats {base} ({metric} {direction})",
                        line.name, opt.name
                    ),
                    ..c
                })],
                _ => Vec::new(),
            };
            out.extend(checks.into_iter().flatten());
        }
    }
    out
}

/// A claim's check from a paired comparison (its `claim` text left empty for the caller);
/// `flip` turns "lower is better" into a positive effect. `None` without a test.
fn claim_check(effect: String, paired: &Option<Paired>, flip: bool) -> Option<ClaimCheck> {
    let paired = paired.as_ref()?;
    let t = paired.test?;
    let sign = if flip { -1.0 } else { 1.0 };
    let (a, b) = (sign * t.ci.lo, sign * t.ci.hi);
    let interval = Interval {
        lo: a.min(b),
        hi: a.max(b),
    };
    let verdict = match paired.p_holm {
        Some(q) if q < ALPHA => Verdict::of(interval, None),
        _ => Verdict::Inconclusive,
    };
    Some(ClaimCheck {
        claim: String::new(),
        effect,
        estimate: sign * t.mean,
        interval,
        method: format!("paired t over {} seeds", t.n),
        p: paired.p_holm,
        paper: None,
        detectable: Some(t.detectable),
        verdict,
    })
}

/// One optimizer on one workload.
#[derive(Debug, Clone, Serialize)]
pub struct OptimizerLine {
    /// The optimizer's name.
    pub name: String,
    /// The search: `(lr, lowest validation loss of the search seed)`.
    pub search: Vec<(f64, Option<f64>)>,
    /// The chosen rate, once the search is complete.
    pub chosen_lr: Option<f64>,
    /// Whether the chosen rate is the grid's smallest or largest (the optimum may lie outside).
    pub at_edge: bool,
    /// The final seeds at the chosen rate.
    pub arm: Option<Arm>,
    /// The refresh rule's `(seed, T_ES, β)` per final seed.
    pub refresh: Vec<(u64, u64, f64)>,
    /// The total weight-decay exposure η·λ·T at the chosen rate (peak rate × λ × updates), for
    /// an optimizer with weight decay: what a decay setting means for this run length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decay_exposure: Option<f64>,
    /// The optimizer the differences are from, when not the study's baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<String>,
    /// Differences from the baseline in the headline metric (test accuracy, or test loss for
    /// language models), per shared seed.
    pub vs_baseline: Option<Paired>,
    /// Differences from the baseline in the test − train loss gap.
    pub gap_vs_baseline: Option<Paired>,
}

/// One workload's results.
#[derive(Debug, Clone, Serialize)]
pub struct CompareWorkloadLine {
    /// Its name.
    pub name: String,
    /// Model, dataset, batch size, updates.
    pub description: String,
    /// Whether the headline metric is test loss (language) rather than test accuracy.
    pub language: bool,
    /// Per optimizer, in the study's order.
    pub optimizers: Vec<OptimizerLine>,
    /// The data seed fixed across the training seeds (`data.seed`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_seed: Option<u64>,
}

/// Everything the report shows (`summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct CompareSummary {
    /// Study name and profile.
    pub study: String,
    /// Profile.
    pub profile: String,
    /// The baseline optimizer.
    pub baseline: String,
    /// The rate grid.
    pub lrs: Vec<f64>,
    /// The search seed.
    pub search_seed: u64,
    /// The final seeds.
    pub seeds: Vec<u64>,
    /// The workloads.
    pub workloads: Vec<CompareWorkloadLine>,
    /// The papers' claims with their intervals and verdicts.
    pub claims: Vec<ClaimCheck>,
    /// Commits, devices, summed run time and count of the finished runs.
    #[serde(flatten)]
    pub provenance: RunsProvenance,
    /// The `study run` invocations (wall clock per shard).
    pub invocations: Vec<Invocation>,
}

impl crate::study::KindSummary for CompareSummary {
    fn finished_runs(&self) -> usize {
        self.provenance.runs
    }

    fn account(&self) -> String {
        format!(
            "{} workloads, {} finished runs",
            self.workloads.len(),
            self.provenance.runs
        )
    }
}

/// The headline metric of a run: test accuracy (%), or test loss for language models.
fn headline(run: &RunView, language: bool) -> Option<f64> {
    let test = run.summary.test.as_ref()?;
    if language {
        Some(test.loss)
    } else {
        test.accuracy
    }
}

fn gap(run: &RunView) -> Option<f64> {
    let train = run.summary.trajectory.last()?.train_loss?;
    Some(run.summary.test.as_ref()?.loss - train)
}

/// Pairs of `f` over the seeds both run lists have.
fn pairs(a: &[RunView], b: &[RunView], f: impl Fn(&RunView) -> Option<f64>) -> Vec<(f64, f64)> {
    a.iter()
        .filter_map(|x| {
            let y = b.iter().find(|y| y.summary.seed == x.summary.seed)?;
            Some((f(x)?, f(y)?))
        })
        .collect()
}

/// Reads the study's run directories and computes the summary.
pub fn summarize(study: &CompareStudy) -> Result<CompareSummary, ExperimentError> {
    let mut tally = RunsProvenance::default();
    let mut workloads = Vec::new();
    for (w, workload) in study.workloads.iter().enumerate() {
        let language = workload.configs[0].model.kind() == "gpt";
        let mut finals: Vec<Vec<RunView>> = Vec::new();
        let mut lines = Vec::new();
        for (o, optimizer) in study.optimizers.iter().enumerate() {
            // Every finished run counts towards the provenance, pilots at other rates included.
            for (lr, seed) in study.run_points(o) {
                let dir = study.run_dir(w, o, lr, seed);
                if let Some(s) = finished_run(&dir, &study.run_config(w, o, lr, seed))? {
                    tally.add(&s);
                }
            }
            let (losses, chosen_lr) = search(study, w, o)?;
            let mut runs = Vec::new();
            if let Some(lr) = chosen_lr {
                for &seed in &study.seeds {
                    let dir = study.run_dir(w, o, lr, seed);
                    if finished_run(&dir, &study.run_config(w, o, lr, seed))?.is_some() {
                        runs.push(crate::report::load_run(&dir)?);
                    }
                }
            }
            let mut refresh = Vec::new();
            for r in &runs {
                if let Some(d) = read_decision(&r.dir)? {
                    refresh.push((r.summary.seed, d.t_es.t_es, d.beta));
                }
            }
            let refs: Vec<&RunView> = runs.iter().collect();
            let config = workload.configs[o].to_toml();
            lines.push(OptimizerLine {
                name: optimizer.name.clone(),
                search: study.lrs.iter().copied().zip(losses).collect(),
                at_edge: optimizer.lr.is_none()
                    && chosen_lr.is_some_and(|lr| {
                        lr == study.lrs[0] || lr == study.lrs[study.lrs.len() - 1]
                    }),
                chosen_lr,
                arm: (!runs.is_empty())
                    .then(|| arm(workload.name.clone(), optimizer.name.clone(), config, &refs)),
                refresh,
                decay_exposure: decay_exposure(
                    chosen_lr,
                    workload.configs[o].optimizer.weight_decay(),
                    workload.updates(),
                ),
                compared_with: (optimizer.baseline != study.baseline)
                    .then(|| study.optimizers[optimizer.baseline].name.clone()),
                vs_baseline: None,
                gap_vs_baseline: None,
            });
            finals.push(runs);
        }
        for (o, line) in lines.iter_mut().enumerate() {
            if o != study.baseline || study.optimizers[o].baseline != study.baseline {
                let base = &finals[study.optimizers[o].baseline];
                let metric = |r: &RunView| headline(r, language);
                line.vs_baseline = Paired::of(&pairs(&finals[o], base, metric), !language);
                line.gap_vs_baseline = Paired::of(&pairs(&finals[o], base, gap), false);
            }
        }
        let c = &workload.configs[0];
        workloads.push(CompareWorkloadLine {
            name: workload.name.clone(),
            description: format!(
                "{} on {}, batch {}, {} updates, {} schedule",
                c.model.kind(),
                c.data.dataset,
                c.training.batch_size,
                workload.updates(),
                c.schedule.kind()
            ),
            language,
            optimizers: lines,
            data_seed: c.data.seed,
        });
    }
    correct(&mut workloads, |o| &mut o.vs_baseline);
    correct(&mut workloads, |o| &mut o.gap_vs_baseline);
    let claims = claims(study, &workloads);
    Ok(CompareSummary {
        study: study.name.clone(),
        profile: study.profile.clone(),
        baseline: study.optimizers[study.baseline].name.clone(),
        lrs: study.lrs.clone(),
        search_seed: study.search_seed,
        seeds: study.seeds.clone(),
        workloads,
        claims,
        provenance: tally.sorted(),
        invocations: Invocation::read_all(&study.root)?,
    })
}

/// The weight decay's exposure ηλT at the chosen rate η: how much decay the run applied in all
/// (`None` without a chosen rate, or without decay).
fn decay_exposure(chosen_lr: Option<f64>, weight_decay: f64, updates: u64) -> Option<f64> {
    chosen_lr
        .map(|lr| lr * weight_decay * updates as f64)
        .filter(|&e| e > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_differences_and_their_t_test() {
        // Differences 1, 2, 3: mean 2, std 1, t = 2·√3 ≈ 3.46, df 2: p ≈ 0.074.
        let p = Paired::of(&[(2.0, 1.0), (4.0, 2.0), (6.0, 3.0)], true).unwrap();
        assert_eq!((p.diff.mean, p.diff.std, p.better), (2.0, 1.0, 3));
        let t = p.test.unwrap();
        assert!((t.p - 0.07417).abs() < 1e-4, "{t:?}");
        assert!(t.ci.contains(0.0) && t.ci.contains(2.0));
        // Lower is better here, so none better.
        let p = Paired::of(&[(3.0, 1.0), (3.1, 1.0), (2.9, 1.0)], false).unwrap();
        assert!(p.test.unwrap().p < 0.01 && p.better == 0);
        // One seed: no test.
        assert!(Paired::of(&[(5.0, 1.0)], true).unwrap().test.is_none());
        assert!(Paired::of(&[], true).is_none());
    }

    #[test]
    fn the_decay_exposure_is_rate_times_decay_times_length_at_the_chosen_rate() {
        // FAdam's default λ = 0.1 at η = 1e-3 over 6 000 updates: ηλT = 0.6.
        let e = super::decay_exposure(Some(1e-3), 0.1, 6000).unwrap();
        assert!((e - 0.6).abs() < 1e-12, "{e}");
        // No decay, or no chosen rate: no exposure.
        assert_eq!(super::decay_exposure(Some(1e-3), 0.0, 6000), None);
        assert_eq!(super::decay_exposure(None, 0.1, 6000), None);
        // The λ it multiplies is the optimizer's own, read from the config as written.
        let table: toml::Table = toml::from_str("kind = \"fadam\"\nweight_decay = 0.25").unwrap();
        let section: crate::config::OptimizerSection =
            toml::Value::Table(table).try_into().unwrap();
        assert_eq!(section.weight_decay(), 0.25);
    }
}
