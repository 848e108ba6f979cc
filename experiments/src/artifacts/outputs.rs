//! Where a command may write: never into, inside or above the directories it reads (a run's
//! `summary.json` would be overwritten, and a report's own files read back as runs next time).

use std::path::{Path, PathBuf};

use crate::error::ExperimentError;

/// Refuses a report's `--out` directory that is one of the directories the command reads, or
/// lies inside one: a report never writes into the runs it reads (a run's `summary.json` would
/// be overwritten, and the report's own files would be read back as runs next time).
pub fn check_out_dir(out: &Path, inputs: &[&Path]) -> Result<(), ExperimentError> {
    let out_abs = absolute(out);
    for input in inputs {
        let input_abs = absolute(input);
        if out_abs.starts_with(&input_abs) {
            return Err(ExperimentError::Argument {
                flag: format!("--out {}", out.display()),
                message: format!(
                    "it is, or lies inside, {}, which this command reads; write the report \
                 elsewhere (e.g. next to it)",
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

/// [`check_out_dir`], and `out` must not be above an input either (a command whose output
/// directories are named after its inputs, or a report asked to land in the tree it reads):
/// `flag` names the option in the message.
pub fn check_out_not_above(
    flag: &str,
    out: &Path,
    inputs: &[&Path],
) -> Result<(), ExperimentError> {
    if out.exists() && !out.is_dir() {
        return Err(ExperimentError::Argument {
            flag: format!("{flag} {}", out.display()),
            message: "is a file; it must be a directory (created if missing)".into(),
        });
    }
    let out_abs = absolute(out);
    for input in inputs {
        let input_abs = absolute(input);
        if out_abs.starts_with(&input_abs) || input_abs.starts_with(&out_abs) {
            return Err(ExperimentError::Argument {
                flag: format!("{flag} {}", out.display()),
                message: format!(
                    "it is, lies inside or holds {}, which this command reads; write \
                 elsewhere (e.g. next to it)",
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

/// `path` made absolute with symbolic links resolved as far as it exists.
fn absolute(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => break,
        }
    }
    let mut abs = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        abs.push(name);
    }
    abs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_a_file_or_holds_an_input_is_an_argument_error_naming_the_flag() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("report");
        std::fs::write(&file, b"x").unwrap();
        let err = check_out_not_above("--to", &file, &[]).unwrap_err();
        assert!(
            matches!(&err, ExperimentError::Argument { flag, .. } if flag.starts_with("--to ")),
            "{err:?}"
        );
        assert!(err.to_string().contains("is a file"), "{err}");
        let runs = tmp.path().join("runs");
        let err = check_out_not_above("--out", tmp.path(), &[&runs]).unwrap_err();
        assert!(
            matches!(&err, ExperimentError::Argument { flag, .. } if flag.starts_with("--out ")),
            "{err:?}"
        );
        assert!(check_out_not_above("--out", &tmp.path().join("elsewhere"), &[&runs]).is_ok());
    }
}
