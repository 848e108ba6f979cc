//! The statistics every study report uses, in one place: Student-t intervals and tests (exact
//! for any degrees of freedom, from `statrs`), Holm's correction over a report's comparisons,
//! seeded percentile-bootstrap intervals for aggregates, the smallest difference a design can
//! detect, and the verdict a paper's claim gets from an interval.
//!
//! Conventions: intervals are two-sided 95%; tests are two-sided at α = 0.05; "detectable" is
//! the true difference a paired/one-sample t-test of the same size finds with 80% power.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Two-sided significance level of every test and interval (95% intervals).
pub const ALPHA: f64 = 0.05;
/// Power at which the smallest detectable difference is stated.
pub const POWER: f64 = 0.8;
/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 10_000;

/// A two-sided 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

impl Interval {
    /// Whether `value` lies inside (bounds included).
    #[cfg(test)]
    pub fn contains(&self, value: f64) -> bool {
        self.lo <= value && value <= self.hi
    }

    /// `[lo, hi]` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!("[{:.digits$}, {:.digits$}]", self.lo, self.hi)
    }
}

/// The `p` quantile of Student's t with `df` degrees of freedom (`df` ≥ 1, any real value).
/// Up to 1000 df it is statrs' inversion of the regularized incomplete beta; beyond, where that
/// inversion loses digits, the Cornish–Fisher expansion around the normal quantile
/// (Abramowitz & Stegun 26.7.5, exact to ~1e-12 there).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df <= 1000.0 {
        return StudentsT::new(0.0, 1.0, df)
            .expect("df ≥ 1 is a valid Student-t")
            .inverse_cdf(p);
    }
    let z = Normal::standard().inverse_cdf(p);
    let g1 = (z.powi(3) + z) / 4.0;
    let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
    let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
    let g4 = (79.0 * z.powi(9) + 776.0 * z.powi(7) + 1482.0 * z.powi(5)
        - 1920.0 * z.powi(3)
        - 945.0 * z)
        / 92160.0;
    z + g1 / df + g2 / df.powi(2) + g3 / df.powi(3) + g4 / df.powi(4)
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom (`t = ±∞` gives 0).
pub fn t_p_value(t: f64, df: f64) -> f64 {
    if t.is_infinite() {
        return 0.0;
    }
    let dist = StudentsT::new(0.0, 1.0, df).expect("df ≥ 1 is a valid Student-t");
    let p: f64 = 2.0 * dist.cdf(-t.abs());
    p.min(1.0)
}

/// A one-sample t-test of "the mean is 0" (for paired designs: the per-pair differences).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TTest {
    /// Values (pairs).
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// Their sample standard deviation.
    pub sd: f64,
    /// Standard error of the mean.
    pub se: f64,
    /// Degrees of freedom, n − 1.
    pub df: f64,
    /// t = mean / se (±∞ when every value is the same nonzero number).
    pub t: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// 95% interval of the mean.
    pub ci: Interval,
    /// The smallest true mean this design detects with 80% power at α = 0.05.
    pub detectable: f64,
}

impl TTest {
    /// Of the finite `values`; `None` with fewer than 2 (no spread, no test).
    pub fn of(values: &[f64]) -> Option<TTest> {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let n = v.len();
        if n < 2 {
            return None;
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let se = sd / (n as f64).sqrt();
        let df = (n - 1) as f64;
        let t = if se > 0.0 {
            mean / se
        } else if mean == 0.0 {
            0.0
        } else {
            mean.signum() * f64::INFINITY
        };
        let half = t_quantile(1.0 - ALPHA / 2.0, df) * se;
        Some(TTest {
            n,
            mean,
            sd,
            se,
            df,
            t,
            p: t_p_value(t, df),
            ci: Interval {
                lo: mean - half,
                hi: mean + half,
            },
            detectable: detectable_difference(sd, n, n.saturating_sub(1))?,
        })
    }
}

/// The smallest true difference a t-test on `n` values with standard deviation `sd` (estimated
/// with `df` degrees of freedom) detects with 80% power at two-sided α = 0.05:
/// `(t_{1−α/2} + t_{power}) · sd / √n`. `None` without degrees of freedom.
pub fn detectable_difference(sd: f64, n: usize, df: usize) -> Option<f64> {
    if n == 0 || df == 0 || !sd.is_finite() {
        return None;
    }
    let df = df as f64;
    Some((t_quantile(1.0 - ALPHA / 2.0, df) + t_quantile(POWER, df)) * sd / (n as f64).sqrt())
}

/// The smallest effect a design detects with 80% power, from the width of its 95% interval
/// (normal approximation: `(z_{.975} + z_{.80}) / (2 z_{.975})` of the width), for intervals
/// that come without a test (bootstrap, simultaneous).
pub fn detectable_from_width(interval: Interval) -> f64 {
    (1.959964 + 0.841621) / (2.0 * 1.959964) * (interval.hi - interval.lo)
}

/// Holm's step-down adjustment of `p` (family-wise error over a report's comparisons): the
/// adjusted values, in the input's order. Non-finite p-values are treated as 1.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let clean = |x: f64| {
        if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| clean(p[a]).total_cmp(&clean(p[b])));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * clean(p[i])).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// Percentile-bootstrap 95% interval of `statistic` over resamples (with replacement) of the
/// indices `0..n`; the statistic also gets the generator, for parametric noise within a
/// resample. Deterministic for a `seed`; `None` for `n` < 2 or when no resample is finite.
pub fn bootstrap_interval(
    n: usize,
    seed: u64,
    mut statistic: impl FnMut(&[usize], &mut ChaCha8Rng) -> f64,
) -> Option<Interval> {
    if n < 2 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draws: Vec<f64> = Vec::with_capacity(RESAMPLES);
    let mut sample = vec![0usize; n];
    for _ in 0..RESAMPLES {
        for slot in sample.iter_mut() {
            *slot = rng.random_range(0..n);
        }
        let value = statistic(&sample, &mut rng);
        if value.is_finite() {
            draws.push(value);
        }
    }
    percentile_interval(draws)
}

/// The 2.5% and 97.5% percentiles of `draws` (`None` if empty).
pub fn percentile_interval(mut draws: Vec<f64>) -> Option<Interval> {
    if draws.is_empty() {
        return None;
    }
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((q * (draws.len() - 1) as f64).round() as usize).min(draws.len() - 1)];
    Some(Interval {
        lo: at(ALPHA / 2.0),
        hi: at(1.0 - ALPHA / 2.0),
    })
}

/// Pooled sample standard deviation of several groups (each with its own mean), and its
/// degrees of freedom Σ(nᵢ − 1). Groups of one value contribute nothing. `None` without any
/// degree of freedom.
pub fn pooled_sd(groups: &[Vec<f64>]) -> Option<(f64, usize)> {
    let (mut ss, mut df) = (0.0, 0usize);
    for g in groups {
        let g: Vec<f64> = g.iter().copied().filter(|x| x.is_finite()).collect();
        if g.len() < 2 {
            continue;
        }
        let mean = g.iter().sum::<f64>() / g.len() as f64;
        ss += g.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        df += g.len() - 1;
    }
    (df > 0).then(|| ((ss / df as f64).sqrt(), df))
}

/// What the evidence says of a paper's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The interval lies wholly on the claim's side of zero.
    Supported,
    /// The interval excludes the paper's value on the side away from the claim (or lies wholly
    /// on the wrong side of zero).
    Contradicted,
    /// The interval holds both "no effect" and the paper's value: these data cannot tell.
    Inconclusive,
}

impl Verdict {
    /// Of an `interval` of the effect, oriented so that a positive effect is what the claim says,
    /// with `paper` the effect the paper reports (same orientation), if it gives one.
    ///
    /// Supported when `lo > 0`; contradicted when `hi < 0`, or when `hi` is below a positive
    /// paper value (the data exclude an effect as large as the paper's); otherwise inconclusive.
    pub fn of(interval: Interval, paper: Option<f64>) -> Verdict {
        if interval.lo > 0.0 {
            Verdict::Supported
        } else if interval.hi < 0.0 || paper.is_some_and(|p| p > 0.0 && interval.hi < p) {
            Verdict::Contradicted
        } else {
            Verdict::Inconclusive
        }
    }

    /// Supported or contradicted if all `expected` analyses (conventions, tests) say so,
    /// inconclusive otherwise: a verdict that depends on an analysis choice is not one. An
    /// analysis that could not be computed counts against a verdict.
    pub fn unanimous(verdicts: &[Verdict], expected: usize) -> Verdict {
        let all = |v: Verdict| verdicts.len() == expected && verdicts.iter().all(|&x| x == v);
        if all(Verdict::Supported) {
            Verdict::Supported
        } else if all(Verdict::Contradicted) {
            Verdict::Contradicted
        } else {
            Verdict::Inconclusive
        }
    }

    /// The word a report prints.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Contradicted => "contradicted",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// A paper's claim as a report states it: what it says, the effect it reports, our interval and
/// the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimCheck {
    /// The claim, in words, with the orientation of the effect (positive = as claimed).
    pub claim: String,
    /// What was measured (the effect's definition and unit).
    pub effect: String,
    /// Our estimate of the effect.
    pub estimate: f64,
    /// Its 95% interval.
    pub interval: Interval,
    /// How the interval was computed (e.g. "paired t over 9 workloads", "bootstrap").
    pub method: String,
    /// p-value of "no effect" where a test gives one (Holm-adjusted where the report says so).
    pub p: Option<f64>,
    /// The paper's value of the effect, when it reports one.
    pub paper: Option<f64>,
    /// The smallest effect this design detects (80% power, α = 0.05), where computable.
    pub detectable: Option<f64>,
    /// The computed verdict.
    pub verdict: Verdict,
}

impl ClaimCheck {
    /// The Markdown table header for [`ClaimCheck::row`].
    pub const HEADER: &'static str = "| claim | effect (positive = as claimed) | ours | 95% interval | p | paper | detectable | verdict |\n|---|---|---:|---|---:|---:|---:|---|\n";

    /// One Markdown table row, numbers with `digits` decimals.
    pub fn row(&self, digits: usize) -> String {
        let opt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.digits$}"));
        format!(
            "| {} | {} ({}) | {:.digits$} | {} | {} | {} | {} | **{}** |\n",
            self.claim,
            self.effect,
            self.method,
            self.estimate,
            self.interval.show(digits),
            self.p.map_or("–".to_string(), format_p),
            opt(self.paper),
            opt(self.detectable),
            self.verdict.word(),
        )
    }
}

/// A p-value as reports print it: three significant digits, `< 0.001` below.
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

#[cfg(test)]
mod tests;
