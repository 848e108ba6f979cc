//! Which runs one surge analysis may pool: a (batch size, learning rate) cell's replicates must
//! differ by seed only, so every other setting must be the same. The run length and the
//! evaluation grid (`training.updates`, `training.eval_every`) may be scaled with the batch size,
//! as the surge sweeps do, but must be the same within one batch size. Anything else that
//! differs (an optimizer, its β, a schedule) is refused by name: analyse each value's runs
//! separately.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Keys that are the grid's axes or the replicate's identity.
const FREE: [&str; 5] = [
    "seed",
    "name",
    "artifact_dir",
    "schedule.lr",
    "training.batch_size",
];
/// Keys a sweep may scale with the batch size.
const PER_BATCH: [&str; 2] = ["training.updates", "training.eval_every"];

/// What the pooled runs share, for the report's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// `optimizer.kind`.
    pub optimizer: String,
    /// `schedule.kind`.
    pub schedule: String,
}

/// A config as `dotted.key → value` (TOML text of the value).
fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn read(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let path = dir.join("config.toml");
    let text = std::fs::read_to_string(&path).map_err(|err| {
        format!(
            "{}: {err} (a surge run needs its config.toml)",
            path.display()
        )
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|err| format!("{}: {err}", path.display()))?;
    let mut flat = BTreeMap::new();
    flatten("", &table, &mut flat);
    Ok(flat)
}

/// The first key whose value differs between `a` and `b`, among those not in `skip`.
fn differing<'a>(
    a: &'a BTreeMap<String, String>,
    b: &'a BTreeMap<String, String>,
    skip: &[&str],
) -> Option<(&'a str, Option<&'a str>, Option<&'a str>)> {
    a.keys()
        .chain(b.keys())
        .filter(|key| !skip.contains(&key.as_str()))
        .map(|key| {
            (
                key.as_str(),
                a.get(key).map(String::as_str),
                b.get(key).map(String::as_str),
            )
        })
        .find(|(_, x, y)| x != y)
}

/// Checks that `dirs` may be pooled into one analysis (module docs); the error names two runs
/// and the key in which they differ.
pub fn check_poolable(dirs: &[PathBuf]) -> Result<Setup, String> {
    let configs: Vec<(&PathBuf, BTreeMap<String, String>)> = dirs
        .iter()
        .map(|dir| read(dir).map(|c| (dir, c)))
        .collect::<Result<_, _>>()?;
    let Some((first_dir, first)) = configs.first() else {
        return Err("no runs".into());
    };
    let across: Vec<&str> = FREE.iter().chain(&PER_BATCH).copied().collect();
    for (dir, config) in &configs[1..] {
        // Everything but the axes and the per-batch length agrees with the first run; the
        // length agrees with the first run of the same batch size.
        let batch = config.get("training.batch_size");
        let (same_dir, same) = configs
            .iter()
            .find(|(_, c)| c.get("training.batch_size") == batch)
            .expect("the run itself has its batch size");
        let checks = [
            (*first_dir, first, across.as_slice()),
            (*same_dir, same, FREE.as_slice()),
        ];
        for (other_dir, other, skip) in checks {
            if let Some((key, a, b)) = differing(other, config, skip) {
                let show = |v: Option<&str>| v.unwrap_or("(not set)").to_string();
                return Err(format!(
                    "{} and {} differ in `{key}` ({} vs {}): one surge analysis pools runs that \
                     differ only in batch size, learning rate and seed (and run length between \
                     batch sizes); give each value's runs to its own `experiments surge`",
                    other_dir.display(),
                    dir.display(),
                    show(a),
                    show(b)
                ));
            }
        }
    }
    let get = |key: &str| {
        first
            .get(key)
            .map_or("?".into(), |v| v.trim_matches('"').to_string())
    };
    Ok(Setup {
        optimizer: get("optimizer.kind"),
        schedule: get("schedule.kind"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(root: &Path, name: &str, body: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), body).unwrap();
        dir
    }

    fn config(batch: u32, lr: f64, seed: u64, updates: u32, beta: f64) -> String {
        format!(
            "name = \"s\"\nseed = {seed}\n[optimizer]\nkind = \"adam\"\nbeta_1 = {beta}\n\
             [schedule]\nkind = \"constant\"\nlr = {lr}\n[training]\nbatch_size = {batch}\n\
             updates = {updates}\n"
        )
    }

    #[test]
    fn the_axes_seeds_and_per_batch_lengths_pool_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let ok = vec![
            run(root, "a", &config(8, 1e-3, 42, 100, 0.9)),
            run(root, "b", &config(8, 1e-2, 43, 100, 0.9)),
            run(root, "c", &config(64, 1e-3, 42, 40, 0.9)),
        ];
        let setup = check_poolable(&ok).unwrap();
        assert_eq!(
            (setup.optimizer.as_str(), setup.schedule.as_str()),
            ("adam", "constant")
        );

        // Another β₁: two optimizers in one fit.
        let mut mixed = ok.clone();
        mixed.push(run(root, "d", &config(8, 1e-3, 42, 100, 0.99)));
        let err = check_poolable(&mixed).unwrap_err();
        assert!(
            err.contains("`optimizer.beta_1`") && err.contains("0.9 vs 0.99"),
            "{err}"
        );

        // Another run length within one batch size.
        let mut lengths = ok.clone();
        lengths.push(run(root, "e", &config(64, 1e-2, 43, 80, 0.9)));
        let err = check_poolable(&lengths).unwrap_err();
        assert!(err.contains("`training.updates`"), "{err}");
    }
}
