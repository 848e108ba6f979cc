//! The CIFAR-10 binary format (`data_batch_N.bin`, `test_batch.bin`): records of one label byte
//! and 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32×32 row-major).

use std::path::Path;

use crate::error::DataError;

/// Bytes per record: the label and a 3×32×32 image.
pub const RECORD_BYTES: usize = 1 + 3 * 32 * 32;

/// Parsed CIFAR-10 records: labels and channel-major pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CifarBatch {
    /// One label (0..=9) per image.
    pub labels: Vec<u8>,
    /// `labels.len() · 3072` pixel bytes, each image as R, G, B planes.
    pub pixels: Vec<u8>,
}

/// Parses one CIFAR-10 binary batch file read from `path`.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<CifarBatch, DataError> {
    let fail = |expected: String, found: String| DataError::Format {
        path: path.to_path_buf(),
        format: "CIFAR-10 binary",
        expected,
        found,
    };
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD_BYTES) {
        return Err(fail(
            format!("a positive multiple of {RECORD_BYTES} bytes"),
            format!("{} bytes (truncated or another format)", bytes.len()),
        ));
    }
    let mut labels = Vec::with_capacity(bytes.len() / RECORD_BYTES);
    let mut pixels = Vec::with_capacity(bytes.len());
    for (i, record) in bytes.chunks(RECORD_BYTES).enumerate() {
        if record[0] > 9 {
            return Err(fail(
                format!("labels 0..=9 (record {i})"),
                format!("label {}", record[0]),
            ));
        }
        labels.push(record[0]);
        pixels.extend_from_slice(&record[1..]);
    }
    Ok(CifarBatch { labels, pixels })
}
