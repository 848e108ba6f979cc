//! Reads Burn's metric logs back (`{split}/epoch-{N}/{Metric}.log`, one `value,count` line per
//! batch and possibly a final `value,final` line), aggregating an epoch exactly as Burn does.

use std::path::Path;

use crate::error::ExperimentError;

/// The epoch value of a metric log: its `final` line if it ends with one, else the mean of its
/// `value,count` entries weighted by count; `None` if the file is missing or empty. A line that
/// is not `value`, `value,count` or `value,final` is an error naming the file and line.
pub fn epoch_value(path: &Path) -> Result<Option<f64>, ExperimentError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(ExperimentError::io(path))?;
    let bad = |line: usize, why: String| ExperimentError::RunDir {
        dir: path.to_path_buf(),
        message: format!("line {line}: {why}"),
    };
    let (mut sum, mut count, mut last_final) = (0.0, 0usize, None);
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let (value, rest) = match line.split_once(',') {
            Some((v, r)) => (v, Some(r)),
            None => (line, None),
        };
        let value: f64 = value
            .parse()
            .map_err(|_| bad(i + 1, format!("`{value}` is not a number")))?;
        match rest {
            Some("final") => last_final = Some(value),
            Some(n) => {
                let n: usize = n
                    .parse()
                    .map_err(|_| bad(i + 1, format!("`{n}` is not a count")))?;
                sum += value * n as f64;
                count += n;
                last_final = None;
            }
            None => {
                sum += value;
                count += 1;
                last_final = None;
            }
        }
    }
    Ok(last_final.or((count > 0).then(|| sum / count as f64)))
}

/// The value of `metric` in `split` at evaluation `epoch` (1-based) of a run directory.
pub fn split_value(
    run_dir: &Path,
    split: &str,
    metric: &str,
    epoch: usize,
) -> Result<Option<f64>, ExperimentError> {
    epoch_value(&split_log(run_dir, split, metric, epoch))
}

/// The log file of `metric` in `split` at evaluation `epoch`.
pub fn split_log(run_dir: &Path, split: &str, metric: &str, epoch: usize) -> std::path::PathBuf {
    let file = format!("{}.log", metric.replace(' ', "_"));
    run_dir
        .join(split)
        .join(format!("epoch-{epoch}"))
        .join(file)
}

/// How many evaluations `split` logged: the highest `epoch-N` directory (0 if none).
pub fn epochs_logged(run_dir: &Path, split: &str) -> Result<usize, ExperimentError> {
    let dir = run_dir.join(split);
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut last = 0;
    for entry in std::fs::read_dir(&dir).map_err(ExperimentError::io(&dir))? {
        let entry = entry.map_err(ExperimentError::io(&dir))?;
        if let Some(n) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix("epoch-"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            last = last.max(n);
        }
    }
    Ok(last)
}

/// The value of `metric` in the test group `group` of a run directory.
pub fn test_value(
    run_dir: &Path,
    group: &str,
    metric: &str,
) -> Result<Option<f64>, ExperimentError> {
    let tag = group.trim().replace(' ', "-").to_lowercase();
    let file = format!("{}.log", metric.replace(' ', "_"));
    epoch_value(&run_dir.join("test").join(tag).join(file))
}

/// The per-update entries `(value, count)` of one epoch's training-metric log, in order. Every
/// line must be `value,count`, except that the last may be Burn's `value,final` epoch
/// aggregate (skipped): anything else is an error naming the file and line, never a shorter
/// series.
pub fn iteration_values(path: &Path) -> Result<Vec<(f64, usize)>, ExperimentError> {
    let text = std::fs::read_to_string(path).map_err(ExperimentError::io(path))?;
    let bad = |line: usize, why: &str| ExperimentError::RunDir {
        dir: path.to_path_buf(),
        message: format!("line {line}: {why}"),
    };
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut entries = Vec::with_capacity(lines.len());
    for (k, &(i, line)) in lines.iter().enumerate() {
        let (value, count) = line
            .split_once(',')
            .ok_or_else(|| bad(i + 1, "expected `value,count`"))?;
        let value: f64 = value
            .parse()
            .map_err(|_| bad(i + 1, &format!("`{value}` is not a number")))?;
        if count == "final" && k + 1 == lines.len() {
            break;
        }
        let count: usize = count
            .parse()
            .map_err(|_| bad(i + 1, &format!("`{count}` is not a count")))?;
        entries.push((value, count));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_values_refuse_malformed_lines_and_read_every_form() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss.log");
        assert_eq!(epoch_value(&path).unwrap(), None, "missing");
        std::fs::write(&path, "").unwrap();
        assert_eq!(epoch_value(&path).unwrap(), None, "empty");
        std::fs::write(&path, "1.0,1\n3.0,3\n").unwrap();
        assert_eq!(epoch_value(&path).unwrap(), Some(2.5));
        std::fs::write(&path, "1.0,1\n3.0,3\n9.0,final\n").unwrap();
        assert_eq!(epoch_value(&path).unwrap(), Some(9.0));
        for bad in ["1.0,1\nabc,1\n", "1.0,x\n", "1.0,1\n2.0,1,\n"] {
            std::fs::write(&path, bad).unwrap();
            let err = epoch_value(&path).unwrap_err().to_string();
            assert!(
                err.contains("Loss.log") && err.contains("line "),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn iteration_values_refuse_malformed_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss.log");
        std::fs::write(&path, "2.5,32\n2.25,32\n").unwrap();
        assert_eq!(
            iteration_values(&path).unwrap(),
            vec![(2.5, 32), (2.25, 32)]
        );
        std::fs::write(&path, "2.5,32\ngarbage\n2.0,32\n").unwrap();
        let err = iteration_values(&path).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("Loss.log"), "{err}");
        // Burn closes an epoch with its aggregate: skipped, but only as the last line.
        std::fs::write(&path, "2.5,32\n2.0,32\n2.25,final\n").unwrap();
        assert_eq!(iteration_values(&path).unwrap(), vec![(2.5, 32), (2.0, 32)]);
        std::fs::write(&path, "2.5,32\n2.25,final\n2.0,32\n").unwrap();
        assert!(
            iteration_values(&path)
                .unwrap_err()
                .to_string()
                .contains("line 2")
        );
        assert!(iteration_values(&dir.path().join("missing.log")).is_err());
    }

    #[test]
    fn weighted_mean_unless_a_final_line_closes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss.log");
        std::fs::write(&path, "1.0,10\n4.0,30\n").unwrap();
        assert_eq!(epoch_value(&path).unwrap(), Some(3.25));
        std::fs::write(&path, "1.0,10\n4.0,30\n2.5,final\n").unwrap();
        assert_eq!(epoch_value(&path).unwrap(), Some(2.5));
        std::fs::write(&path, "").unwrap();
        assert_eq!(epoch_value(&path).unwrap(), None);
        assert_eq!(epoch_value(&dir.path().join("missing.log")).unwrap(), None);
    }
}
