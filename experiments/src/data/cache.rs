//! The dataset cache as `experiments data` shows it: fetching named datasets, and a table of
//! what is cached, verified, missing or corrupt, with how to fix each.

use std::path::Path;

use bba_datasets::cache::check_writable;
use bba_datasets::fetch::CacheStatus;
use bba_datasets::info::inspect;
use bba_datasets::{DataError, DatasetName};

/// `data fetch`: the datasets `names` (all when empty) fetched into `root` and verified, with
/// the bytes shown as they arrive.
pub fn fetch(root: &Path, names: &[String]) -> Result<(), DataError> {
    let datasets = if names.is_empty() {
        DatasetName::ALL.to_vec()
    } else {
        names
            .iter()
            .map(|n| n.parse())
            .collect::<Result<Vec<_>, _>>()?
    };
    check_writable(root)?;
    for dataset in datasets {
        super::fetch_showing_bytes(root, dataset, &|line| eprintln!("{line}"))?;
    }
    Ok(())
}

/// `data info`: one aligned line per dataset, then how to fix what is not verified; a corrupt
/// cache is an error (exit non-zero), a dataset not fetched yet is not.
pub fn info(root: &Path) -> Result<(), DataError> {
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
