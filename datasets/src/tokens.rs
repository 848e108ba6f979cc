//! Character-level language-model data for Burn: a corpus encoded with a [`CharVocab`], split
//! contiguously into train / validation / test, served as windows with next-token targets.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::catalog::DatasetName;
use crate::error::DataError;
use crate::fetch::read_verified;
use crate::split::Subset;
use crate::text::CharVocab;

/// A corpus as token ids with its vocabulary.
#[derive(Debug, Clone)]
pub struct EncodedCorpus {
    /// The vocabulary (save it with the run to decode samples later).
    pub vocab: CharVocab,
    /// Every character of the corpus as an id.
    pub tokens: Vec<u32>,
}

impl EncodedCorpus {
    /// Encodes `text` with its own vocabulary.
    pub fn from_text(text: &str) -> Result<Self, DataError> {
        let vocab = CharVocab::from_text(text)?;
        let tokens = vocab.encode(text)?;
        Ok(Self { vocab, tokens })
    }

    /// Loads a text dataset from the cache `root` (checksum checked again on load).
    pub fn load(root: &Path, dataset: DatasetName) -> Result<Self, DataError> {
        if !matches!(dataset, DatasetName::Shakespeare | DatasetName::MobyDick) {
            return Err(DataError::Invalid(format!(
                "{dataset} is not a text dataset"
            )));
        }
        let bytes = read_verified(root, dataset, "input.txt")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| DataError::Invalid(format!("{dataset}: corpus is not UTF-8")))?;
        if text.trim().is_empty() {
            return Err(DataError::EmptyCorpus {
                path: root.join(dataset.as_str()).join("input.txt"),
            });
        }
        Self::from_text(&text)
    }
}

/// One training example: `seq_len + 1` consecutive tokens (inputs are the first `seq_len`,
/// targets the last `seq_len`).
#[derive(Debug, Clone)]
pub struct TokenWindow {
    /// The tokens.
    pub tokens: Vec<u32>,
}

/// Windows of `seq_len + 1` tokens starting every `stride` tokens of a token range.
#[derive(Debug, Clone)]
pub struct TokenWindows {
    tokens: Arc<Vec<u32>>,
    starts: Vec<usize>,
    seq_len: usize,
}

impl TokenWindows {
    /// Windows over `tokens[range]`.
    fn new(
        tokens: Arc<Vec<u32>>,
        range: std::ops::Range<usize>,
        seq_len: usize,
        stride: usize,
    ) -> Result<Self, DataError> {
        if seq_len == 0 || stride == 0 {
            return Err(DataError::Invalid("seq_len and stride must be ≥ 1".into()));
        }
        if range.len() < seq_len + 1 {
            return Err(DataError::Invalid(format!(
                "a split of {} tokens is shorter than one window of {} tokens",
                range.len(),
                seq_len + 1
            )));
        }
        let starts = (range.start..=range.end - seq_len - 1)
            .step_by(stride)
            .collect();
        Ok(Self {
            tokens,
            starts,
            seq_len,
        })
    }

    /// Keeps a subset of the windows.
    pub fn subset(&self, subset: Subset) -> Result<Self, DataError> {
        Ok(Self {
            tokens: self.tokens.clone(),
            starts: subset.apply(&self.starts)?,
            seq_len: self.seq_len,
        })
    }
}

impl Dataset<TokenWindow> for TokenWindows {
    fn get(&self, index: usize) -> Result<TokenWindow, DatasetError> {
        let &start = self.starts.get(index).ok_or_else(|| {
            DatasetError::new(DataError::Invalid(format!(
                "index {index} out of {} windows",
                self.starts.len()
            )))
        })?;
        Ok(TokenWindow {
            tokens: self.tokens[start..start + self.seq_len + 1].to_vec(),
        })
    }

    fn len(&self) -> usize {
        self.starts.len()
    }
}

/// Contiguous train / validation / test windows of a corpus.
#[derive(Debug, Clone)]
pub struct TextSplits {
    /// The first `1 − valid − test` of the corpus.
    pub train: TokenWindows,
    /// The next `valid_fraction` of the corpus.
    pub valid: TokenWindows,
    /// The last `test_fraction` of the corpus.
    pub test: TokenWindows,
}

impl TextSplits {
    /// Splits `corpus` contiguously (so no window straddles two splits) and cuts windows of
    /// `seq_len + 1` tokens every `stride` tokens (validation and test: every `seq_len`).
    pub fn new(
        corpus: &EncodedCorpus,
        valid_fraction: f64,
        test_fraction: f64,
        seq_len: usize,
        stride: usize,
    ) -> Result<Self, DataError> {
        let ok = |f: f64| f.is_finite() && f > 0.0;
        if !(ok(valid_fraction) && ok(test_fraction) && valid_fraction + test_fraction < 1.0) {
            return Err(DataError::Invalid(format!(
                "validation ({valid_fraction}) and test ({test_fraction}) fractions must be > 0 and sum to < 1"
            )));
        }
        let n = corpus.tokens.len();
        let train_end = ((1.0 - valid_fraction - test_fraction) * n as f64) as usize;
        let valid_end = ((1.0 - test_fraction) * n as f64) as usize;
        let tokens = Arc::new(corpus.tokens.clone());
        Ok(Self {
            train: TokenWindows::new(tokens.clone(), 0..train_end, seq_len, stride)?,
            valid: TokenWindows::new(tokens.clone(), train_end..valid_end, seq_len, seq_len)?,
            test: TokenWindows::new(tokens, valid_end..n, seq_len, seq_len)?,
        })
    }
}

/// A batch of token windows: inputs and next-token targets, both `[batch, seq_len]`.
#[derive(Debug, Clone)]
pub struct TokenBatch {
    /// Token ids at positions `0..seq_len`.
    pub inputs: Tensor<2, Int>,
    /// Token ids at positions `1..=seq_len`.
    pub targets: Tensor<2, Int>,
}

/// Batches [`TokenWindow`]s.
#[derive(Debug, Clone, Default)]
pub struct TokenBatcher;

impl Batcher<TokenWindow, TokenBatch> for TokenBatcher {
    fn batch(&self, items: Vec<TokenWindow>, device: &Device) -> TokenBatch {
        let seq_len = items.first().map_or(0, |w| w.tokens.len() - 1);
        let (mut inputs, mut targets) = (Vec::new(), Vec::new());
        for window in &items {
            inputs.extend(window.tokens[..seq_len].iter().map(|&t| i64::from(t)));
            targets.extend(window.tokens[1..].iter().map(|&t| i64::from(t)));
        }
        let shape = [items.len(), seq_len];
        TokenBatch {
            inputs: Tensor::from_data(TensorData::new(inputs, shape), device),
            targets: Tensor::from_data(TensorData::new(targets, shape), device),
        }
    }
}
