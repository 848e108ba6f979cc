//! One Burn metric log file (`<split>/epoch-N/<Metric>.log`, written by Burn's
//! `FileMetricLogger`), read incrementally: each poll reads only the bytes appended since the
//! last one, and a line is parsed once it is whole.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use burn::train::metric::NumericEntry;

/// A line of a metric log that is not one Burn writes: the run is shown as unreadable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: line {line}: {why} ({text:?})", path.display())]
pub struct LogError {
    /// The log file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// The line as read.
    pub text: String,
    /// What is wrong with it.
    pub why: String,
}

/// A metric log followed from its start.
#[derive(Debug, Clone)]
pub struct MetricFile {
    path: PathBuf,
    /// Bytes consumed (whole lines) so far.
    offset: u64,
    /// An unterminated last line: Burn is still writing it, or the run died mid-line.
    pending: Vec<u8>,
    /// Whole lines read.
    lines: usize,
    /// Per-batch entries (iterations) read.
    pub entries: usize,
    /// The epoch's `final` value, once written.
    pub final_value: Option<f64>,
    /// A text metric (Burn logs non-numeric metrics as their text): its first line is not a
    /// number, and it is not plotted.
    pub text: bool,
}

impl MetricFile {
    /// A log at `path`, nothing read yet.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            offset: 0,
            pending: Vec::new(),
            lines: 0,
            entries: 0,
            final_value: None,
            text: false,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what was appended since the last poll; `Ok(true)` if anything new was read. A file
    /// that shrank (rewritten) is read again from its start.
    pub fn poll(&mut self) -> Result<bool, LogError> {
        let path = self.path.clone();
        let io = |e: std::io::Error| LogError {
            path: path.clone(),
            line: 0,
            text: String::new(),
            why: format!("cannot read: {e}"),
        };
        let mut bytes = if self.lines == 0 && self.pending.is_empty() {
            // The first read takes the whole file at once.
            let bytes = std::fs::read(&self.path).map_err(io)?;
            if bytes.is_empty() {
                return Ok(false);
            }
            bytes
        } else {
            // A stat first: most polls find nothing new, and open no file.
            let len = std::fs::metadata(&self.path).map_err(io)?.len();
            let consumed = self.offset + self.pending.len() as u64;
            if len < consumed {
                *self = Self::new(self.path.clone());
                return self.poll();
            }
            if len == consumed {
                return Ok(false);
            }
            let mut file = File::open(&self.path).map_err(io)?;
            file.seek(SeekFrom::Start(consumed)).map_err(io)?;
            let mut bytes = std::mem::take(&mut self.pending);
            file.take(len - consumed)
                .read_to_end(&mut bytes)
                .map_err(io)?;
            bytes
        };
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.pending = bytes.split_off(whole);
        let body = bytes.strip_suffix(b"\n").unwrap_or_default();
        for line in body.split(|&b| b == b'\n').filter(|_| whole > 0) {
            self.lines += 1;
            let text = String::from_utf8_lossy(line);
            if self.lines == 1 && NumericEntry::deserialize(&text).is_err() {
                self.text = true;
            }
            if self.text {
                continue;
            }
            if self.final_value.is_some() {
                return Err(self.error(
                    self.lines,
                    &text,
                    "a line after the epoch's `final` line".into(),
                ));
            }
            match NumericEntry::deserialize(&text) {
                Ok(NumericEntry::Final(v)) => self.final_value = Some(v),
                Ok(_) => self.entries += 1,
                Err(why) => return Err(self.error(self.lines, &text, why)),
            }
        }
        self.offset += whole as u64;
        Ok(true)
    }

    /// The unterminated last line, as an error, if there is one (for a run that has stopped, it
    /// was half-written).
    pub fn half_written(&self) -> Option<LogError> {
        (!self.pending.is_empty()).then(|| {
            self.error(
                self.lines + 1,
                &String::from_utf8_lossy(&self.pending),
                "half-written: the last line has no newline and the run has stopped".into(),
            )
        })
    }

    fn error(&self, line: usize, text: &str, why: String) -> LogError {
        LogError {
            path: self.path.clone(),
            line,
            text: text.to_string(),
            why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn polls_read_only_appended_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss.log");
        std::fs::write(&path, "0.5\n0.25,2\n0.4").unwrap();
        let mut log = MetricFile::new(path.clone());
        assert!(log.poll().unwrap());
        assert_eq!((log.entries, log.final_value), (2, None));
        assert!(log.half_written().unwrap().to_string().contains("line 3"));
        assert!(!log.poll().unwrap(), "nothing new");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        write!(f, "5\n0.3,final\n").unwrap();
        assert!(log.poll().unwrap());
        assert_eq!(log.entries, 3, "0.45 completed the pending line");
        assert_eq!(log.final_value, Some(0.3));
        assert!(log.half_written().is_none());
    }

    #[test]
    fn a_malformed_line_names_file_and_line_and_nan_is_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss.log");
        std::fs::write(&path, "NaN\n0.1\nnot a number\n").unwrap();
        let err = MetricFile::new(path.clone()).poll().unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.to_string().contains("Loss.log: line 3"), "{err}");
        std::fs::write(&path, "1\n1,final\n2\n").unwrap();
        let err = MetricFile::new(path).poll().unwrap_err();
        assert!(err.why.contains("after the epoch's `final`"), "{err}");
    }

    #[test]
    fn a_text_metric_is_recognised_by_its_first_line_and_not_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss_finite.log");
        std::fs::write(&path, "yes\nyes\nno\n").unwrap();
        let mut log = MetricFile::new(path);
        assert!(log.poll().unwrap());
        assert!(log.text);
        assert_eq!((log.entries, log.final_value), (0, None));
    }

    #[test]
    fn a_rewritten_shorter_file_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Loss.log");
        std::fs::write(&path, "1\n2\n3\n").unwrap();
        let mut log = MetricFile::new(path.clone());
        log.poll().unwrap();
        std::fs::write(&path, "7\n").unwrap();
        log.poll().unwrap();
        assert_eq!(log.entries, 1);
    }
}
