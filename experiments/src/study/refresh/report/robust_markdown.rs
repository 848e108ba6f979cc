//! The report's sections on the analysis conventions (every claim under each, and the verdict
//! that holds under all) and on the rate confound.

use std::fmt::Write as _;

use super::rates::RateConfound;
use super::robustness::{Convention, Robustness};
use crate::stats::TTest;

fn t_cell(t: Option<TTest>) -> String {
    t.map_or("–".into(), |t| {
        format!(
            "{:+.3} [{:+.3}, {:+.3}] (n = {})",
            t.mean, t.ci.lo, t.ci.hi, t.n
        )
    })
}

fn t_verdict(t: Option<TTest>) -> &'static str {
    // gap(rule) − gap(fixed) > 0: the rule is worse.
    match t {
        Some(t) if t.ci.hi < 0.0 => "rule better",
        Some(t) if t.ci.lo > 0.0 => "rule worse",
        Some(_) => "unresolved",
        None => "–",
    }
}

/// The conventions section.
pub(super) fn robustness_section(md: &mut String, r: &Robustness, study_seeds: usize) {
    md.push_str(
        "\n## The verdicts under every analysis convention\n\n\
         How L(β) is averaged over seeds, and which β is the oracle, are choices; a verdict that \
         depends on them is not one. Each claim is computed four ways: L(β) as the \
         seed-offset-adjusted mean (the tables above), as the plain mean over the seeds each β \
         has, from the first seed alone, and with a **cross-fitted oracle** (β* chosen on the \
         first seed, every gap measured on the mean of the other seeds, so the oracle carries \
         neither the minimum's winner's curse nor the first seed's luck; a gap can then be \
         negative). The worst-case intervals here bootstrap the workloads only; the within-1% \
         intervals use each workload's noise floor. *main* is the verdict of the claims table \
         above (seed-adjusted, its worst-case interval also redrawing each workload's seed \
         noise). A claim is *supported* or *contradicted* only if it is so under all four and \
         in the main table; otherwise *inconclusive*.\n\n\
         | claim | main | seed-adjusted | plain means | first seed | cross-fitted | holds under all |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for c in &r.claims {
        let cell = |conv: Convention| {
            c.by_convention
                .iter()
                .find(|x| x.0 == conv)
                .map_or("–".into(), |x| format!("{:+.3}: {}", x.1, x.2.word()))
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | **{}** |",
            c.claim,
            c.main.map_or("–", |v| v.word()),
            cell(Convention::SeedAdjusted),
            cell(Convention::PlainMean),
            cell(Convention::FirstSeed),
            cell(Convention::CrossFitted),
            c.verdict.word()
        );
    }
    md.push_str(
        "\nThe paired difference gap(rule) − gap(β = 0.94377) (points; positive: the rule is \
         worse) with its 95% t interval, over workloads and over model families (each family's \
         mean difference one value: the workloads of a family share a model, a dataset and a \
         rate, so they are not independent):\n\n\
         | convention | over workloads | | over families | | max gap rule / fixed % | within 1% rule / fixed | R₀ with the smallest max / mean gap |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for c in &r.conventions {
        let max = |f: fn(&(f64, f64)) -> f64| {
            c.workloads
                .iter()
                .map(|w| f(&w.gaps))
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let under =
            |f: fn(&(f64, f64)) -> f64| c.workloads.iter().filter(|w| f(&w.gaps) < 1.0).count();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.3} / {:.3} | {}/{} vs {}/{} | {} |",
            c.convention.label(),
            t_cell(c.paired),
            t_verdict(c.paired),
            t_cell(c.paired_families),
            t_verdict(c.paired_families),
            max(|g| g.0),
            max(|g| g.1),
            under(|g| g.0),
            c.workloads.len(),
            under(|g| g.1),
            c.workloads.len(),
            c.best_r0
                .map_or("–".into(), |(max, mean)| format!("{max} / {mean}")),
        );
    }
    md.push_str(
        "\nPer workload: the oracle's β under each convention and its gaps (rule / fixed); \
         † marks an oracle, rule or fixed β with fewer seeds than the study's \
         (listed below the table):\n\n\
         | workload | seed-adjusted | plain means | first seed | cross-fitted |\n|---|---|---|---|---|\n",
    );
    let names: Vec<String> = r.conventions[0]
        .workloads
        .iter()
        .map(|w| w.name.clone())
        .collect();
    let mut thin = Vec::new();
    for name in &names {
        let mut cells = Vec::new();
        for c in &r.conventions {
            match c.workloads.iter().find(|w| w.name == *name) {
                Some(w) => {
                    let mark = if w.thin.is_empty() { "" } else { " †" };
                    if !w.thin.is_empty() {
                        thin.push(format!(
                            "{name}, {}: {}",
                            c.convention.label(),
                            w.thin.join(", ")
                        ));
                    }
                    cells.push(format!(
                        "β* {}: {:.3} / {:.3}{mark}",
                        w.oracle, w.gaps.0, w.gaps.1
                    ));
                }
                None => cells.push("–".into()),
            }
        }
        let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
    }
    if thin.is_empty() {
        let _ = writeln!(
            md,
            "\nEvery oracle, rule and fixed β has all {study_seeds} seeds under every convention."
        );
    } else {
        md.push_str("\n† with fewer seeds than the study's:\n\n");
        for t in thin {
            let _ = writeln!(md, "- {t}");
        }
    }
}

/// The rate-confound section.
pub(super) fn rates_section(md: &mut String, r: &RateConfound, pilot_beta: f64) {
    let Some(first) = r.lines.first() else {
        return;
    };
    let rates: Vec<f64> = first.losses.iter().map(|p| p.0).collect();
    let _ = write!(
        md,
        "\n## The rate confound\n\n\
         Every family's rate was tuned at the pilot's β = {pilot_beta} (step 1, one seed), which \
         favours that β. The rate check trains the rule's β at the same rates with the first \
         seed and re-chooses each family's rate by step 1's rule (the smallest mean over the \
         family's workloads of L(rate) / L(that workload's best rate)). L at the rule's β:\n\n\
         | workload | rule β |{}\n|---|---:|{}\n",
        rates.iter().map(|r| format!(" {r} |")).collect::<String>(),
        "---:|".repeat(rates.len())
    );
    for l in &r.lines {
        let best = l.losses.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let cells: String = l
            .losses
            .iter()
            .map(|p| {
                if p.1 == best {
                    format!(" **{:.4}** |", p.1)
                } else {
                    format!(" {:.4} |", p.1)
                }
            })
            .collect();
        let _ = writeln!(md, "| {} | {} |{cells}", l.name, l.rule_beta);
    }
    let _ = write!(
        md,
        "\n| family |{} rate at the pilot's β | rate at the rule's β |\n|---|{}---:|---:|\n",
        rates.iter().map(|r| format!(" {r} |")).collect::<String>(),
        "---:|".repeat(rates.len())
    );
    for f in &r.families {
        let cells: String = f.ratios.iter().map(|p| format!(" {:.3} |", p.1)).collect();
        let _ = writeln!(
            md,
            "| {} |{cells} {} | {}{} |",
            f.family,
            f.tuned_at_pilot,
            f.at_rule,
            if f.at_rule == f.tuned_at_pilot {
                ""
            } else {
                " (changed)"
            }
        );
    }
    if r.comparisons.is_empty() {
        md.push_str("\nNo family's rate changed.\n");
        return;
    }
    let _ = write!(
        md,
        "\nWhere a family's rate changed, the rule's β and β = {pilot_beta} at both rates, every \
         seed: 100·(L(rule) − L({pilot_beta}))/L({pilot_beta}) per seed (negative: the rule's β \
         is better), mean with its 95% t interval over seeds:\n\n\
         | workload | rate | seeds | rule − {pilot_beta}, % | resolved |\n|---|---:|---:|---|---|\n"
    );
    for c in &r.comparisons {
        let _ = writeln!(
            md,
            "| {} | {}{} | {} | {} | {} |",
            c.name,
            c.lr,
            if c.retuned { " (re-tuned)" } else { "" },
            c.pairs.len(),
            t_cell(c.diff_pct),
            match c.diff_pct {
                Some(t) if t.ci.hi < 0.0 => "rule's β better",
                Some(t) if t.ci.lo > 0.0 => "rule's β worse",
                Some(_) => "no",
                None => "–",
            }
        );
    }
    md.push_str(
        "\nPer family, the mean over its workloads of their mean differences (t over workloads):\n\n\
         | family | rate | rule − fixed, % | resolved |\n|---|---|---|---|\n",
    );
    for (family, which, t) in &r.family_comparisons {
        let _ = writeln!(
            md,
            "| {family} | {which} | {} | {} |",
            t_cell(*t),
            match t {
                Some(t) if t.ci.hi < 0.0 => "rule's β better".to_string(),
                Some(t) if t.ci.lo > 0.0 => "rule's β worse".into(),
                Some(_) => "no".into(),
                None => "–".into(),
            }
        );
    }
}
