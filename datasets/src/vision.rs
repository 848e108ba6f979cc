//! Image classification data for Burn: labelled image sets, datasets over index lists, and a
//! batcher that normalizes (and optionally pads to 32×32).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::catalog::DatasetName;
use crate::cifar::CifarBatch;
use crate::error::DataError;
use crate::fetch::{dataset_dir, read_verified};
use crate::idx::{IdxImages, check_counts, parse_images, parse_labels};
use crate::split::{Subset, train_valid};

/// Labelled images held in memory: `n` images of `channels × rows × cols` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    /// Channels per image (1 for MNIST, 3 for CIFAR).
    pub channels: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// Channel-major pixel bytes of every image.
    pub pixels: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl ImageSet {
    /// From an IDX image file and its labels (counts already checked to match).
    pub fn from_idx(images: IdxImages, labels: Vec<u8>) -> Self {
        Self {
            channels: 1,
            rows: images.rows,
            cols: images.cols,
            pixels: images.pixels,
            labels,
        }
    }

    /// From CIFAR-10 batches (3 × 32 × 32).
    pub fn from_cifar(batches: Vec<CifarBatch>) -> Self {
        let mut set = Self {
            channels: 3,
            rows: 32,
            cols: 32,
            pixels: Vec::new(),
            labels: Vec::new(),
        };
        for batch in batches {
            set.pixels.extend(batch.pixels);
            set.labels.extend(batch.labels);
        }
        set
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn image_bytes(&self) -> usize {
        self.channels * self.rows * self.cols
    }
}

/// Loads the train and test sets of MNIST or Fashion-MNIST from the cache `root` (fetched and
/// verified by [`crate::fetch::fetch`]); checksums are checked again on load.
pub fn load_idx(root: &Path, dataset: DatasetName) -> Result<(ImageSet, ImageSet), DataError> {
    if !matches!(dataset, DatasetName::Mnist | DatasetName::FashionMnist) {
        return Err(DataError::Invalid(format!(
            "{dataset} is not an image dataset"
        )));
    }
    let dir = dataset_dir(root, dataset);
    // Each file is read once: verified, then parsed from the same bytes.
    let verified = |name: &str| -> Result<(PathBuf, Vec<u8>), DataError> {
        let path = dir.join(name);
        Ok((path, read_verified(root, dataset, name)?))
    };
    let load = |images: &str, labels: &str| -> Result<ImageSet, DataError> {
        let (images_path, image_bytes) = verified(images)?;
        let (labels_path, label_bytes) = verified(labels)?;
        let parsed_images = parse_images(&images_path, image_bytes)?;
        let parsed_labels = parse_labels(&labels_path, label_bytes)?;
        check_counts(&images_path, &parsed_images, &labels_path, &parsed_labels)?;
        Ok(ImageSet::from_idx(parsed_images, parsed_labels))
    };
    Ok((
        load("train-images-idx3-ubyte", "train-labels-idx1-ubyte")?,
        load("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")?,
    ))
}

/// The CIFAR-10 binary release in `dir` (`data_batch_1.bin` … `data_batch_5.bin`,
/// `test_batch.bin`), for users who have it (it cannot be fetched here): train and test sets.
pub fn load_cifar10(dir: &Path) -> Result<(ImageSet, ImageSet), DataError> {
    let read_batches =
        |names: &[String]| -> Result<ImageSet, DataError> {
            let mut batches = Vec::with_capacity(names.len());
            for name in names {
                let path = dir.join(name);
                let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => DataError::Invalid(format!(
                    "{} not found: put the CIFAR-10 binary release (cifar-10-batches-bin) in {}",
                    path.display(),
                    dir.display()
                )),
                _ => DataError::Io { path: path.clone(), source },
            })?;
                batches.push(crate::cifar::parse(&path, &bytes)?);
            }
            Ok(ImageSet::from_cifar(batches))
        };
    let train: Vec<String> = (1..=5).map(|i| format!("data_batch_{i}.bin")).collect();
    Ok((
        read_batches(&train)?,
        read_batches(&["test_batch.bin".to_string()])?,
    ))
}

/// One image and its label, as a data loader hands it to the batcher.
#[derive(Debug, Clone)]
pub struct ImageItem {
    /// Channel-major pixel bytes.
    pub pixels: Vec<u8>,
    /// Class index.
    pub label: u8,
}

/// A view of an [`ImageSet`] through a list of indices (a split or a subset of one).
#[derive(Debug, Clone)]
pub struct ImageDataset {
    set: Arc<ImageSet>,
    indices: Vec<usize>,
}

impl ImageDataset {
    /// The whole set.
    pub fn all(set: Arc<ImageSet>) -> Self {
        let indices = (0..set.len()).collect();
        Self { set, indices }
    }

    /// Keeps a subset of this dataset.
    pub fn subset(&self, subset: Subset) -> Result<Self, DataError> {
        Ok(Self {
            set: self.set.clone(),
            indices: subset.apply(&self.indices)?,
        })
    }

    /// The underlying images' shape `[channels, rows, cols]`.
    pub fn image_shape(&self) -> [usize; 3] {
        [self.set.channels, self.set.rows, self.set.cols]
    }
}

impl Dataset<ImageItem> for ImageDataset {
    fn get(&self, index: usize) -> Result<ImageItem, DatasetError> {
        let &i = self.indices.get(index).ok_or_else(|| {
            DatasetError::new(DataError::Invalid(format!(
                "index {index} out of {} images",
                self.indices.len()
            )))
        })?;
        let size = self.set.image_bytes();
        Ok(ImageItem {
            pixels: self.set.pixels[i * size..(i + 1) * size].to_vec(),
            label: self.set.labels[i],
        })
    }

    fn len(&self) -> usize {
        self.indices.len()
    }
}

/// Train / validation / test datasets.
#[derive(Debug, Clone)]
pub struct ImageSplits {
    /// Training samples (the training file minus the validation split).
    pub train: ImageDataset,
    /// A seeded validation split carved from the training file.
    pub valid: ImageDataset,
    /// The official test set.
    pub test: ImageDataset,
}

impl ImageSplits {
    /// Carves `valid_size` validation images out of `train` with `seed`.
    pub fn new(
        train: ImageSet,
        test: ImageSet,
        valid_size: usize,
        seed: u64,
    ) -> Result<Self, DataError> {
        let (train_idx, valid_idx) = train_valid(train.len(), valid_size, seed)?;
        let train = Arc::new(train);
        Ok(Self {
            train: ImageDataset {
                set: train.clone(),
                indices: train_idx,
            },
            valid: ImageDataset {
                set: train,
                indices: valid_idx,
            },
            test: ImageDataset::all(Arc::new(test)),
        })
    }
}

/// A batch of images `[batch, channels, height, width]` and their labels.
#[derive(Debug, Clone)]
pub struct ImageBatch {
    /// Normalized images.
    pub images: Tensor<4>,
    /// Class indices.
    pub targets: Tensor<1, Int>,
}

/// Turns items into normalized tensors, `(x / 255 − mean) / std`, optionally centred on a
/// `pad_to × pad_to` canvas of black pixels (the border holds a black pixel's normalized value).
#[derive(Debug, Clone)]
pub struct ImageBatcher {
    shape: [usize; 3],
    mean: f32,
    std: f32,
    pad_to: Option<usize>,
}

impl ImageBatcher {
    /// A batcher for images of `shape` (`[channels, rows, cols]`) normalized with `mean`, `std`.
    pub fn new(shape: [usize; 3], mean: f32, std: f32) -> Self {
        Self {
            shape,
            mean,
            std,
            pad_to: None,
        }
    }

    /// The usual statistics: MNIST 0.1307/0.3081, Fashion-MNIST 0.2860/0.3530.
    pub fn for_dataset(dataset: DatasetName) -> Result<Self, DataError> {
        match dataset {
            DatasetName::Mnist => Ok(Self::new([1, 28, 28], 0.1307, 0.3081)),
            DatasetName::FashionMnist => Ok(Self::new([1, 28, 28], 0.2860, 0.3530)),
            other => Err(DataError::Invalid(format!(
                "{other} is not an image dataset"
            ))),
        }
    }

    /// Pads every image with black borders to `size × size` (e.g. 28 → 32 for CIFAR-shaped models).
    pub fn with_padding(mut self, size: usize) -> Result<Self, DataError> {
        let [_, rows, cols] = self.shape;
        if size < rows.max(cols) {
            return Err(DataError::Invalid(format!(
                "cannot pad {rows}×{cols} images to {size}×{size}"
            )));
        }
        self.pad_to = Some(size);
        Ok(self)
    }

    /// The shape of the images this batcher produces, `[channels, height, width]`.
    pub fn output_shape(&self) -> [usize; 3] {
        let [c, rows, cols] = self.shape;
        self.pad_to.map_or([c, rows, cols], |size| [c, size, size])
    }
}

impl Batcher<ImageItem, ImageBatch> for ImageBatcher {
    fn batch(&self, items: Vec<ImageItem>, device: &Device) -> ImageBatch {
        let [channels, rows, cols] = self.shape;
        let [_, height, width] = self.output_shape();
        let (top, left) = ((height - rows) / 2, (width - cols) / 2);
        let black = -self.mean / self.std;
        let mut values = vec![black; items.len() * channels * height * width];
        for (b, item) in items.iter().enumerate() {
            for c in 0..channels {
                for r in 0..rows {
                    let src = &item.pixels[(c * rows + r) * cols..(c * rows + r + 1) * cols];
                    let start = ((b * channels + c) * height + top + r) * width + left;
                    for (dst, &pixel) in values[start..start + cols].iter_mut().zip(src) {
                        *dst = (f32::from(pixel) / 255.0 - self.mean) / self.std;
                    }
                }
            }
        }
        let labels: Vec<i64> = items.iter().map(|item| i64::from(item.label)).collect();
        ImageBatch {
            images: Tensor::from_data(
                TensorData::new(values, [items.len(), channels, height, width]),
                device,
            ),
            targets: Tensor::from_data(TensorData::new(labels, [items.len()]), device),
        }
    }
}
