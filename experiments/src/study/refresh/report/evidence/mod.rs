//! What the refresh study's numbers can carry: each workload's run-to-run noise (from its seed
//! replicates) and the gap difference its design can detect, the paired rule − fixed
//! comparison with intervals, the paper's claims with computed verdicts, R* (the R₀ range that
//! picks each workload's oracle β) and, per model family, whether longer T_ES prefer larger β.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::stats::{
    ClaimCheck, Interval, TTest, Verdict, detectable_difference, pooled_sd, t_quantile,
};
use crate::study::refresh::analysis::{WorkloadLosses, rule_beta};

/// The paper's worst-case gaps (11 experiments): fixed β = 0.94377 and the rule at R₀ = 1000.
pub const PAPER_MAX_GAP: (f64, f64) = (1.328, 0.885);
/// The paper's regime: T_ES between these many updates.
pub const PAPER_T_ES: (f64, f64) = (6_000.0, 40_000.0);
/// Seed of the bootstrap resamples (fixed, so reports regenerate identically).
pub(super) const BOOTSTRAP_SEED: u64 = 2024;

/// One workload's noise floor, from its seed replicates.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Noise {
    /// Pooled SD over seeds of L(β) at the same β, in % of L* (includes the seed's change of
    /// training subset and validation split).
    pub seed_sd_pct: f64,
    /// SD of one run's L(β) once each seed's offset is removed (what the gaps compare), % of L*.
    pub paired_sd_pct: f64,
    /// Degrees of freedom of `paired_sd_pct`.
    pub df: usize,
    /// Seeds behind the near-optimal window's L(β).
    pub window_seeds: usize,
    /// The smallest difference between two window β's gaps the design detects (80% power,
    /// α = 0.05), gap points.
    pub detectable_gap: f64,
    /// Half-width of the 95% interval of one gap between two window β, gap points.
    pub gap_half_width: f64,
}

/// The noise floor of one workload from `runs[i]` = `(seed, min validation loss)` of grid point
/// `i` and `l_star` = its oracle loss; `None` without a β run by two seeds.
pub fn noise(runs: &[Vec<(u64, f64)>], first_seed: u64, l_star: f64) -> Option<Noise> {
    let groups: Vec<Vec<f64>> = runs
        .iter()
        .map(|p| p.iter().map(|r| r.1).collect())
        .collect();
    let (seed_sd, _) = pooled_sd(&groups)?;
    // Differences from the first seed per other seed; their spread is twice one run's variance.
    let mut seeds: Vec<u64> = runs.iter().flatten().map(|r| r.0).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let diffs: Vec<Vec<f64>> = seeds
        .iter()
        .filter(|&&s| s != first_seed)
        .map(|&s| {
            runs.iter()
                .filter_map(|p| {
                    let a = p.iter().find(|r| r.0 == s)?.1;
                    let b = p.iter().find(|r| r.0 == first_seed)?.1;
                    (a.is_finite() && b.is_finite()).then_some(a - b)
                })
                .collect()
        })
        .collect();
    let (diff_sd, df) = pooled_sd(&diffs)?;
    let paired_sd_pct = 100.0 * diff_sd / 2f64.sqrt() / l_star;
    let window_seeds = runs.iter().map(Vec::len).max().unwrap_or(1);
    // Two window β, each averaged over `window_seeds` runs.
    let sd_of_difference = paired_sd_pct * (2.0 / window_seeds as f64).sqrt();
    Some(Noise {
        seed_sd_pct: 100.0 * seed_sd / l_star,
        paired_sd_pct,
        df,
        window_seeds,
        detectable_gap: detectable_difference(sd_of_difference, 1, df)?,
        gap_half_width: t_quantile(0.975, df as f64) * sd_of_difference,
    })
}

/// The R₀ values whose rule picks grid point `i` for this T_ES: `[lo, hi)` (`hi` = ∞ for the
/// grid's smallest β). The rule snaps 1 − R₀/T_ES to the nearest grid β by midpoints.
pub fn r0_range(t_es: f64, betas: &[f64], i: usize) -> (f64, f64) {
    let lo_mid = if i + 1 < betas.len() {
        (betas[i] + betas[i + 1]) / 2.0
    } else {
        1.0
    };
    let hi = if i > 0 {
        t_es * (1.0 - (betas[i - 1] + betas[i]) / 2.0)
    } else {
        f64::INFINITY
    };
    (t_es * (1.0 - lo_mid), hi)
}

/// One workload's line of the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadEvidence {
    /// The workload.
    pub name: String,
    /// Model family.
    pub model: String,
    /// Planned updates.
    pub updates: u64,
    /// T_ES of the pilot.
    pub t_es: f64,
    /// Whether T_ES lies in the paper's range.
    pub in_regime: bool,
    /// The noise floor (`None` without replicates).
    pub noise: Option<Noise>,
    /// gap(rule) and gap(fixed β), gap points.
    pub gaps: (f64, f64),
    /// The β whose L is within the 95% half-width of L* (the oracle and its near-ties); every
    /// finite one without seed replicates.
    pub oracle_ties: Vec<f64>,
    /// R* of the oracle β: the R₀ range `[lo, hi)` that picks it.
    pub r_star: (f64, f64),
    /// The R₀ range that picks any near-tie of the oracle.
    pub r_star_ties: (f64, f64),
    /// What a bootstrap draw perturbs.
    #[serde(skip)]
    draw: NoiseModel,
}

impl WorkloadEvidence {
    /// gap(rule) and gap(fixed β) of one bootstrap draw from this workload's seed noise.
    pub(super) fn draw_gaps(&self, rng: &mut ChaCha8Rng) -> (f64, f64) {
        self.draw.gaps(rng)
    }
}

/// One workload's L(β) with the SD of each (one run's noise over √seeds), and which grid points
/// the rule and the fixed β are: a bootstrap draw perturbs every L(β) and re-picks the oracle.
#[derive(Debug, Clone, Default)]
struct NoiseModel {
    loss: Vec<f64>,
    sd: Vec<f64>,
    rule: usize,
    fixed: usize,
}

impl NoiseModel {
    /// gap(rule) and gap(fixed) of one draw.
    fn gaps(&self, rng: &mut ChaCha8Rng) -> (f64, f64) {
        let loss: Vec<f64> = self
            .loss
            .iter()
            .zip(&self.sd)
            .map(|(&l, &sd)| {
                let z: f64 = StandardNormal.sample(rng);
                l + sd * z
            })
            .collect();
        let best = loss.iter().copied().fold(f64::INFINITY, f64::min);
        let gap = |i: usize| 100.0 * (loss[i] - best) / best;
        (gap(self.rule), gap(self.fixed))
    }
}

/// The paired comparison gap(rule) − gap(fixed) over a set of workloads.
#[derive(Debug, Clone, Serialize)]
pub struct PairedGaps {
    /// Which workloads.
    pub subset: String,
    /// Paired t over the workloads (`None` with fewer than 2).
    pub test: Option<TTest>,
    /// Holm-adjusted p over the report's paired tests.
    pub p_holm: Option<f64>,
    /// Bootstrap interval (resampled workloads) of the mean difference.
    pub bootstrap_mean: Option<Interval>,
    /// Bootstrap interval of max gap(rule) − max gap(fixed).
    pub bootstrap_max: Option<Interval>,
}

/// Within each model family (ordered by T_ES), whether the longer T_ES's oracle β is larger.
#[derive(Debug, Clone, Serialize)]
pub struct TrendCheck {
    /// `(family, shorter, longer, outcome)` with outcome `larger`, `smaller` or `tied` (their
    /// near-tie sets overlap).
    pub pairs: Vec<(String, String, String, String)>,
    /// The computed verdict: supported when some pair is resolvably larger and none smaller,
    /// contradicted in the reverse case, inconclusive otherwise.
    pub verdict: Verdict,
}

/// Everything the evidence sections show.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Per workload.
    pub workloads: Vec<WorkloadEvidence>,
    /// All workloads, then the in-regime subset.
    pub paired: Vec<PairedGaps>,
    /// The paper's claims on all workloads, then on the in-regime subset.
    pub claims: Vec<ClaimCheck>,
    /// Longer run → larger β.
    pub trend: TrendCheck,
}

/// What the evidence is computed from, per workload and for the study.
pub struct EvidenceInput<'a> {
    /// Each workload's seed-adjusted L(β).
    pub losses: &'a [WorkloadLosses],
    /// Each workload's raw `(seed, loss)` per grid point.
    pub runs: &'a [Vec<Vec<(u64, f64)>>],
    /// Each workload's model family and length in updates.
    pub meta: &'a [(String, u64)],
    /// The study's first seed (the one every grid point has).
    pub first_seed: u64,
    /// The rule's R₀.
    pub r0: f64,
    /// The fixed baseline β.
    pub fixed_beta: f64,
}

/// Each workload's evidence.
pub fn workload_evidence(input: &EvidenceInput) -> Vec<WorkloadEvidence> {
    let EvidenceInput {
        first_seed,
        r0,
        fixed_beta,
        ..
    } = *input;
    input
        .losses
        .iter()
        .zip(input.runs)
        .zip(input.meta)
        .map(|((w, runs), (model, updates))| {
            let (oracle_beta, l_star) = w.oracle();
            let noise = noise(runs, first_seed, l_star);
            // Without seed replicates the noise is unknown: no β is resolvably worse.
            let half = noise.map_or(f64::INFINITY, |n| n.gap_half_width);
            let ties: Vec<f64> = w
                .betas
                .iter()
                .filter(|&&b| w.gap(b).is_some_and(|g| g <= half))
                .copied()
                .collect();
            let index = |b: f64| w.betas.iter().position(|&x| x == b).expect("on the grid");
            let rule = rule_beta(w.t_es, r0, &w.betas);
            let one_run_sd = noise.map_or(0.0, |n| n.paired_sd_pct / 100.0 * l_star);
            let draw = NoiseModel {
                loss: w.loss.clone(),
                sd: runs
                    .iter()
                    .map(|p| one_run_sd / (p.len().max(1) as f64).sqrt())
                    .collect(),
                rule: index(rule),
                fixed: index(fixed_beta),
            };
            let first = index(ties[0]);
            let last = index(*ties.last().expect("the oracle is a tie"));
            WorkloadEvidence {
                name: w.name.clone(),
                model: model.clone(),
                updates: *updates,
                t_es: w.t_es,
                in_regime: (PAPER_T_ES.0..=PAPER_T_ES.1).contains(&w.t_es),
                noise,
                gaps: (
                    w.gap(rule).expect("on the grid"),
                    w.gap(fixed_beta).expect("the fixed β is on the grid"),
                ),
                draw,
                r_star: r0_range(w.t_es, &w.betas, index(oracle_beta)),
                r_star_ties: (
                    r0_range(w.t_es, &w.betas, last).0,
                    r0_range(w.t_es, &w.betas, first).1,
                ),
                oracle_ties: ties,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
