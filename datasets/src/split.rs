//! Deterministic splits and subsets: the same seed gives the same samples on every machine.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// Which part of a split to keep for small-scale runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Subset {
    /// The first `n` samples.
    First {
        /// How many.
        n: usize,
    },
    /// `n` samples drawn without replacement with `seed`, kept in their original order.
    Sample {
        /// How many.
        n: usize,
        /// The seed.
        seed: u64,
    },
}

impl Subset {
    /// Applies the subset to `indices`; an error if it asks for more than there are.
    pub fn apply(self, indices: &[usize]) -> Result<Vec<usize>, DataError> {
        let n = match self {
            Subset::First { n } | Subset::Sample { n, .. } => n,
        };
        if n == 0 || n > indices.len() {
            return Err(DataError::Invalid(format!(
                "subset of {n} samples requested from a split of {}: it must be between 1 and {}",
                indices.len(),
                indices.len()
            )));
        }
        Ok(match self {
            Subset::First { n } => indices[..n].to_vec(),
            Subset::Sample { n, seed } => {
                let mut chosen: Vec<usize> = (0..indices.len()).collect();
                chosen.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
                chosen.truncate(n);
                chosen.sort_unstable();
                chosen.into_iter().map(|i| indices[i]).collect()
            }
        })
    }
}

/// Carves a validation split of `valid_size` samples out of `0..n` with `seed`; returns
/// `(train, valid)` index lists, each sorted, disjoint, covering `0..n`.
pub fn train_valid(
    n: usize,
    valid_size: usize,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    if valid_size == 0 || valid_size >= n {
        return Err(DataError::Invalid(format!(
            "a validation split of {valid_size} from {n} training samples leaves nothing to train or validate on"
        )));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (valid, train) = order.split_at_mut(valid_size);
    valid.sort_unstable();
    train.sort_unstable();
    Ok((train.to_vec(), valid.to_vec()))
}
