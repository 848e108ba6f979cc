//! The surge grid's measurements and fits: the updates each run needs to reach a target
//! training loss (interpolated on the smoothed fine curve), the optimal learning rate per batch
//! size with its near-tie set, and the library's fits through those optima.

use crate::artifacts::RunSummary;
use burn_balanced_adam::surge::{
    NoiseScaleFit, fit_eps_max, fit_noise_scale, fit_power_law_eps_max,
};
use serde::Serialize;

use crate::stats::{TTest, detectable_difference, pooled_sd, t_quantile};

/// Examples a smoothing window of the fine training-loss curve spans (at least one block): 32
/// updates at B = 4, one update from B = 128 on, so the window stays well inside the crossing
/// times it smooths.
pub const SMOOTH_EXAMPLES: f64 = 128.0;

/// One run of the grid.
#[derive(Debug, Clone)]
pub struct SurgeRun {
    /// Examples per update.
    pub batch: f64,
    /// Learning rate.
    pub lr: f64,
    /// Seed.
    pub seed: u64,
    /// `(update, training loss)` in update order: the smoothed fine curve, or the per-evaluation
    /// means placed at each evaluation.
    pub curve: Vec<(f64, f64)>,
    /// Whether `curve` is the fine-resolution one.
    pub fine: bool,
    /// Updates between the curve's points: crossings closer than this cannot be told apart
    /// (the evaluation spacing, or the fine curve's block length).
    pub resolution: f64,
}

impl SurgeRun {
    /// A run's training-loss curve for the analysis: the fine curve smoothed over
    /// [`window_blocks`] blocks when the run recorded one, else the per-evaluation means.
    pub fn from_summary(s: &RunSummary) -> SurgeRun {
        let batch = s.batch_size as f64;
        let (curve, fine, resolution) = match &s.train_curve {
            Some(c) => (
                smooth(&c.points(s.updates_done), window_blocks(batch, c.every)),
                true,
                c.every as f64,
            ),
            None => (
                s.trajectory
                    .iter()
                    .filter_map(|e| Some((e.update as f64, e.train_loss?)))
                    .collect(),
                false,
                s.eval_every as f64,
            ),
        };
        SurgeRun {
            batch,
            lr: s.lr,
            seed: s.seed,
            curve,
            fine,
            resolution,
        }
    }
}

/// Centred moving average over `window` points (odd; shrinking at the ends).
pub fn smooth(points: &[(f64, f64)], window: usize) -> Vec<(f64, f64)> {
    let half = window / 2;
    (0..points.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(points.len());
            let mean = points[lo..hi].iter().map(|p| p.1).sum::<f64>() / (hi - lo) as f64;
            (points[i].0, mean)
        })
        .collect()
}

/// The smoothing window, in blocks of `every` updates, for batch size `batch`: the odd number of
/// blocks that spans at least [`SMOOTH_EXAMPLES`] examples.
pub fn window_blocks(batch: f64, every: u64) -> usize {
    let blocks = (SMOOTH_EXAMPLES / (batch * every as f64)).ceil().max(1.0) as usize;
    blocks | 1
}

/// The updates a run needs to reach `target`: where the curve first crosses it, linearly
/// interpolated between the last point above and the first at or below (the first point
/// itself when it already is). Non-finite points end the search.
pub fn steps_to_target(curve: &[(f64, f64)], target: f64) -> Option<f64> {
    let mut previous: Option<(f64, f64)> = None;
    for &(update, loss) in curve {
        if !loss.is_finite() {
            return None;
        }
        if loss <= target {
            return Some(match previous {
                Some((u0, l0)) if l0 > loss => u0 + (l0 - target) / (l0 - loss) * (update - u0),
                _ => update,
            });
        }
        previous = Some((update, loss));
    }
    None
}

/// One batch size's optimum for a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimum {
    /// Batch size.
    pub batch: f64,
    /// The rate with the fewest mean updates to the target (exact ties: the smaller).
    pub lr: f64,
    /// Those updates, mean over the seeds.
    pub steps: f64,
    /// Their SD over seeds (`None` with one seed).
    pub steps_sd: Option<f64>,
    /// Seeds behind `steps`.
    pub seeds: usize,
    /// The near-tie set, ascending: every rate whose seeds all reached the target and that is
    /// not resolvably slower than the best: its per-seed excess log-updates over the best rate
    /// (paired by seed, which shares the batch order) are within a two-sided 95% t
    /// bound, with the SD pooled over this batch size's rates (needs two seeds); or its mean
    /// is closer to the best's than the curves' resolution.
    pub ties: Vec<f64>,
    /// The near-tie set under per-rate paired tests: the same rule with each rate's own SD of
    /// its paired excess (n − 1 degrees of freedom) instead of the pooled one. Free of the
    /// pooled SD's assumption that every rate is equally noisy; with 3 seeds, much wider.
    pub ties_per_rate: Vec<f64>,
    /// The grid's resolution at this batch size: the smallest step between the rates run, in
    /// decades.
    pub grid_step: f64,
    /// The smallest slowdown against the best rate, in %, that the paired seeds detect with 80%
    /// power at α = 0.05 (`None` with one seed).
    pub detectable_pct: Option<f64>,
    /// Whether a rate below / above the near-tie set was run and found resolvably slower: if
    /// not, the set runs into the grid's edge there and lr* may lie beyond it.
    pub bounded: (bool, bool),
    /// `bounded` of `ties_per_rate`.
    pub bounded_per_rate: (bool, bool),
}

/// How a rate is tested against the best rate of its batch size for the near-tie set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieTest {
    /// The paired SD pooled over the batch size's rates ([`Optimum::ties`]).
    Pooled,
    /// Each rate's own paired SD ([`Optimum::ties_per_rate`]).
    PerRate,
}

impl TieTest {
    /// Both tests, in the order the reports show them.
    pub const ALL: [TieTest; 2] = [TieTest::Pooled, TieTest::PerRate];

    /// The words a report prints.
    pub fn name(self) -> &'static str {
        match self {
            TieTest::Pooled => "pooled SD",
            TieTest::PerRate => "per-rate tests",
        }
    }
}

impl Optimum {
    /// The smallest and largest rate of the near-tie set.
    pub fn tie_range(&self) -> (f64, f64) {
        (self.ties[0], self.ties[self.ties.len() - 1])
    }

    /// This optimum with the near-tie set of `test` as its `ties` and `bounded`.
    pub fn under(&self, test: TieTest) -> Optimum {
        match test {
            TieTest::Pooled => self.clone(),
            TieTest::PerRate => Optimum {
                ties: self.ties_per_rate.clone(),
                bounded: self.bounded_per_rate,
                ..self.clone()
            },
        }
    }
}

/// Everything fitted for one target loss.
#[derive(Debug, Clone, Serialize)]
pub struct TargetFit {
    /// The target training loss.
    pub target: f64,
    /// Per batch size where some rate reached the target with every seed, ascending.
    pub optima: Vec<Optimum>,
    /// B_noise, S_min, E_min and R² of eq. 22 (`None` with `error` when the data do not fit).
    pub noise_scale: Option<(f64, f64, f64, f64)>,
    /// ε_max of eq. 23 (the surge law).
    pub eps_max: Option<f64>,
    /// ε_max of the α = ½ power law (eq. 24), for the overlay.
    pub power_law_eps_max: Option<f64>,
    /// Why a fit is missing.
    pub error: Option<String>,
}

impl TargetFit {
    /// These fits with every optimum's near-tie set taken from `test` (the fits themselves
    /// rest on the best rates, which the test does not change).
    pub fn under(&self, test: TieTest) -> TargetFit {
        TargetFit {
            optima: self.optima.iter().map(|o| o.under(test)).collect(),
            ..self.clone()
        }
    }
}

/// One `(batch, lr)` cell: the updates to the target of each seed (`None`: not reached) and the
/// coarsest resolution of its runs' curves.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Batch size.
    pub batch: f64,
    /// Learning rate.
    pub lr: f64,
    /// `(seed, updates to the target)` per run, by seed.
    pub steps: Vec<(u64, Option<f64>)>,
    /// Updates between curve points.
    pub resolution: f64,
}

/// The grid's cells for `target`, ordered by batch, then rate.
pub fn cells(runs: &[SurgeRun], target: f64) -> Vec<Cell> {
    let mut keys: Vec<(f64, f64)> = runs.iter().map(|r| (r.batch, r.lr)).collect();
    keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    keys.dedup();
    keys.into_iter()
        .map(|(batch, lr)| {
            let mut members: Vec<&SurgeRun> = runs
                .iter()
                .filter(|r| r.batch == batch && r.lr == lr)
                .collect();
            members.sort_by_key(|r| r.seed);
            Cell {
                batch,
                lr,
                steps: members
                    .iter()
                    .map(|r| (r.seed, steps_to_target(&r.curve, target)))
                    .collect(),
                resolution: members.iter().map(|r| r.resolution).fold(0.0, f64::max),
            }
        })
        .collect()
}

/// The optimum per batch size from `cells` (as [`cells`] returns them).
pub fn optima(cells: &[Cell]) -> Vec<Optimum> {
    let mut batches: Vec<f64> = cells.iter().map(|c| c.batch).collect();
    batches.dedup();
    batches
        .into_iter()
        .filter_map(|batch| {
            let here: Vec<&Cell> = cells.iter().filter(|c| c.batch == batch).collect();
            // Cells whose every seed reached the target: (cell, [(seed, updates)]).
            let reached: Vec<(&Cell, Vec<(u64, f64)>)> = here
                .iter()
                .filter_map(|c| {
                    let steps: Option<Vec<(u64, f64)>> =
                        c.steps.iter().map(|&(s, x)| Some((s, x?))).collect();
                    Some((*c, steps?))
                })
                .collect();
            let mean = |v: &[(u64, f64)]| v.iter().map(|x| x.1).sum::<f64>() / v.len() as f64;
            let (best_cell, best) = reached.iter().min_by(|a, b| {
                mean(&a.1)
                    .total_cmp(&mean(&b.1))
                    .then(a.0.lr.total_cmp(&b.0.lr))
            })?;
            // Per seed, log(updates at this rate) − log(updates at the best rate): all rates of a
            // seed share its initialization and batch order, so the comparison is paired.
            let paired = |steps: &[(u64, f64)]| -> Vec<f64> {
                steps
                    .iter()
                    .filter_map(|&(seed, x)| {
                        let b = best.iter().find(|p| p.0 == seed)?.1;
                        Some(x.max(1e-9).ln() - b.max(1e-9).ln())
                    })
                    .collect()
            };
            let diffs: Vec<Vec<f64>> = reached
                .iter()
                .filter(|r| r.0.lr != best_cell.lr)
                .map(|r| paired(&r.1))
                .collect();
            let noise = pooled_sd(&diffs);
            let detectable_pct = noise.and_then(|(sd, df)| {
                let log = detectable_difference(sd, best.len(), df)?;
                Some(100.0 * log.exp_m1())
            });
            // A rate ties when its mean is within the curves' resolution of the best's, or its
            // paired excess is not resolvably above zero under the test's SD.
            let pooled_tie = |d: &[f64]| {
                noise.is_some_and(|(sd, df)| {
                    let m = d.iter().sum::<f64>() / d.len().max(1) as f64;
                    !d.is_empty()
                        && m <= t_quantile(0.975, df as f64) * sd / (d.len() as f64).sqrt()
                })
            };
            let own_tie = |d: &[f64]| TTest::of(d).is_some_and(|t| t.ci.lo <= 0.0);
            let near_tie_set = |within_noise: &dyn Fn(&[f64]) -> bool| -> Vec<f64> {
                reached
                    .iter()
                    .filter(|(cell, steps)| {
                        let gap = mean(steps) - mean(best);
                        let resolution = cell.resolution.max(best_cell.resolution);
                        gap == 0.0 || gap < resolution || within_noise(&paired(steps))
                    })
                    .map(|r| r.0.lr)
                    .collect()
            };
            let ties = near_tie_set(&pooled_tie);
            let ties_per_rate = near_tie_set(&own_tie);
            let best: Vec<f64> = best.iter().map(|x| x.1).collect();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let sd = (best.len() > 1).then(|| {
                let m = mean(&best);
                (best.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (best.len() - 1) as f64).sqrt()
            });
            let grid_step = here
                .windows(2)
                .map(|w| (w[1].lr / w[0].lr).log10())
                .fold(f64::INFINITY, f64::min);
            let run: Vec<f64> = here.iter().map(|c| c.lr).collect();
            let bounded = |ties: &[f64]| {
                (
                    run.iter().any(|&r| r < ties[0]),
                    run.iter().any(|&r| r > ties[ties.len() - 1]),
                )
            };
            Some(Optimum {
                batch,
                lr: best_cell.lr,
                grid_step,
                detectable_pct,
                bounded: bounded(&ties),
                bounded_per_rate: bounded(&ties_per_rate),
                steps: mean(&best),
                steps_sd: sd,
                seeds: best.len(),
                ties,
                ties_per_rate,
            })
        })
        .collect()
}

/// The optimal learning rate per batch size for `target`, and the fits through them.
pub fn fit_target(runs: &[SurgeRun], target: f64) -> TargetFit {
    fit_optima(target, optima(&cells(runs, target)))
}

/// The fits of eq. 22–24 through given optima.
pub fn fit_optima(target: f64, optima: Vec<Optimum>) -> TargetFit {
    let pairs: Vec<(f64, f64)> = optima.iter().map(|o| (o.batch, o.steps)).collect();
    let mut fit = TargetFit {
        target,
        optima,
        noise_scale: None,
        eps_max: None,
        power_law_eps_max: None,
        error: None,
    };
    match fit_noise_scale(&pairs) {
        Ok(NoiseScaleFit {
            b_noise,
            s_min,
            e_min,
            r_squared,
        }) => {
            let lrs: Vec<(f64, f64)> = fit.optima.iter().map(|o| (o.batch, o.lr)).collect();
            fit.noise_scale = Some((b_noise, s_min, e_min, r_squared));
            fit.eps_max = fit_eps_max(&lrs, b_noise).ok();
            fit.power_law_eps_max = fit_power_law_eps_max(&lrs, b_noise, 0.5).ok();
        }
        Err(err) => fit.error = Some(err.to_string()),
    }
    fit
}
