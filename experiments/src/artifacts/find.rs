//! Finding run directories under the paths a command is given: each once (canonical paths),
//! following symbolic links without looping, never into a report bundle.

use std::path::{Path, PathBuf};

use crate::error::ExperimentError;

/// The directories at or below `path` that `is_match` accepts: `path` itself if it does, else
/// every such directory beneath it (not descending into one it accepted), in name order.
pub fn find_dirs(
    path: &Path,
    is_match: &dyn Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, ExperimentError> {
    let mut visited = std::collections::HashSet::new();
    find_dirs_from(path, is_match, &mut visited)
}

/// Whether `dir` is a report bundle (`report.md` beside `report.html`, which a run directory never
/// has): readers looking for runs skip its `summary.json` and look beneath it, so a report
/// written into a run tree neither fails a reader nor hides the runs below it.
pub fn is_report_bundle(dir: &Path) -> bool {
    dir.join("report.html").is_file() && dir.join("report.md").is_file()
}

/// Whether `dir` holds a run's records (a `summary.json` that is not a report bundle's).
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("summary.json").is_file() && !is_report_bundle(dir)
}

/// The directories matching `is_match` at or below each of `inputs` (a match, or a tree searched
/// for them), each once (by canonical path: an input given twice, a symbolic link to a tree
/// already given, a match inside another input), in the order first found. An input that is not
/// a directory, or inputs holding no match, are errors naming them; `what` names a match in
/// that message (e.g. "run directory (with a summary.json)").
pub fn collect_dirs(
    inputs: &[PathBuf],
    is_match: &dyn Fn(&Path) -> bool,
    what: &str,
) -> Result<Vec<PathBuf>, ExperimentError> {
    let mut found = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            return Err(ExperimentError::Input {
                message: format!("{}: no such directory", input.display()),
            });
        }
        found.extend(find_dirs(input, is_match)?);
    }
    let found = unique_dirs(found)?;
    if found.is_empty() {
        let named: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(ExperimentError::Input {
            message: format!("no {what} under {}", named.join(", ")),
        });
    }
    Ok(found)
}

/// `dirs` with each directory once (compared by canonical path: the same directory reached
/// through two inputs, or through a symbolic link, counts once), in their order.
pub fn unique_dirs(dirs: Vec<PathBuf>) -> Result<Vec<PathBuf>, ExperimentError> {
    let mut seen = std::collections::HashSet::new();
    let mut unique = Vec::with_capacity(dirs.len());
    for dir in dirs {
        if seen.insert(dir.canonicalize().map_err(ExperimentError::io(&dir))?) {
            unique.push(dir);
        }
    }
    Ok(unique)
}

/// [`find_dirs`], following symbolic links to directories; `visited` holds the canonical paths
/// seen, so a link back up the tree (a loop) or a second link to one tree is walked once.
fn find_dirs_from(
    path: &Path,
    is_match: &dyn Fn(&Path) -> bool,
    visited: &mut std::collections::HashSet<PathBuf>,
) -> Result<Vec<PathBuf>, ExperimentError> {
    let canonical = path.canonicalize().map_err(ExperimentError::io(path))?;
    if !visited.insert(canonical) {
        return Ok(Vec::new());
    }
    if is_match(path) {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(ExperimentError::io(path))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut found = Vec::new();
    for dir in dirs {
        found.extend(find_dirs_from(&dir, is_match, visited)?);
    }
    Ok(found)
}
