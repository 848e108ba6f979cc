//! The training loss at fine resolution (`summary.json`'s `train_curve`): the mean over each
//! block of `every` consecutive updates, read from Burn's per-update training logs. The surge
//! analysis interpolates the crossing of a target loss on it instead of reading it off the
//! evaluation grid.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::logs::iteration_values;
use crate::error::ExperimentError;

/// Block means of the per-update training loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainCurve {
    /// Updates per block (1–5); block `i` covers updates `i·every + 1 … (i+1)·every`.
    pub every: u64,
    /// The mean training loss of each block, in update order; the last block may be shorter.
    /// Non-finite losses (a diverging run) are stored as `null`.
    pub loss: Vec<Option<f32>>,
}

impl TrainCurve {
    /// `(update at the block's centre, mean loss)` of each block with a finite loss; the last
    /// block's centre accounts for its length `total` updates in all.
    pub fn points(&self, total: u64) -> Vec<(f64, f64)> {
        self.loss
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let start = i as u64 * self.every;
                let end = (start + self.every).min(total.max(start + 1));
                let loss = f64::from((*l)?);
                loss.is_finite()
                    .then_some(((start + end) as f64 / 2.0, loss))
            })
            .collect()
    }
}

/// The per-update mean losses of the run: epoch `e` (1-based, `e ≤ epochs`) must hold one entry
/// per update of that epoch (`every`, fewer in the run's last one), or a whole multiple of that
/// (several devices log a part of each update each; they are merged by their counts).
pub fn per_update_losses(
    run_dir: &Path,
    epochs: usize,
    every: u64,
    total: u64,
) -> Result<Vec<f64>, ExperimentError> {
    let mut losses = Vec::new();
    for epoch in 1..=epochs {
        let path = run_dir
            .join("train")
            .join(format!("epoch-{epoch}"))
            .join("Loss.log");
        let entries = iteration_values(&path)?;
        let expected = every.min(total.saturating_sub((epoch as u64 - 1) * every)) as usize;
        if expected == 0 || entries.is_empty() || entries.len() % expected != 0 {
            return Err(ExperimentError::RunDir {
                dir: path,
                message: format!(
                    "{} entries where this epoch has {expected} updates: not one (or a whole \
                     number of) entries per update",
                    entries.len()
                ),
            });
        }
        let per_update = entries.len() / expected;
        for group in entries.chunks(per_update) {
            let count: usize = group.iter().map(|e| e.1).sum();
            let sum: f64 = group.iter().map(|e| e.0 * e.1 as f64).sum();
            losses.push(if count > 0 {
                sum / count as f64
            } else {
                f64::NAN
            });
        }
    }
    Ok(losses)
}

/// Block means of `losses` over `every` updates (a block with any non-finite loss is `None`).
pub fn block_means(losses: &[f64], every: u64) -> TrainCurve {
    let loss = losses
        .chunks(every.max(1) as usize)
        .map(|block| {
            let mean = block.iter().sum::<f64>() / block.len() as f64;
            mean.is_finite().then_some(mean as f32)
        })
        .collect();
    TrainCurve { every, loss }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, epoch: usize, lines: &str) {
        let d = dir.join("train").join(format!("epoch-{epoch}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("Loss.log"), lines).unwrap();
    }

    #[test]
    fn per_update_losses_check_the_count_and_merge_devices() {
        let dir = tempfile::tempdir().unwrap();
        // 5 updates, evaluated every 3: epochs of 3 and 2 updates.
        write(dir.path(), 1, "3.0,4\n2.0,4\n1.0,4\n");
        write(dir.path(), 2, "0.5,4\n0.25,4\n");
        let l = per_update_losses(dir.path(), 2, 3, 5).unwrap();
        assert_eq!(l, vec![3.0, 2.0, 1.0, 0.5, 0.25]);
        // Two devices, each a part of the update: weighted by their counts.
        write(dir.path(), 2, "0.5,1\n1.0,3\n0.2,2\n0.4,2\n");
        let l = per_update_losses(dir.path(), 2, 3, 5).unwrap();
        assert_eq!(l[3], 0.875);
        assert!((l[4] - 0.3).abs() < 1e-12, "{l:?}");
        // A missing line is an error naming the file, not a shorter curve.
        write(dir.path(), 1, "3.0,4\n2.0,4\n");
        let err = per_update_losses(dir.path(), 2, 3, 5)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("epoch-1") && err.contains("2 entries"),
            "{err}"
        );
    }

    #[test]
    fn blocks_and_their_centres() {
        let curve = block_means(&[4.0, 2.0, 1.0, f64::NAN, 0.5], 2);
        assert_eq!(curve.loss, vec![Some(3.0), None, Some(0.5)]);
        // Blocks cover updates 1–2, 3–4 and 5 (the last one is short): centres 1, (skipped), 4.5.
        assert_eq!(curve.points(5), vec![(1.0, 3.0), (4.5, 0.5)]);
        let json = serde_json::to_string(&curve).unwrap();
        assert_eq!(serde_json::from_str::<TrainCurve>(&json).unwrap(), curve);
    }
}
