//! The training data loader: Burn's Learner validates once per "epoch", so an epoch here is a
//! chunk of `eval_every` optimizer updates. That gives the validation trajectory the resolution
//! T_ES needs, a checkpoint per evaluation, and exact resume.
//!
//! The training stream is a deterministic function of the seed: update `u` takes items
//! `u·B .. (u+1)·B` of the concatenation of seeded permutations of the training set (one per
//! pass). A chunk can therefore be replayed from its index alone, and each chunk reseeds the
//! device's random generator, so dropout after a resume matches an uninterrupted run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderIterator, Progress};
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::Device;
use burn::train::Interrupter;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// A training batch and its share of the global batch (1 on one device; 1/n for each of n
/// data-parallel devices, so that the summed gradients equal the global batch's mean gradient).
#[derive(Debug, Clone)]
pub struct Weighted<O> {
    /// The batch.
    pub batch: O,
    /// Its share of the global batch.
    pub weight: f32,
}

/// The shape of the training stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamSpec {
    /// Samples per optimizer update (the global batch).
    pub batch_size: usize,
    /// Equal parts each update's batch is yielded in (gradient accumulation; 1: whole).
    pub micro_batches: usize,
    /// Updates per chunk (the evaluation interval).
    pub updates_per_chunk: u64,
    /// Updates in the whole run (the last chunk may be shorter).
    pub total_updates: u64,
    /// The run's seed.
    pub seed: u64,
}

/// Fixed-length chunks of a seeded, endless stream of training batches.
pub struct ChunkLoader<I, O> {
    dataset: Arc<dyn Dataset<I>>,
    batcher: Arc<dyn Batcher<I, O>>,
    batch_size: usize,
    micro_batches: usize,
    updates_per_chunk: u64,
    total_updates: u64,
    seed: u64,
    /// The part of every global batch this loader yields (`0..batch_size` unless sliced).
    share: (usize, usize),
    /// The chunk the next `iter()` call yields (0-based).
    next_chunk: AtomicU64,
    device: Device,
    /// Stop the run (resumably) when this chunk is about to start.
    stop: Option<(u64, Interrupter)>,
}

impl<I, O> ChunkLoader<I, O> {
    /// A loader whose first `iter()` yields chunk `first_chunk` (0 for a fresh run, the
    /// checkpoint's epoch for a resumed one).
    pub fn new(
        dataset: Arc<dyn Dataset<I>>,
        batcher: Arc<dyn Batcher<I, O>>,
        spec: StreamSpec,
        first_chunk: u64,
        device: Device,
    ) -> Self {
        Self {
            dataset,
            batcher,
            batch_size: spec.batch_size,
            micro_batches: spec.micro_batches.max(1),
            updates_per_chunk: spec.updates_per_chunk,
            total_updates: spec.total_updates,
            seed: spec.seed,
            share: (0, spec.batch_size),
            next_chunk: AtomicU64::new(first_chunk),
            device,
            stop: None,
        }
    }

    /// Stops the run through `interrupter` when chunk `chunk` (0-based) is about to start, so
    /// chunks `..chunk` are trained, evaluated and checkpointed and the run can be resumed.
    pub fn stop_before_chunk(mut self, chunk: Option<u64>, interrupter: Interrupter) -> Self {
        self.stop = chunk.map(|chunk| (chunk, interrupter));
        self
    }

    fn copy_with(&self, share: (usize, usize), device: Device) -> Self {
        Self {
            dataset: self.dataset.clone(),
            batcher: self.batcher.clone(),
            batch_size: self.batch_size,
            micro_batches: self.micro_batches,
            updates_per_chunk: self.updates_per_chunk,
            total_updates: self.total_updates,
            seed: self.seed,
            share,
            next_chunk: AtomicU64::new(self.next_chunk.load(Ordering::SeqCst)),
            device,
            stop: self.stop.clone(),
        }
    }

    fn chunk_updates(&self, chunk: u64) -> (u64, u64) {
        let start = (chunk * self.updates_per_chunk).min(self.total_updates);
        let end = ((chunk + 1) * self.updates_per_chunk).min(self.total_updates);
        (start, end)
    }
}

/// The seed of chunk `chunk`'s random draws (dropout), distinct per chunk and per run seed.
pub fn chunk_seed(seed: u64, chunk: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ chunk.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// The training-set permutation of pass `pass` over `len` items.
pub fn pass_permutation(seed: u64, pass: u64, len: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(
        chunk_seed(seed, pass) ^ 0x5EED,
    ));
    order
}

/// How a stop asked for by `--stop-after` is worded in the run's status message.
pub const STOP_AFTER_REASON: &str = "(--stop-after)";

impl<I, O> DataLoader<Weighted<O>> for ChunkLoader<I, O>
where
    I: Send + Sync + 'static,
    O: Send + 'static,
{
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<Weighted<O>> + 'a> {
        let chunk = self.next_chunk.fetch_add(1, Ordering::SeqCst);
        if let Some((stop, interrupter)) = &self.stop
            && chunk >= *stop
        {
            let update = chunk * self.updates_per_chunk;
            interrupter.stop(Some(&format!(
                "stopped after update {update} {STOP_AFTER_REASON}"
            )));
        }
        self.device.seed(chunk_seed(self.seed, chunk));
        let (start, end) = self.chunk_updates(chunk);
        Box::new(ChunkIter {
            loader: self,
            start,
            next_update: start,
            next_micro: 0,
            end,
            permutation: None,
        })
    }

    fn num_items(&self) -> usize {
        self.updates_per_chunk as usize * (self.share.1 - self.share.0)
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<Weighted<O>>> {
        Arc::new(self.copy_with(self.share, device.clone()))
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<Weighted<O>>> {
        // Burn's data-parallel split slices the chunk's items into contiguous ranges, one per
        // device; here the same fraction of every batch goes to each device instead, so every
        // update still sees one global batch.
        let per_update = self.updates_per_chunk as usize;
        let (lo, hi) = (start / per_update, end / per_update);
        let share = (
            self.share.0 + lo,
            self.share.0 + hi.min(self.share.1 - self.share.0),
        );
        Arc::new(self.copy_with(share, self.device.clone()))
    }
}

struct ChunkIter<'a, I, O> {
    loader: &'a ChunkLoader<I, O>,
    start: u64,
    next_update: u64,
    /// The micro-batch of `next_update` yielded next.
    next_micro: usize,
    end: u64,
    permutation: Option<(u64, Vec<usize>)>,
}

impl<I, O> ChunkIter<'_, I, O> {
    fn item_index(&mut self, position: u64) -> usize {
        let len = self.loader.dataset.len() as u64;
        let (pass, offset) = (position / len, position % len);
        if self.permutation.as_ref().is_none_or(|(p, _)| *p != pass) {
            let order = pass_permutation(self.loader.seed, pass, len as usize);
            self.permutation = Some((pass, order));
        }
        self.permutation.as_ref().expect("just set").1[offset as usize]
    }
}

impl<I, O> Iterator for ChunkIter<'_, I, O> {
    type Item = Result<Weighted<O>, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_update >= self.end {
            return None;
        }
        let loader = self.loader;
        let base = self.next_update * loader.batch_size as u64;
        let (from, to) = self.micro_range(self.next_micro);
        self.next_micro += 1;
        if self.next_micro == loader.micro_batches {
            (self.next_update, self.next_micro) = (self.next_update + 1, 0);
        }
        let mut items = Vec::with_capacity(to - from);
        for j in from..to {
            let index = self.item_index(base + j as u64);
            match loader.dataset.get(index) {
                Ok(item) => items.push(item),
                Err(err) => return Some(Err(err)),
            }
        }
        // Each part's loss is weighted by its share of the global batch, so the gradients Burn
        // sums (over devices and micro-batches) are the global batch's mean gradient.
        let weight = items.len() as f32 / loader.batch_size as f32;
        Some(Ok(Weighted {
            batch: loader.batcher.batch(items, &loader.device),
            weight,
        }))
    }
}

impl<I, O> ChunkIter<'_, I, O> {
    /// The positions (within the global batch) of micro-batch `k` of this loader's share.
    fn micro_range(&self, k: usize) -> (usize, usize) {
        let (lo, hi) = self.loader.share;
        let n = self.loader.micro_batches;
        (lo + (hi - lo) * k / n, lo + (hi - lo) * (k + 1) / n)
    }
}

impl<I, O> DataLoaderIterator<Weighted<O>> for ChunkIter<'_, I, O> {
    fn progress(&self) -> Progress {
        let per_update = self.loader.share.1 - self.loader.share.0;
        // Complete only after an update's last micro-batch: Burn steps the optimizer there.
        let in_update = self.micro_range(self.next_micro).0 - self.loader.share.0;
        Progress::new(
            (self.next_update - self.start) as usize * per_update + in_update,
            (self.end - self.start) as usize * per_update,
            Some("items".into()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::data::dataset::InMemDataset;

    #[derive(Clone)]
    struct Collect;
    impl Batcher<u32, Vec<u32>> for Collect {
        fn batch(&self, items: Vec<u32>, _device: &Device) -> Vec<u32> {
            items
        }
    }

    fn loader(first_chunk: u64) -> ChunkLoader<u32, Vec<u32>> {
        loader_in_parts(first_chunk, 1)
    }

    fn loader_in_parts(first_chunk: u64, micro_batches: usize) -> ChunkLoader<u32, Vec<u32>> {
        let data: Vec<u32> = (0..10).collect();
        ChunkLoader::new(
            Arc::new(InMemDataset::new(data)),
            Arc::new(Collect),
            StreamSpec {
                batch_size: 4,
                micro_batches,
                updates_per_chunk: 3,
                total_updates: 8,
                seed: 7,
            },
            first_chunk,
            Device::flex(),
        )
    }

    fn chunk(loader: &ChunkLoader<u32, Vec<u32>>) -> Vec<Vec<u32>> {
        loader.iter().map(|b| b.unwrap().batch).collect()
    }

    #[test]
    fn chunks_cover_passes_as_permutations_and_the_last_chunk_is_short() {
        let l = loader(0);
        let chunks: Vec<Vec<Vec<u32>>> = (0..3).map(|_| chunk(&l)).collect();
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2]);
        let stream: Vec<u32> = chunks.into_iter().flatten().flatten().collect();
        assert_eq!(stream.len(), 32);
        for pass in stream.chunks(10).take(3) {
            let mut sorted = pass.to_vec();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..10).collect::<Vec<_>>(),
                "each pass is a permutation"
            );
        }
        assert_ne!(
            &stream[..10],
            &stream[10..20],
            "passes are shuffled differently"
        );
    }

    #[test]
    fn micro_batches_split_each_update_in_order_and_complete_only_at_the_end() {
        let (whole, parts) = (loader(0), loader_in_parts(0, 2));
        for _ in 0..3 {
            let expected = chunk(&whole);
            let mut iter = parts.iter();
            let mut got = Vec::new();
            let mut weights = Vec::new();
            while let Some(item) = iter.next() {
                let item = item.unwrap();
                assert_eq!(item.batch.len(), 2);
                weights.push(item.weight);
                got.push(item.batch);
                let progress = iter.progress();
                // Burn steps early when the epoch's progress reads complete.
                let last = got.len() == 2 * expected.len();
                assert_eq!(progress.items_processed == progress.items_total, last);
            }
            assert!(weights.iter().all(|&w| w == 0.5), "{weights:?}");
            let joined: Vec<Vec<u32>> = got.chunks(2).map(|p| p.concat()).collect();
            assert_eq!(
                joined, expected,
                "the parts of an update are its batch, in order"
            );
        }
    }

    #[test]
    fn a_loader_started_at_chunk_k_replays_the_same_batches() {
        let fresh = loader(0);
        let _ = chunk(&fresh);
        let expected = chunk(&fresh);
        assert_eq!(chunk(&loader(1)), expected);
    }

    #[test]
    fn slices_split_every_batch_and_weights_sum_to_one() {
        let whole = loader(0);
        let expected = chunk(&whole);
        let n = whole.num_items();
        let (a, b) = (loader(0).slice(0, n / 2), loader(0).slice(n / 2, n));
        let (ia, ib): (Vec<_>, Vec<_>) = (
            a.iter().map(|x| x.unwrap()).collect(),
            b.iter().map(|x| x.unwrap()).collect(),
        );
        for ((x, y), full) in ia.iter().zip(&ib).zip(&expected) {
            assert_eq!([x.batch.clone(), y.batch.clone()].concat(), *full);
            assert_eq!(x.weight + y.weight, 1.0);
        }
    }
}
