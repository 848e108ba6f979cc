//! What the surge grid can resolve, and the paper's claims with computed verdicts: lr* rises
//! with the batch below the peak; beyond B_noise it falls as fast as eq. 13 predicts (the
//! surge); B_noise grows as the target loss falls. A change of lr* counts only when the near-tie
//! sets do not overlap, and a verdict on the shape of lr* stands only if the near-tie sets of
//! both tie tests ([`TieTest`]: pooled SD, per-rate) give it.

use burn_balanced_adam::surge::surge_lr;
use serde::Serialize;

use super::fit::{Cell, SurgeRun, TargetFit, TieTest, cells, fit_optima, optima};
use crate::stats::{Interval, TTest, Verdict};

/// The shape of lr* against batch size that one target's near-tie sets resolve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shape {
    /// The batch with the largest lr* (ties: the smallest batch).
    pub peak_batch: f64,
    /// Whether the peak's whole near-tie set lies above a smaller batch's.
    pub resolved_rise: bool,
    /// Batches beyond the peak whose whole near-tie set lies below the peak's.
    pub resolved_fall: Vec<f64>,
    /// Batches beyond the peak, at ≥ 4·B_noise, where eq. 13 (anchored at the peak's lr*)
    /// predicts a fall of more than one grid step, but its predicted rate lies resolvably below
    /// the near-tie set while the set still holds the peak's lr* (no fall).
    pub no_fall_where_predicted: Vec<f64>,
}

/// The shape of one target's optima (`None` with fewer than two batches).
pub fn shape(fit: &TargetFit) -> Option<Shape> {
    let o = &fit.optima;
    if o.len() < 2 {
        return None;
    }
    let p = (0..o.len())
        .max_by(|&a, &b| o[a].lr.total_cmp(&o[b].lr).then(b.cmp(&a)))
        .expect("non-empty");
    let peak = &o[p];
    // A change needs both sets bounded on the sides compared: a set that runs into the grid's
    // edge says nothing of where lr* lies beyond it.
    let resolved_rise = peak.bounded.0
        && o[..p]
            .iter()
            .any(|x| x.bounded.1 && peak.tie_range().0 > x.tie_range().1);
    let resolved_fall = o[p + 1..]
        .iter()
        .filter(|x| peak.bounded.0 && x.bounded.1 && x.tie_range().1 < peak.tie_range().0)
        .map(|x| x.batch)
        .collect();
    // Eq. 13's fall from the measured peak, anchored at the peak's lr*: lr*(B) = lr*(peak) ·
    // s(B)/s(peak) with s(B) = √(B·B_noise)/(B + B_noise) (ε_max cancels).
    let no_fall_where_predicted = match fit.noise_scale {
        Some((b_noise, ..)) => o[p + 1..]
            .iter()
            .filter(|x| {
                let ratio = surge_lr(x.batch, b_noise, 1.0) / surge_lr(peak.batch, b_noise, 1.0);
                let predicted = peak.lr * ratio;
                x.batch >= 4.0 * b_noise
                    && -ratio.log10() > x.grid_step
                    && x.bounded.0
                    && predicted < x.tie_range().0
                    && x.tie_range().1 >= peak.lr
            })
            .map(|x| x.batch)
            .collect(),
        None => Vec::new(),
    };
    Some(Shape {
        peak_batch: peak.batch,
        resolved_rise,
        resolved_fall,
        no_fall_where_predicted,
    })
}

/// A claim's verdict under each tie test, and the one that stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ByTieTest {
    /// With the paired SD pooled over each batch size's rates.
    pub pooled: Verdict,
    /// With each rate's own paired SD.
    pub per_rate: Verdict,
    /// What both say ([`Verdict::unanimous`]).
    pub verdict: Verdict,
}

impl ByTieTest {
    fn of(verdict_under: impl Fn(TieTest) -> Verdict) -> ByTieTest {
        let (pooled, per_rate) = (
            verdict_under(TieTest::Pooled),
            verdict_under(TieTest::PerRate),
        );
        ByTieTest {
            pooled,
            per_rate,
            verdict: Verdict::unanimous(&[pooled, per_rate], TieTest::ALL.len()),
        }
    }

    /// The verdict under `test`.
    pub fn under(&self, test: TieTest) -> Verdict {
        match test {
            TieTest::Pooled => self.pooled,
            TieTest::PerRate => self.per_rate,
        }
    }
}

/// The paper's claims over all targets.
#[derive(Debug, Clone, Serialize)]
pub struct SurgeClaims {
    /// "lr* rises with the batch size below the peak": supported where a target resolves a
    /// rise, otherwise inconclusive (a flat optimum cannot contradict a rise the grid may not
    /// resolve). Like `fall`, inconclusive whenever an optimum rests on a single seed.
    pub rise: ByTieTest,
    /// "Beyond B_noise, lr* falls": supported where a target resolves a fall beyond the peak;
    /// contradicted where, at ≥ 4·B_noise, the near-tie set excludes eq. 13's predicted fall
    /// (anchored at the peak's lr*, more than a grid step) and includes no fall; inconclusive
    /// otherwise, and when targets disagree.
    pub fall: ByTieTest,
    /// "B_noise grows as the target loss falls": B_noise(lowest target) − B_noise(highest
    /// target), with the t interval over per-seed fits (`None` with one seed per cell, or a
    /// seed whose fit fails).
    pub b_noise_growth: Option<(f64, Interval)>,
    /// Its verdict (inconclusive without an interval).
    pub growth: Verdict,
}

/// The claims from the fits of every target (`fits` in any order) and the runs behind them.
pub fn claims(runs: &[SurgeRun], fits: &[TargetFit]) -> SurgeClaims {
    // One seed says nothing of the run-to-run noise: no change of lr* is resolved then.
    let replicated = fits.iter().flat_map(|f| &f.optima).all(|o| o.seeds >= 2);
    let shapes = |test: TieTest| -> Vec<Shape> {
        fits.iter().filter_map(|f| shape(&f.under(test))).collect()
    };
    let rise = ByTieTest::of(|test| {
        if replicated && shapes(test).iter().any(|s| s.resolved_rise) {
            Verdict::Supported
        } else {
            Verdict::Inconclusive
        }
    });
    let fall = ByTieTest::of(|test| {
        let shapes = shapes(test);
        // Targets that disagree (one resolves the fall, another excludes it) decide nothing.
        let falls = shapes.iter().any(|s| !s.resolved_fall.is_empty());
        let holds = shapes.iter().any(|s| !s.no_fall_where_predicted.is_empty());
        match (replicated, falls, holds) {
            (true, true, false) => Verdict::Supported,
            (true, false, true) => Verdict::Contradicted,
            _ => Verdict::Inconclusive,
        }
    });
    let b_noise_growth = growth(runs, fits);
    SurgeClaims {
        rise,
        fall,
        growth: b_noise_growth.map_or(Verdict::Inconclusive, |(_, i)| Verdict::of(i, None)),
        b_noise_growth,
    }
}

/// B_noise(lowest target) − B_noise(highest target) from the pooled fits, and the 95% t
/// interval of the same difference fitted on each seed alone (every run of a seed shares its
/// batch order, so a seed is one replicate of the whole sweep). A percentile bootstrap over 3
/// seeds has only 10 distinct resamples: too few for a 95% interval.
fn growth(runs: &[SurgeRun], fits: &[TargetFit]) -> Option<(f64, Interval)> {
    let b = |f: &TargetFit| f.noise_scale.map(|n| n.0);
    let high = fits.iter().max_by(|x, y| x.target.total_cmp(&y.target))?;
    let low = fits.iter().min_by(|x, y| x.target.total_cmp(&y.target))?;
    if high.target == low.target {
        return None;
    }
    let estimate = b(low)? - b(high)?;
    let (hi_cells, lo_cells) = (cells(runs, high.target), cells(runs, low.target));
    let mut seeds: Vec<u64> = hi_cells
        .iter()
        .flat_map(|c| c.steps.iter().map(|s| s.0))
        .collect();
    seeds.sort_unstable();
    seeds.dedup();
    let one_seed = |cs: &[Cell], seed: u64| -> Vec<Cell> {
        cs.iter()
            .map(|c| Cell {
                steps: c.steps.iter().filter(|s| s.0 == seed).copied().collect(),
                ..c.clone()
            })
            .collect()
    };
    let fit = |cs: &[Cell], target| fit_optima(target, optima(cs)).noise_scale.map(|n| n.0);
    let per_seed: Vec<f64> = seeds
        .iter()
        .filter_map(|&seed| {
            let l = fit(&one_seed(&lo_cells, seed), low.target)?;
            let h = fit(&one_seed(&hi_cells, seed), high.target)?;
            Some(l - h)
        })
        .collect();
    // Every seed must give both fits: a seed left out would bias the interval.
    if per_seed.len() < 2 || per_seed.len() < seeds.len() {
        return None;
    }
    Some((estimate, TTest::of(&per_seed)?.ci))
}
