//! How long loading full MNIST from the cache into memory takes (checksums verified + parsed).
//!
//! ```text
//! cargo bench -p bba-datasets --bench load_mnist
//! ```
//! Fetches MNIST into the cache first if needed (`$BBA_DATA_DIR` or the user cache dir).

use std::time::Instant;

use bba_datasets::DatasetName;
use bba_datasets::cache::cache_dir;
use bba_datasets::fetch::fetch;
use bba_datasets::vision::load_idx;

const REPEATS: usize = 10;

fn main() {
    let root = cache_dir(None);
    if let Err(err) = fetch(&root, DatasetName::Mnist, &|line| eprintln!("{line}")) {
        eprintln!("cannot fetch MNIST: {err}");
        std::process::exit(1);
    }
    let mut times = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let start = Instant::now();
        let (train, test) = load_idx(&root, DatasetName::Mnist).expect("MNIST loads");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!((train.len(), test.len()), (60_000, 10_000));
    }
    times.sort_by(f64::total_cmp);
    println!(
        "load full MNIST (70 000 images, 55 MB, MD5-verified): median {:.1} ms, min {:.1} ms, max {:.1} ms over {REPEATS} loads",
        times[REPEATS / 2],
        times[0],
        times[REPEATS - 1]
    );
}
