//! Checksums of dataset files: MD5 where the publisher pins MD5 (MNIST, Fashion-MNIST), SHA-256
//! for everything we pin ourselves.

use std::path::Path;

use md5::{Digest, Md5};
use sha2::Sha256;

use crate::error::DataError;

/// A pinned checksum of a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// MD5, lowercase hex.
    Md5(&'static str),
    /// SHA-256, lowercase hex.
    Sha256(&'static str),
}

impl Checksum {
    /// The checksum of `bytes` under the same algorithm.
    pub fn compute(&self, bytes: &[u8]) -> String {
        match self {
            Checksum::Md5(_) => hex(&Md5::digest(bytes)),
            Checksum::Sha256(_) => hex(&Sha256::digest(bytes)),
        }
    }

    fn parts(&self) -> (&'static str, &'static str) {
        match self {
            Checksum::Md5(expected) => ("md5", expected),
            Checksum::Sha256(expected) => ("sha256", expected),
        }
    }

    /// Checks `bytes` (read from `path`) against the pinned value.
    pub fn verify(&self, path: &Path, bytes: &[u8]) -> Result<(), DataError> {
        let (algorithm, expected) = self.parts();
        let found = self.compute(bytes);
        if found == expected {
            Ok(())
        } else {
            Err(DataError::Checksum {
                path: path.to_path_buf(),
                algorithm,
                expected: expected.to_string(),
                found,
            })
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
