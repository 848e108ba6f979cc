//! Parsers and bad input, on generated files: every failure names the file, what was expected
//! and what was found; nothing panics; a corrupt file is never used.

use std::io::Write;
use std::path::{Path, PathBuf};

use bba_datasets::checksum::Checksum;
use bba_datasets::cifar::{self, RECORD_BYTES};
use bba_datasets::idx::{
    IdxImages, encode_images, encode_labels, parse_images, parse_labels, read_pair,
};
use bba_datasets::text::{CharVocab, read_corpus};
use bba_datasets::{DataError, DatasetName, cache, fetch};

fn images(n: usize) -> IdxImages {
    IdxImages {
        n,
        rows: 3,
        cols: 2,
        pixels: (0..n * 6).map(|i| (i * 7 % 256) as u8).collect(),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn idx_round_trips_raw_and_gzipped() {
    let original = images(5);
    let raw = encode_images(&original);
    assert_eq!(
        parse_images(Path::new("raw"), raw.clone()).unwrap(),
        original
    );
    assert_eq!(parse_images(Path::new("gz"), gzip(&raw)).unwrap(), original);
    assert_eq!(
        parse_labels(Path::new("l"), gzip(&encode_labels(&[3, 1, 4]))).unwrap(),
        vec![3, 1, 4]
    );
    assert_eq!(original.image(1), &original.pixels[6..12]);
}

fn format_error(result: Result<impl std::fmt::Debug, DataError>) -> String {
    match result {
        Err(err @ DataError::Format { .. }) => err.to_string(),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn wrong_magic_names_the_file_and_both_numbers() {
    let message = format_error(parse_images(
        Path::new("labels-as-images"),
        encode_labels(&[1, 2]),
    ));
    assert!(
        message.contains("labels-as-images")
            && message.contains("00 00 08 03")
            && message.contains("00 00 08 01"),
        "{message}"
    );
}

#[test]
fn truncated_files_are_rejected_with_expected_and_found_sizes() {
    let raw = encode_images(&images(4));
    let message = format_error(parse_images(
        Path::new("short.idx"),
        raw[..raw.len() - 5].to_vec(),
    ));
    assert!(
        message.contains("short.idx") && message.contains(&raw.len().to_string()),
        "{message}"
    );
    let gz = gzip(&raw);
    let message = format_error(parse_images(
        Path::new("short.gz"),
        gz[..gz.len() / 2].to_vec(),
    ));
    assert!(
        message.contains("short.gz") && message.contains("gzip"),
        "{message}"
    );
    format_error(parse_labels(Path::new("tiny"), vec![0, 0, 8]));
}

#[test]
fn image_and_label_counts_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let images = write(dir.path(), "images", &encode_images(&images(4)));
    let labels = write(dir.path(), "labels", &encode_labels(&[1, 2, 3]));
    match read_pair(&images, &labels) {
        Err(
            err @ DataError::CountMismatch {
                n_images: 4,
                n_labels: 3,
                ..
            },
        ) => {
            assert!(err.to_string().contains("images") && err.to_string().contains("labels"));
        }
        other => panic!("expected a count mismatch, got {other:?}"),
    }
}

#[test]
fn cifar_records_parse_and_bad_files_are_rejected() {
    let mut bytes = Vec::new();
    for (label, fill) in [(7u8, 10u8), (0, 200)] {
        bytes.push(label);
        bytes.extend(std::iter::repeat_n(fill, RECORD_BYTES - 1));
    }
    let batch = cifar::parse(Path::new("data_batch_1.bin"), &bytes).unwrap();
    assert_eq!(batch.labels, vec![7, 0]);
    assert_eq!(
        (batch.pixels.len(), batch.pixels[3072], batch.pixels[3071]),
        (2 * 3072, 200, 10)
    );
    let message = format_error(cifar::parse(
        Path::new("cut.bin"),
        &bytes[..RECORD_BYTES + 10],
    ));
    assert!(
        message.contains("cut.bin") && message.contains("3073"),
        "{message}"
    );
    bytes[0] = 12;
    let message = format_error(cifar::parse(Path::new("labels.bin"), &bytes));
    assert!(message.contains("label 12"), "{message}");
}

#[test]
fn checksum_mismatch_names_file_and_both_digests() {
    let err = Checksum::Md5("00000000000000000000000000000000")
        .verify(Path::new("f.idx"), b"abc")
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("f.idx") && message.contains("900150983cd24fb0d6963f7d28e17f72"),
        "{message}"
    );
    assert!(
        message.contains("data fetch"),
        "it says how to fix it: {message}"
    );
}

#[test]
fn a_corrupt_cached_file_is_reported_and_never_loaded() {
    let root = tempfile::tempdir().unwrap();
    let dir = fetch::dataset_dir(root.path(), DatasetName::Mnist);
    std::fs::create_dir_all(&dir).unwrap();
    assert!(
        matches!(fetch::cache_status(root.path(), DatasetName::Mnist), fetch::CacheStatus::Missing(files) if files.len() == 4)
    );
    // A well-formed but wrong file: it parses, so only the checksum can catch it.
    write(&dir, "train-labels-idx1-ubyte", &encode_labels(&[1, 2, 3]));
    assert!(
        matches!(fetch::cache_status(root.path(), DatasetName::Mnist), fetch::CacheStatus::Corrupt(files) if files == ["train-labels-idx1-ubyte"])
    );
    assert!(matches!(
        fetch::read_verified(root.path(), DatasetName::Mnist, "train-labels-idx1-ubyte"),
        Err(DataError::Checksum { .. })
    ));
    assert!(bba_datasets::vision::load_idx(root.path(), DatasetName::Mnist).is_err());
}

#[test]
fn atomic_writes_replace_whole_files_and_leave_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("file.bin");
    cache::write_atomic(&path, b"first").unwrap();
    cache::write_atomic(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    assert_eq!(
        std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
        1
    );
}

#[test]
fn empty_and_invalid_corpora_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.txt", b" \n\n ");
    assert!(matches!(read_corpus(&empty), Err(DataError::EmptyCorpus { path }) if path == empty));
    let binary = write(dir.path(), "binary.txt", &[b'a', 0xff, 0xfe]);
    let message = format_error(read_corpus(&binary));
    assert!(
        message.contains("binary.txt") && message.contains("UTF-8"),
        "{message}"
    );
    assert!(matches!(
        read_corpus(&dir.path().join("absent.txt")),
        Err(DataError::Io { .. })
    ));
}

#[test]
fn vocabulary_round_trips_and_rejects_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let vocab = CharVocab::from_text("To be, or not to be:\n").unwrap();
    let path = dir.path().join("vocab.json");
    vocab.save(&path).unwrap();
    let loaded = CharVocab::load(&path).unwrap();
    assert_eq!(loaded, vocab);
    assert_eq!(
        loaded.decode(&loaded.encode("not to be").unwrap()),
        "not to be"
    );
    assert!(matches!(vocab.encode("?"), Err(DataError::Invalid(m)) if m.contains("'?'")));
    let unsorted = write(dir.path(), "bad.json", br#"{"chars": ["b", "a"]}"#);
    format_error(CharVocab::load(&unsorted));
    assert!(CharVocab::from_text("").is_err());
}

#[test]
fn dataset_names_parse_and_unknown_ones_list_the_known() {
    assert_eq!(
        "fashion_mnist".parse::<DatasetName>().unwrap(),
        DatasetName::FashionMnist
    );
    assert_eq!(
        "Moby-Dick".parse::<DatasetName>().unwrap(),
        DatasetName::MobyDick
    );
    let err = "cifar".parse::<DatasetName>().unwrap_err().to_string();
    assert!(
        err.contains("cifar") && err.contains("shakespeare"),
        "{err}"
    );
}

#[test]
fn cifar10_directory_loads_and_a_missing_batch_says_where_to_put_it() {
    let dir = tempfile::tempdir().unwrap();
    let record =
        |label: u8| std::iter::once(label).chain(std::iter::repeat_n(label * 20, RECORD_BYTES - 1));
    for i in 1..=5u8 {
        write(
            dir.path(),
            &format!("data_batch_{i}.bin"),
            &record(i).chain(record(0)).collect::<Vec<u8>>(),
        );
    }
    let message = bba_datasets::vision::load_cifar10(dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("test_batch.bin") && message.contains("cifar-10-batches-bin"),
        "{message}"
    );
    write(
        dir.path(),
        "test_batch.bin",
        &record(9).collect::<Vec<u8>>(),
    );
    let (train, test) = bba_datasets::vision::load_cifar10(dir.path()).unwrap();
    assert_eq!(
        (train.len(), test.len(), train.channels, train.rows),
        (10, 1, 3, 32)
    );
    assert_eq!(&train.labels[..4], &[1, 0, 2, 0]);
    assert_eq!(test.pixels[0], 180);
}
