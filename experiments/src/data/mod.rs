//! From a config's `[data]` table to train / validation / test datasets: fetches a missing
//! dataset first (with progress), verifies it, applies the splits and subsets.

pub mod cache;

use bba_datasets::cache::cache_dir;
use bba_datasets::fetch::fetch_counting_bytes;
use bba_datasets::split::Subset;
use bba_datasets::tokens::{EncodedCorpus, TextSplits, TokenWindows};
use bba_datasets::vision::{ImageBatcher, ImageDataset, ImageSplits, load_idx};
use bba_datasets::{DataError, DatasetName};
use burn::data::dataset::Dataset;

use crate::config::ExperimentConfig;
use crate::error::ExperimentError;

/// Builds a subset of `n` samples with a seed.
type SubsetFn = fn(usize, u64) -> Subset;

/// Images held out for validation when `data.valid_size` is absent.
pub const DEFAULT_VALID_IMAGES: usize = 5000;
/// Tokens per window when `data.seq_len` is absent.
pub const DEFAULT_SEQ_LEN: usize = 128;
/// Validation (and test) fraction of a corpus when `data.valid_fraction` is absent.
pub const DEFAULT_VALID_FRACTION: f64 = 0.05;

/// Image classification data.
pub struct ImageData {
    /// Training split.
    pub train: ImageDataset,
    /// Validation split (held out of the training file).
    pub valid: ImageDataset,
    /// The official test set.
    pub test: ImageDataset,
    /// Normalizes images into tensors.
    pub batcher: ImageBatcher,
    /// Number of classes.
    pub classes: usize,
}

/// Character-level language-modelling data.
pub struct TextData {
    /// Training windows.
    pub train: TokenWindows,
    /// Validation windows.
    pub valid: TokenWindows,
    /// Test windows.
    pub test: TokenWindows,
    /// Vocabulary size.
    pub vocab: usize,
    /// Tokens per window.
    pub seq_len: usize,
}

/// The data of one run.
pub enum Workload {
    /// MNIST or Fashion-MNIST.
    Images(ImageData),
    /// Shakespeare or Moby Dick.
    Text(TextData),
}

impl Workload {
    /// Training samples (images or windows), for converting epochs into updates.
    pub fn train_len(&self) -> usize {
        match self {
            Workload::Images(d) => d.train.len(),
            Workload::Text(d) => d.train.len(),
        }
    }
}

/// Fetches `dataset` into the cache `root` (verified), showing the bytes of a download on a
/// spinner when stdout is a terminal.
pub fn fetch_showing_bytes(
    root: &std::path::Path,
    dataset: DatasetName,
    progress: &dyn Fn(&str),
) -> Result<std::path::PathBuf, DataError> {
    let counter = crate::progress::ByteCounter::new(&format!("{dataset}"));
    let fetched = fetch_counting_bytes(root, dataset, progress, &|bytes| counter.set(bytes));
    counter.finish();
    fetched
}

/// Loads the config's dataset, fetching it first if the cache lacks it.
pub fn prepare(
    config: &ExperimentConfig,
    progress: &dyn Fn(&str),
) -> Result<Workload, ExperimentError> {
    let dataset = config.dataset();
    let fetch_hint = format!("{dataset}");
    let wrap = |source: DataError| ExperimentError::Data {
        source,
        dataset: fetch_hint.clone(),
    };
    // A size the data cannot provide is the config's to fix, not the cache's.
    let key = |key: &'static str, value: String| {
        move |source: DataError| ExperimentError::DataSize {
            key,
            value,
            dataset: dataset.to_string(),
            source: Box::new(source),
        }
    };
    let show = |v: Option<usize>| v.map_or("(default)".to_string(), |n| n.to_string());
    let root = cache_dir(config.data.cache_dir.as_deref());
    fetch_showing_bytes(&root, dataset, progress).map_err(wrap)?;
    let data = &config.data;
    let split_seed = data.split_seed(config.seed);
    match dataset {
        DatasetName::Mnist | DatasetName::FashionMnist => {
            let (train, test) = load_idx(&root, dataset).map_err(wrap)?;
            let valid_size = data.valid_size.unwrap_or(DEFAULT_VALID_IMAGES);
            let splits = ImageSplits::new(train, test, valid_size, split_seed)
                .map_err(key("valid_size", valid_size.to_string()))?;
            let train = match data.train_subset {
                Some(n) => splits.train.subset(Subset::Sample {
                    n,
                    seed: split_seed,
                }),
                None => Ok(splits.train),
            }
            .map_err(key("train_subset", show(data.train_subset)))?;
            let test = match data.test_subset {
                Some(n) => splits.test.subset(Subset::First { n }),
                None => Ok(splits.test),
            }
            .map_err(key("test_subset", show(data.test_subset)))?;
            Ok(Workload::Images(ImageData {
                train,
                valid: splits.valid,
                test,
                batcher: ImageBatcher::for_dataset(dataset).map_err(wrap)?,
                classes: 10,
            }))
        }
        DatasetName::Shakespeare | DatasetName::MobyDick => {
            let corpus = EncodedCorpus::load(&root, dataset).map_err(wrap)?;
            let seq_len = data.seq_len.unwrap_or(DEFAULT_SEQ_LEN);
            let fraction = data.valid_fraction.unwrap_or(DEFAULT_VALID_FRACTION);
            // Training windows overlap by half a window; validation and test windows do not.
            let stride = (seq_len / 2).max(1);
            let splits = TextSplits::new(&corpus, fraction, fraction, seq_len, stride).map_err(
                key("seq_len", format!("{seq_len} (valid_fraction {fraction})")),
            )?;
            let keep = |windows: TokenWindows, n: Option<usize>, subset: SubsetFn| match n {
                Some(n) => windows.subset(subset(n, split_seed)),
                None => Ok(windows),
            };
            let sample = |n, seed| Subset::Sample { n, seed };
            let first = |n, _| Subset::First { n };
            Ok(Workload::Text(TextData {
                train: keep(splits.train, data.train_subset, sample)
                    .map_err(key("train_subset", show(data.train_subset)))?,
                valid: keep(splits.valid, data.valid_size, first)
                    .map_err(key("valid_size", show(data.valid_size)))?,
                test: keep(splits.test, data.test_subset, first)
                    .map_err(key("test_subset", show(data.test_subset)))?,
                vocab: corpus.vocab.len(),
                seq_len,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use burn::data::dataset::Dataset;

    use super::*;

    fn images(seed: u64, data_seed: Option<u64>) -> ImageData {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/quick-cnn.toml");
        let mut config =
            ExperimentConfig::from_table(ExperimentConfig::read_table(&path).unwrap(), &path)
                .unwrap();
        config.seed = seed;
        config.data.seed = data_seed;
        match prepare(&config, &|_| {}).expect("MNIST loads") {
            Workload::Images(data) => data,
            Workload::Text(_) => panic!("quick-cnn is an image workload"),
        }
    }

    fn first(set: &ImageDataset) -> Vec<(u8, Vec<u8>)> {
        (0..32)
            .map(|i| set.get(i).map(|item| (item.label, item.pixels)).unwrap())
            .collect()
    }

    #[test]
    fn a_fixed_data_seed_gives_every_run_seed_the_same_splits() {
        let (a, b) = (images(1, Some(7)), images(2, Some(7)));
        assert_eq!(first(&a.valid), first(&b.valid), "the same validation set");
        assert_eq!(first(&a.train), first(&b.train), "the same training subset");
        // Without it, the run's seed draws the splits.
        let (c, d) = (images(1, None), images(2, None));
        assert_ne!(first(&c.valid), first(&d.valid));
    }
}
