//! The IDX format of MNIST and Fashion-MNIST, raw or gzipped.
//!
//! A file is a big-endian header `00 00 08 <rank>` (unsigned bytes), one u32 per dimension,
//! then the bytes. Images are rank 3 (`n × rows × cols`), labels rank 1.

use std::io::Read;
use std::path::Path;

use crate::error::DataError;
use crate::error::io;

/// Images of one IDX file: `n` images of `rows × cols` bytes, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub n: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `n · rows · cols` pixel bytes.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let size = self.rows * self.cols;
        &self.pixels[i * size..(i + 1) * size]
    }
}

/// Undoes gzip if the bytes start with its magic number; raw bytes pass through.
pub fn maybe_gunzip(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, DataError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|err| DataError::Format {
            path: path.to_path_buf(),
            format: "gzip",
            expected: "a complete gzip stream".into(),
            found: format!("a damaged or truncated stream ({err})"),
        })?;
    Ok(out)
}

/// Parses the header; returns the dimensions and the offset of the data.
fn header(
    path: &Path,
    bytes: &[u8],
    rank: u8,
    format: &'static str,
) -> Result<(Vec<usize>, usize), DataError> {
    let fail = |expected: String, found: String| DataError::Format {
        path: path.to_path_buf(),
        format,
        expected,
        found,
    };
    let magic = [0, 0, 0x08, rank];
    if bytes.len() < 4 || bytes[..4] != magic {
        let found = bytes
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        return Err(fail(
            "magic number 00 00 08 0".to_string() + &rank.to_string(),
            format!("[{found}]"),
        ));
    }
    let data_start = 4 + 4 * usize::from(rank);
    if bytes.len() < data_start {
        return Err(fail(
            format!("a {data_start}-byte header"),
            format!("{} bytes", bytes.len()),
        ));
    }
    let dims: Vec<usize> = bytes[4..data_start]
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected_len = data_start + dims.iter().product::<usize>();
    if bytes.len() != expected_len {
        return Err(fail(
            format!("{expected_len} bytes for dimensions {dims:?}"),
            format!("{} bytes (truncated or padded)", bytes.len()),
        ));
    }
    Ok((dims, data_start))
}

/// Parses an IDX image file (rank 3), raw or gzipped, from bytes read from `path`.
pub fn parse_images(path: &Path, bytes: Vec<u8>) -> Result<IdxImages, DataError> {
    let mut bytes = maybe_gunzip(path, bytes)?;
    let (dims, start) = header(path, &bytes, 3, "IDX images")?;
    bytes.drain(..start); // keeps the buffer: no second copy of 47 MB
    Ok(IdxImages {
        n: dims[0],
        rows: dims[1],
        cols: dims[2],
        pixels: bytes,
    })
}

/// Parses an IDX label file (rank 1), raw or gzipped, from bytes read from `path`.
pub fn parse_labels(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, DataError> {
    let mut bytes = maybe_gunzip(path, bytes)?;
    let (_, start) = header(path, &bytes, 1, "IDX labels")?;
    bytes.drain(..start);
    Ok(bytes)
}

/// Reads an image file and its label file and checks they describe the same samples.
pub fn read_pair(images: &Path, labels: &Path) -> Result<(IdxImages, Vec<u8>), DataError> {
    let parsed_images = parse_images(images, std::fs::read(images).map_err(io(images))?)?;
    let parsed_labels = parse_labels(labels, std::fs::read(labels).map_err(io(labels))?)?;
    check_counts(images, &parsed_images, labels, &parsed_labels)?;
    Ok((parsed_images, parsed_labels))
}

/// An error unless the image and label files describe the same number of samples.
pub fn check_counts(
    images: &Path,
    parsed: &IdxImages,
    labels: &Path,
    parsed_labels: &[u8],
) -> Result<(), DataError> {
    if parsed.n == parsed_labels.len() {
        return Ok(());
    }
    Err(DataError::CountMismatch {
        images: images.to_path_buf(),
        n_images: parsed.n,
        labels: labels.to_path_buf(),
        n_labels: parsed_labels.len(),
    })
}

/// Encodes images as an uncompressed IDX file (for tests and tools).
pub fn encode_images(images: &IdxImages) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, 3];
    for dim in [images.n, images.rows, images.cols] {
        out.extend((dim as u32).to_be_bytes());
    }
    out.extend(&images.pixels);
    out
}

/// Encodes labels as an uncompressed IDX file (for tests and tools).
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, 1];
    out.extend((labels.len() as u32).to_be_bytes());
    out.extend(labels);
    out
}
