//! The surge report's computed sections: per target, the optima with their near-tie sets and
//! the laws' predictions, and what the near-tie sets resolve; the claims with their verdicts.

use std::fmt::Write as _;

use burn_balanced_adam::surge::{power_law_lr, surge_lr};

use super::claims::{ByTieTest, Shape};
use super::fit::{TargetFit, TieTest};
use super::summary::SurgeSummary;

fn batches(list: &[f64]) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list.iter()
            .map(|b| format!("B = {b}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A near-tie set in a table cell: its range, size and the grid edges it runs into.
fn near_tie_set(ties: &[f64], bounded: (bool, bool)) -> String {
    let edge = match bounded {
        (true, true) => "",
        (false, true) => " (grid's lower edge)",
        (true, false) => " (grid's upper edge)",
        (false, false) => " (both edges)",
    };
    match ties {
        [_] => format!("only lr*{edge}"),
        _ => format!(
            "{:.3e} … {:.3e} ({} rates){edge}",
            ties[0],
            ties[ties.len() - 1],
            ties.len()
        ),
    }
}

/// What one shape resolves, in words (the sentence's tail after "Counting a change only where
/// the near-tie sets do not overlap").
fn resolved(shape: &Shape) -> String {
    format!(
        "a rise from a smaller batch to the peak is {}; a fall beyond the peak is resolved at {}; \
         at ≥ 4·B_noise, the near-tie set excludes eq. 13's fall from the peak (anchored at the \
         peak's lr*) and holds no fall at {}",
        if shape.resolved_rise {
            "resolved"
        } else {
            "not resolved"
        },
        batches(&shape.resolved_fall),
        batches(&shape.no_fall_where_predicted),
    )
}

/// One target: the fit, the optima table, and the resolved shape in words (under both tie
/// tests: `shapes` is the pooled SD's, then the per-rate tests').
pub fn target_section(
    md: &mut String,
    s: &SurgeSummary,
    fit: &TargetFit,
    shapes: (Option<&Shape>, Option<&Shape>),
) {
    let _ = writeln!(md, "\n### Target training loss {}\n", fit.target);
    let law = fit.noise_scale.map(|(b_noise, s_min, e_min, r2)| {
        let eps = fit.eps_max.unwrap_or(f64::NAN);
        let eps_half = fit.power_law_eps_max.unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "B_noise = **{b_noise:.1}** (eq. 22; S_min = {s_min:.0} updates, E_min = {e_min:.0} \
             examples, R² = {r2:.3}); ε_max = {eps:.3e} (eq. 23); the α = ½ law's ε_max = {eps_half:.3e}.\n"
        );
        (b_noise, eps, eps_half)
    });
    if law.is_none() {
        let _ = writeln!(
            md,
            "Reached at {} batch sizes: no fit ({}).\n",
            fit.optima.len(),
            fit.error.as_deref().unwrap_or("-")
        );
    }
    if fit.optima.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "| batch | updates to target (mean ± sd, seeds) | examples | measured lr* | near-tie set (pooled SD) | near-tie set (per-rate tests) | detectable slowdown | eq. 13 (surge) | eq. 24 (α = ½) |\n|---:|---:|---:|---:|---|---|---:|---:|---:|"
    );
    for o in &fit.optima {
        let (surge, power) =
            law.map_or(("–".into(), "–".into()), |(b_noise, eps, eps_half)| {
                (
                    format!("{:.3e}", surge_lr(o.batch, b_noise, eps)),
                    format!("{:.3e}", power_law_lr(o.batch, b_noise, eps_half, 0.5)),
                )
            });
        let steps = match o.steps_sd {
            Some(sd) => format!("{:.1} ± {sd:.1} ({})", o.steps, o.seeds),
            None => format!("{:.1} (1)", o.steps),
        };
        let ties = near_tie_set(&o.ties, o.bounded);
        let ties_per_rate = near_tie_set(&o.ties_per_rate, o.bounded_per_rate);
        let detectable = o
            .detectable_pct
            .map_or("–".to_string(), |d| format!("{d:.0}%"));
        let _ = writeln!(
            md,
            "| {} | {steps} | {:.0} | {:.3e} | {ties} | {ties_per_rate} | {detectable} | {surge} | {power} |",
            o.batch,
            o.batch * o.steps,
            o.lr,
        );
    }
    let (Some(shape), per_rate) = shapes else {
        return;
    };
    let placement = law.map_or(String::new(), |(b_noise, ..)| {
        let lo = s.batches.first().copied().unwrap_or(f64::NAN);
        let hi = s.batches.last().copied().unwrap_or(f64::NAN);
        if b_noise < lo || b_noise > hi {
            format!("; the fitted B_noise = {b_noise:.1} lies outside the grid's {lo}…{hi}")
        } else {
            format!(
                "; the fitted B_noise = {b_noise:.1} lies inside the grid, whose largest batch is \
                 {:.1}× it",
                hi / b_noise
            )
        }
    });
    let per_rate = per_rate.map_or(String::new(), |p| {
        if p == shape {
            " The per-rate tests' near-tie sets resolve the same.".to_string()
        } else {
            format!(" With the per-rate tests' near-tie sets: {}.", resolved(p))
        }
    });
    let _ = writeln!(
        md,
        "\nThe largest measured lr* is at B = {}{placement}. Counting a change only where the \
         near-tie sets (pooled SD) do not overlap: {}.{per_rate}",
        shape.peak_batch,
        resolved(shape),
    );
}

/// The claims table.
pub fn claims_section(md: &mut String, s: &SurgeSummary) {
    let c = &s.claims;
    let growth = c.b_noise_growth.map_or_else(
        || "no interval (one seed per cell, or no fit at both ends)".to_string(),
        |(est, i)| {
            format!(
                "{est:+.1} (pooled fits); 95% t interval of the per-seed fits {}",
                i.show(1)
            )
        },
    );
    // Evidence counts under each tie test, "pooled / per-rate".
    let count = |pick: fn(&Shape) -> bool| {
        let n = |shapes: &[Option<Shape>]| shapes.iter().flatten().filter(|x| pick(x)).count();
        format!("{} / {}", n(&s.shapes), n(&s.shapes_per_rate))
    };
    let verdict = |v: &ByTieTest| {
        let each = TieTest::ALL
            .iter()
            .map(|&t| format!("{}: {}", t.name(), v.under(t).word()))
            .collect::<Vec<_>>()
            .join("; ");
        format!("**{}** ({each})", v.verdict.word())
    };
    let _ = writeln!(
        md,
        "\n## The paper's claims\n\n\
         Verdicts are computed: a change of lr* counts only where the near-tie sets do not \
         overlap (so evaluation-grid ties or seed noise cannot make one) and every optimum rests \
         on at least two seeds (with one, the run-to-run noise is unknown); B_noise's growth \
         needs a t interval over the per-seed fits (each seed fitted alone) that excludes zero. \
         The fall tests eq. 13's predicted *size* of fall: *contradicted* means the near-tie \
         sets exclude a fall that large, not that lr* cannot fall at all. A shape verdict \
         stands only if both tie tests give it (the paired SD pooled over a batch size's rates, \
         and each rate's own paired t test); otherwise it is inconclusive. Evidence counts \
         read pooled / per-rate.\n\n\
         | claim | evidence | verdict |\n|---|---|---|\n\
         | below the peak, lr* rises with the batch size | a rise resolved at {} of {} targets | {} |\n\
         | beyond B_noise, lr* falls as eq. 13 predicts (the surge) | a fall resolved at {} of {} targets; at ≥ 4·B_noise, the near-tie set excludes eq. 13's fall from the peak (more than a grid step) and holds no fall at {} of {} targets | {} |\n\
         | B_noise grows as the target loss falls | B_noise(lowest target) − B_noise(highest): {growth} | **{}** |",
        count(|x| x.resolved_rise),
        s.fits.len(),
        verdict(&c.rise),
        count(|x| !x.resolved_fall.is_empty()),
        s.fits.len(),
        count(|x| !x.no_fall_where_predicted.is_empty()),
        s.fits.len(),
        verdict(&c.fall),
        c.growth.word(),
    );
}
