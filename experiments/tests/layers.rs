//! The experiments crate's layers point down only (`docs/architecture.md`): a module may use
//! modules of a lower layer, never one of its own layer or above. Every `crate::<module>` path in
//! `experiments/src` is checked against the table below; a new module must be given a layer.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module's layer: higher layers may use lower ones.
const LAYERS: [(&str, u8); 17] = [
    ("error", 0),
    ("interrupt", 0),
    ("progress", 0),
    ("stats", 0),
    ("loader", 0),
    ("device", 1),
    ("config", 2),
    ("artifacts", 2),
    ("data", 3),
    ("model", 3),
    ("train", 4),
    ("report", 5),
    ("throughput", 5),
    ("dashboard", 6),
    ("study", 6),
    ("cli", 7),
    ("main", 8),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

/// `crate::name` paths in `text` (code and doc links alike).
fn uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn modules_use_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut upward: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if module == "lib" {
            continue; // the crate root declares every module
        }
        let Some(own) = layer(&module) else {
            unknown.push(module.clone());
            continue;
        };
        for used in uses(&std::fs::read_to_string(file).unwrap()) {
            if used == module {
                continue;
            }
            match layer(&used) {
                Some(l) if l < own => {}
                Some(_) => upward
                    .entry(relative.display().to_string())
                    .or_default()
                    .push(used),
                None => unknown.push(format!("{used} (used by {})", relative.display())),
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(unknown.is_empty(), "modules without a layer: {unknown:?}");
    assert!(
        upward.is_empty(),
        "imports of a module of the same or a higher layer (file: modules): {upward:#?}"
    );
    // The check itself finds what it must.
    assert_eq!(
        uses("use crate::report::x; [`crate::stats`]"),
        ["report", "stats"]
    );
}
