//! Splits, subsets, datasets and batchers on small generated data.

use std::sync::Arc;

use bba_datasets::split::{Subset, train_valid};
use bba_datasets::tokens::{EncodedCorpus, TextSplits, TokenBatcher};
use bba_datasets::vision::{ImageBatcher, ImageDataset, ImageSet, ImageSplits};
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::tensor::Device;

#[test]
fn validation_splits_are_seeded_disjoint_and_complete() {
    let (train, valid) = train_valid(100, 20, 7).unwrap();
    assert_eq!((train.len(), valid.len()), (80, 20));
    let mut all: Vec<usize> = train.iter().chain(&valid).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    assert_eq!(
        train_valid(100, 20, 7).unwrap().1,
        valid,
        "same seed, same split"
    );
    assert_ne!(
        train_valid(100, 20, 8).unwrap().1,
        valid,
        "another seed, another split"
    );
    assert!(train_valid(10, 10, 0).is_err() && train_valid(10, 0, 0).is_err());
}

#[test]
fn subsets_take_the_first_or_a_seeded_sample() {
    let indices: Vec<usize> = (100..200).collect();
    assert_eq!(
        Subset::First { n: 3 }.apply(&indices).unwrap(),
        vec![100, 101, 102]
    );
    let sample = Subset::Sample { n: 10, seed: 1 }.apply(&indices).unwrap();
    assert_eq!(sample.len(), 10);
    assert!(sample.windows(2).all(|w| w[0] < w[1]) && sample.iter().all(|i| indices.contains(i)));
    assert_eq!(
        Subset::Sample { n: 10, seed: 1 }.apply(&indices).unwrap(),
        sample
    );
    assert!(Subset::First { n: 101 }.apply(&indices).is_err());
}

fn image_set(n: usize) -> ImageSet {
    ImageSet {
        channels: 1,
        rows: 2,
        cols: 2,
        pixels: (0..n * 4).map(|i| (i % 256) as u8).collect(),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
    }
}

#[test]
fn image_splits_and_batches() {
    let splits = ImageSplits::new(image_set(50), image_set(8), 10, 3).unwrap();
    assert_eq!(
        (splits.train.len(), splits.valid.len(), splits.test.len()),
        (40, 10, 8)
    );
    let item = splits.test.get(5).unwrap();
    assert_eq!((item.pixels.clone(), item.label), (vec![20, 21, 22, 23], 5));
    assert!(
        splits.test.get(8).is_err(),
        "out of range is an error, not a panic"
    );

    let batcher = ImageBatcher::new([1, 2, 2], 0.5, 0.25)
        .with_padding(4)
        .unwrap();
    let batch = batcher.batch(vec![item], &Device::flex());
    assert_eq!(batch.images.dims(), [1, 1, 4, 4]);
    let values: Vec<f32> = batch.images.into_data().try_to_vec().unwrap();
    let norm = |p: f32| (p / 255.0 - 0.5) / 0.25;
    assert_eq!(values[0], norm(0.0), "the border is a black pixel");
    assert_eq!(
        &values[5..7],
        &[norm(20.0), norm(21.0)],
        "the image sits in the centre"
    );
    let labels: Vec<i64> = batch
        .targets
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .unwrap();
    assert_eq!(labels, vec![5]);
    assert!(
        ImageBatcher::new([1, 28, 28], 0.0, 1.0)
            .with_padding(20)
            .is_err()
    );

    let subset = ImageDataset::all(Arc::new(image_set(30)))
        .subset(bba_datasets::split::Subset::First { n: 4 })
        .unwrap();
    assert_eq!(subset.len(), 4);
}

#[test]
fn token_windows_predict_the_next_character() {
    let corpus = EncodedCorpus::from_text(&"abcdefghij".repeat(20)).unwrap();
    let splits = TextSplits::new(&corpus, 0.1, 0.1, 8, 4).unwrap();
    assert_eq!(splits.train.len(), (160 - 9) / 4 + 1);
    let window = splits.train.get(1).unwrap();
    assert_eq!(corpus.vocab.decode(&window.tokens), "efghijabc");
    let batch = TokenBatcher.batch(
        vec![window.clone(), splits.valid.get(0).unwrap()],
        &Device::flex(),
    );
    assert_eq!(batch.inputs.dims(), [2, 8]);
    let inputs: Vec<i64> = batch
        .inputs
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .unwrap();
    let targets: Vec<i64> = batch
        .targets
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .unwrap();
    assert_eq!(
        &inputs[1..8],
        &targets[0..7],
        "targets are the inputs shifted by one"
    );
    assert!(TextSplits::new(&corpus, 0.5, 0.5, 8, 4).is_err());
    assert!(
        TextSplits::new(&corpus, 0.01, 0.01, 8, 4).is_err(),
        "a split shorter than one window"
    );
}
