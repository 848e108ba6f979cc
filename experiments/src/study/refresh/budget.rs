//! The budget rule beside the pilot rule: β = 1 − R₀/T with T the run's planned number of
//! updates instead of a pilot's T_ES, evaluated on the same L(β) table (no new runs). For
//! fixed-length warmup + cosine runs without early stopping, the validation minimum tends to sit
//! at the last evaluation, so the two rules often coincide; this measures how often and what the
//! difference costs where they do not.

use serde::Serialize;

use super::analysis::{Aggregate, WorkloadLosses, aggregate, rule_beta};

/// One workload's two rules.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetLine {
    /// Workload name.
    pub name: String,
    /// Planned updates (the budget).
    pub updates: u64,
    /// The pilot's T_ES.
    pub t_es: f64,
    /// The pilot rule's β and gap, %.
    pub rule: (f64, f64),
    /// The budget rule's β and gap, %.
    pub budget: (f64, f64),
}

/// The comparison over workloads.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetComparison {
    /// Per workload.
    pub lines: Vec<BudgetLine>,
    /// Workloads whose T_ES is the run's last update (the minimum at the last evaluation).
    pub t_es_at_end: usize,
    /// Workloads whose T_ES is within 5% of the run's length.
    pub t_es_within_5pct: usize,
    /// Workloads where both rules choose the same grid β.
    pub same_beta: usize,
    /// The pilot rule's aggregates.
    pub rule: Aggregate,
    /// The budget rule's aggregates.
    pub budget: Aggregate,
}

/// Both rules on every workload; `updates[i]` is workload `i`'s planned updates.
pub fn compare(workloads: &[WorkloadLosses], updates: &[u64], r0: f64) -> BudgetComparison {
    let lines: Vec<BudgetLine> = workloads
        .iter()
        .zip(updates)
        .map(|(w, &planned)| {
            let gap = |beta: f64| (beta, w.gap(beta).expect("chosen from the grid"));
            BudgetLine {
                name: w.name.clone(),
                updates: planned,
                t_es: w.t_es,
                rule: gap(rule_beta(w.t_es, r0, &w.betas)),
                budget: gap(rule_beta(planned as f64, r0, &w.betas)),
            }
        })
        .collect();
    let gaps = |pick: fn(&BudgetLine) -> f64| lines.iter().map(pick).collect::<Vec<f64>>();
    BudgetComparison {
        t_es_at_end: lines.iter().filter(|l| l.t_es >= l.updates as f64).count(),
        t_es_within_5pct: lines
            .iter()
            .filter(|l| l.t_es >= 0.95 * l.updates as f64)
            .count(),
        same_beta: lines.iter().filter(|l| l.rule.0 == l.budget.0).count(),
        rule: aggregate(&gaps(|l| l.rule.1)),
        budget: aggregate(&gaps(|l| l.budget.1)),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(name: &str, t_es: f64, loss: Vec<f64>) -> WorkloadLosses {
        WorkloadLosses {
            name: name.into(),
            betas: vec![0.82217, 0.9, 0.94377, 0.96838],
            loss,
            t_es,
        }
    }

    #[test]
    fn the_rules_differ_only_where_t_es_is_not_the_budget() {
        let workloads = [
            // T_ES = budget = 10 000: both pick 0.9.
            workload("at-end", 10_000.0, vec![1.2, 1.0, 1.1, 1.3]),
            // T_ES 6 000 of 20 000: the pilot picks 0.82217, the budget 0.94377.
            workload("early", 6_000.0, vec![1.0, 1.05, 1.5, 2.0]),
        ];
        let c = compare(&workloads, &[10_000, 20_000], 1000.0);
        assert_eq!((c.t_es_at_end, c.t_es_within_5pct, c.same_beta), (1, 1, 1));
        assert_eq!(c.lines[0].rule, c.lines[0].budget);
        assert_eq!(c.lines[1].rule, (0.82217, 0.0));
        assert_eq!(c.lines[1].budget.0, 0.94377);
        assert!((c.lines[1].budget.1 - 50.0).abs() < 1e-9);
        assert_eq!((c.rule.max, c.budget.max), (0.0, c.lines[1].budget.1));
    }
}
