//! The refresh study's `report.md`: our gap table beside the paper's, the evidence (noise
//! floors, paired differences, claims with verdicts), the workloads, R₀ and T_ES sensitivity.

use std::fmt::Write as _;

use super::summary::{NOISE_SEED, RefreshStudySummary};
use crate::study::refresh::analysis::MethodRow;
use crate::study::refresh::definition::RefreshStudy;

/// What a training seed changes, from the workloads' data seeds.
fn seed_changes(s: &RefreshStudySummary) -> String {
    crate::study::workload::seed_changes(s.workloads.iter().map(|w| (w.name.as_str(), w.data_seed)))
}

/// The paper's claims checked against our numbers, in words computed from the verdicts.
fn reading(s: &RefreshStudySummary) -> String {
    let (Some(rule), Some(fixed), Some(e)) = (s.table.first(), s.table.get(1), &s.evidence) else {
        return String::new();
    };
    let (r, f) = (&rule.aggregate, &fixed.aggregate);
    let mut md = format!(
        "\n## Reading\n\n\
         Each claim of the paper gets a verdict computed from a 95% interval: *supported* when \
         the interval lies on the claim's side of zero, *contradicted* when it excludes the \
         paper's value on the other side, *inconclusive* when it holds both. The intervals \
         carry the seed noise measured per workload (below) and the spread over workloads.\n\n\
         Point estimates: the rule's max gap is {:.3}% against {:.3}% for β = {}, its mean \
         {:.3}% against {:.3}%, {}/{} workloads within 1% against {}/{} (the paper: max 0.885 \
         vs 1.328, mean 0.307 vs 0.290, 11/11 vs 9/11).\n\n",
        r.max, f.max, s.pilot_beta, r.mean, f.mean, r.under_1pct, r.n, f.under_1pct, f.n,
    );
    md.push_str(crate::stats::ClaimCheck::HEADER);
    for claim in &e.claims {
        md.push_str(&claim.row(3));
    }
    let t = &e.trend;
    let _ = writeln!(
        md,
        "| within a model family, the longer T_ES has the larger oracle β | {} resolvably \
         larger, {} smaller, {} tied (near-tie sets overlap) of {} pairs | – | – | – | – | – | \
         **{}** |",
        t.pairs.iter().filter(|p| p.3 == "larger").count(),
        t.pairs.iter().filter(|p| p.3 == "smaller").count(),
        t.pairs.iter().filter(|p| p.3 == "tied").count(),
        t.pairs.len(),
        t.verdict.word(),
    );
    md.push_str(
        "\nThe paired difference gap(rule) − gap(β = 0.94377) per workload (positive: the rule \
         is worse), with its t interval, Holm-adjusted p over the two subsets, and bootstrap \
         intervals (10 000 resamples of the workloads, each one's L(β) redrawn from its measured \
         seed noise and its oracle re-picked; seed 2024) of the mean and of the difference of \
         max gaps:\n\n\
         | workloads | mean ± sd, points | t interval | p | p (Holm) | detectable | bootstrap mean | bootstrap max(rule) − max(fixed) |\n\
         |---|---:|---|---:|---:|---:|---|---|\n",
    );
    for p in &e.paired {
        let show = |i: Option<crate::stats::Interval>| i.map_or("–".into(), |i| i.show(3));
        match p.test {
            Some(t) => {
                let _ = writeln!(
                    md,
                    "| {} | {:.3} ± {:.3} | {} | {} | {} | {:.3} | {} | {} |",
                    p.subset,
                    t.mean,
                    t.sd,
                    t.ci.show(3),
                    crate::stats::format_p(t.p),
                    p.p_holm.map_or("–".into(), crate::stats::format_p),
                    t.detectable,
                    show(p.bootstrap_mean),
                    show(p.bootstrap_max),
                );
            }
            None => {
                let _ = writeln!(
                    md,
                    "| {} | fewer than 2 workloads | – | – | – | – | – | – |",
                    p.subset
                );
            }
        }
    }
    md
}

/// Per workload: noise floor beside the gaps, the oracle's near-ties, R*.
fn evidence_tables(md: &mut String, s: &RefreshStudySummary) {
    let Some(e) = &s.evidence else { return };
    let _ = write!(
        md,
        "\n## Noise floor, near-ties and R*\n\n\
         *seed SD*: the SD over seeds of L(β) at the same β ({}), in % of L*. *paired noise*: one run's SD once \
         each seed's offset is removed, which is the noise in the gaps compared. *± gap*: the \
         95% half-width of one gap between two β of the near-optimal window (each averaged over \
         its seeds); *detectable*: the smallest such gap difference the design finds with 80% \
         power. *near-ties*: the β whose gap is within ± gap of the oracle. *R\\**: the R₀ range \
         whose rule picks the oracle β (and, after it, any near-tie) from this T_ES.\n\n\
         | workload | T_ES | in regime | gap rule % | gap 0.94377 % | seed SD % | paired noise % (df) | ± gap | detectable | near-ties | R* (oracle) | R* (near-ties) |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|\n",
        seed_changes(s),
    );
    let range = |(lo, hi): (f64, f64)| {
        if hi.is_infinite() {
            format!("≥ {lo:.0}")
        } else {
            format!("{lo:.0} – {hi:.0}")
        }
    };
    for w in &e.workloads {
        let noise = w.noise.map_or("– | – | – | –".into(), |n| {
            format!(
                "{:.2} | {:.2} ({}) | {:.2} | {:.2}",
                n.seed_sd_pct, n.paired_sd_pct, n.df, n.gap_half_width, n.detectable_gap
            )
        });
        let ties: Vec<String> = w.oracle_ties.iter().map(|b| b.to_string()).collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {:.3} | {noise} | {} | {} | {} |",
            w.name,
            w.t_es,
            if w.in_regime { "yes" } else { "no" },
            w.gaps.0,
            w.gaps.1,
            ties.join(", "),
            range(w.r_star),
            range(w.r_star_ties),
        );
    }
    md.push_str(
        "\nWithin each model family, ordered by T_ES (the run length the rule reads; an \
         overfitting run sits with the short ones): does the longer one's oracle β (with its \
         near-ties) lie above the shorter one's?\n\n\
         | family | shorter T_ES | longer T_ES | longer one's oracle β |\n|---|---|---|---|\n",
    );
    for (family, short, long, outcome) in &e.trend.pairs {
        let _ = writeln!(md, "| {family} | {short} | {long} | {outcome} |");
    }
    let _ = writeln!(
        md,
        "\n## In the paper's regime\n\nThe gap table over the {} workloads whose T_ES lies in \
         the paper's range ({:.0} to {:.0} updates):\n",
        e.workloads.iter().filter(|w| w.in_regime).count(),
        super::evidence::PAPER_T_ES.0,
        super::evidence::PAPER_T_ES.1,
    );
    if s.table_in_regime.is_empty() {
        md.push_str("None of the workloads.\n");
    } else {
        gap_rows(md, &s.table_in_regime);
    }
}

fn gap_rows(md: &mut String, rows: &[MethodRow]) {
    md.push_str(
        "| method | mean gap % | max gap % | CVaR % | runs < 1% |\n|---|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let a = &row.aggregate;
        let _ = writeln!(
            md,
            "| {} | {:.3} | {:.3} | {:.3} | {}/{} |",
            row.method, a.mean, a.max, a.cvar, a.under_1pct, a.n
        );
    }
}

/// The budget rule (T = planned updates, no pilot) beside the pilot rule, on the same L(β).
fn budget_section(md: &mut String, s: &RefreshStudySummary) {
    let Some(b) = &s.budget_rule else {
        return;
    };
    let _ = writeln!(
        md,
        "\n## The budget rule (no pilot)\n\n\
         β = 1 − R₀/T with T the run's planned number of updates instead of the pilot's T_ES \
         (`RefreshRule::from_budget` in the library), read off the same L(β) table: no new runs. \
         T_ES is the run's last update on {} of {} workloads (within 5% of it on {}), and the two \
         rules choose the same grid β on {} of {}. Point estimates, no interval: where the two \
         choose the same β their gaps are the same number, and elsewhere the difference carries \
         the workload's seed noise (Noise floor, above).\n\n\
         | workload | updates | T_ES | pilot rule β | gap % | budget rule β | gap % |\n\
         |---|---:|---:|---:|---:|---:|---:|",
        b.t_es_at_end,
        b.lines.len(),
        b.t_es_within_5pct,
        b.same_beta,
        b.lines.len(),
    );
    for l in &b.lines {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.3} | {} | {:.3} |",
            l.name, l.updates, l.t_es, l.rule.0, l.rule.1, l.budget.0, l.budget.1
        );
    }
    let _ = writeln!(
        md,
        "\n| rule | mean gap % | max gap % | CVaR % | runs < 1% |\n|---|---:|---:|---:|---:|\n\
         | pilot (T_ES) | {:.3} | {:.3} | {:.3} | {}/{} |\n\
         | budget (planned updates) | {:.3} | {:.3} | {:.3} | {}/{} |",
        b.rule.mean,
        b.rule.max,
        b.rule.cvar,
        b.rule.under_1pct,
        b.rule.n,
        b.budget.mean,
        b.budget.max,
        b.budget.cvar,
        b.budget.under_1pct,
        b.budget.n,
    );
}

pub(super) fn markdown(study: &RefreshStudy, s: &RefreshStudySummary, command: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# The refresh rule on our workloads ({} profile)\n",
        s.profile
    );
    let _ = writeln!(
        md,
        "Balanced Adam (β₁ = β₂ = β) over the β grid on {} workloads; the rule picks \
         β = 1 − R₀/T_ES (R₀ = {}) from the T_ES of the β = {} run (the pilot), snapped to the \
         grid. L(β) is a run's minimum validation loss, averaged over its seeds after removing each \
         extra seed's offset from the first ({}; the offsets are in `summary.json`); \
         gap = 100·(L(β) − L*)/L*. Run lengths and R₀ are scaled by {} in this profile. \
         Regenerate with `{command}`.\n",
        s.workloads.len(),
        s.r0,
        s.pilot_beta,
        seed_changes(s),
        s.length_scale,
    );
    if !s.incomplete.is_empty() {
        let _ = writeln!(
            md,
            "**Incomplete workloads, left out:** {}.\n",
            s.incomplete.join(", ")
        );
    }
    if s.workloads.is_empty() {
        md.push_str("No workload has its whole grid yet.\n");
        return md;
    }
    md.push_str("## Gap table (ours)\n\n");
    gap_rows(&mut md, &s.table);
    md.push_str(
        "\nThe same from the first seed alone (no averaging; one training subset and validation \
         split per workload):\n\n",
    );
    gap_rows(&mut md, &s.table_first_seed);
    md.push_str(
        "\n## The paper's table (11 experiments)\n\n| method | mean gap % | max gap % | CVaR % | runs < 1% |\n|---|---:|---:|---:|---:|\n\
         | fixed β = 0.94377 | 0.290 | 1.328 | 1.059 | 9/11 |\n| refresh R₀ = 1000 | 0.307 | 0.885 | 0.713 | 11/11 |\n",
    );
    md.push_str(&reading(s));
    if let Some(r) = &s.robustness {
        super::robust_markdown::robustness_section(&mut md, r, study.seeds.len());
    }
    if let Some(r) = &s.rate_confound {
        super::robust_markdown::rates_section(&mut md, r, s.pilot_beta);
    }
    evidence_tables(&mut md, s);
    md.push_str("\n## Workloads\n\n| workload | model | data | params | updates | batch | updates/s | T_ES | rule β | oracle β | L* | gap rule % | gap 0.94377 % |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for w in &s.workloads {
        let gap = |b| w.losses.gap(b).map_or("–".into(), |g| format!("{g:.3}"));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {:.4} | {} | {} |",
            w.name,
            w.model,
            w.dataset,
            w.parameters,
            w.updates,
            w.batch_size,
            w.updates_per_s,
            w.losses.t_es,
            w.rule_beta,
            w.oracle.0,
            w.oracle.1,
            gap(w.rule_beta),
            gap(s.pilot_beta),
        );
    }
    budget_section(&mut md, s);
    md.push_str("\nL(β) per workload (x axis evenly spaced in log(1 − β)); green ring: the oracle, red: the \
         rule's β, grey: β = 0.94377.\n\n![validation loss vs β](loss-vs-beta.svg)\n\n## Gap vs R₀\n\n| R₀ | mean gap % | max gap % | CVaR % | runs < 1% |\n|---:|---:|---:|---:|---:|\n");
    for (r0, a) in &s.r0_sweep {
        let _ = writeln!(
            md,
            "| {r0} | {:.3} | {:.3} | {:.3} | {}/{} |",
            a.mean, a.max, a.cvar, a.under_1pct, a.n
        );
    }
    let _ = writeln!(
        md,
        "\n![gap vs R₀](gap-vs-r0.svg)\n\n## T_ES noise\n\nT_ES · (1 + σz), z ~ N(0, 1), {} draws per σ (seed {NOISE_SEED}).\n\n\
         | σ | mean gap % | max gap % (mean) | max gap % (worst draw) | runs < 1% (mean) | β changed |\n|---:|---:|---:|---:|---:|---:|",
        study.noise_draws
    );
    for n in &s.noise {
        let _ = writeln!(
            md,
            "| {:.0}% | {:.3} | {:.3} | {:.3} | {:.2} | {:.0}% |",
            n.sigma * 100.0,
            n.mean_gap,
            n.max_gap,
            n.worst_max_gap,
            n.under_1pct,
            n.changed * 100.0
        );
    }
    md
}
