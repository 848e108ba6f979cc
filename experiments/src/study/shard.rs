//! Shards: a deterministic slice of a study's workloads, so several processes or machines split
//! one study without talking to each other.

use std::str::FromStr;

/// A deterministic slice of a study: shard `index` of `count` (1-based, as written: `2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1 ≤ index ≤ count.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// The whole study.
    pub const ALL: Shard = Shard { index: 1, count: 1 };
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}`: expected I/N with 1 ≤ I ≤ N, e.g. 2/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// The shard (0-based) of each item: the costliest first, each to the least loaded shard so far
/// (ties: the lower shard, then the earlier item). Deterministic, so every machine computes the
/// The relative cost of `runs` runs of `updates` updates at `cost_per_update` (relative seconds),
/// in the integer units [`assign_shards`] balances (rounded, never truncated).
pub fn cost(updates: u64, cost_per_update: f64, runs: usize) -> u64 {
    (updates as f64 * cost_per_update * runs as f64 * 1000.0).round() as u64
}

/// same split from the same definition.
pub fn assign_shards(costs: &[u64], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].cmp(&costs[a]).then(a.cmp(&b)));
    let mut load = vec![0u64; count];
    let mut shard_of = vec![0; costs.len()];
    for item in order {
        let shard = (0..count)
            .min_by_key(|&s| (load[s], s))
            .expect("at least one shard");
        load[shard] += costs[item];
        shard_of[item] = shard;
    }
    shard_of
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_reject_bad_input() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn assignment_balances_costs_and_covers_every_item_once() {
        let costs = [16, 2, 4, 12, 8, 3, 6, 2];
        let shard_of = assign_shards(&costs, 2);
        let load = |s| -> u64 { (0..8).filter(|&i| shard_of[i] == s).map(|i| costs[i]).sum() };
        assert_eq!(load(0) + load(1), costs.iter().sum::<u64>());
        assert!(load(0).abs_diff(load(1)) <= 2, "{} vs {}", load(0), load(1));
        assert_eq!(assign_shards(&costs, 2), shard_of, "deterministic");
        assert_eq!(assign_shards(&costs, 1), vec![0; 8]);
    }
}
