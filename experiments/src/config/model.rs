//! Model sizes as config fields.

use serde::{Deserialize, Serialize};

/// Which model, and its size.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    /// The surge paper's small CNN: 3 convolutions and 2 linear layers.
    Cnn(CnnConfig),
    /// A small vision transformer: patch embedding, class token, Burn's transformer encoder.
    Vit(VitConfig),
    /// A small GPT-style character language model.
    Gpt(GptConfig),
}

impl ModelConfig {
    /// `cnn`, `vit` or `gpt`.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelConfig::Cnn(_) => "cnn",
            ModelConfig::Vit(_) => "vit",
            ModelConfig::Gpt(_) => "gpt",
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let positive = |key: &str, value: usize| {
            if value == 0 {
                Err(format!("`model.{key}` = 0: must be ≥ 1"))
            } else {
                Ok(())
            }
        };
        let dropout = |p: f64| {
            if p.is_finite() && (0.0..1.0).contains(&p) {
                Ok(())
            } else {
                Err(format!("`model.dropout` = {p}: must be in [0, 1)"))
            }
        };
        let heads = |d_model: usize, heads: usize| {
            if heads == 0 || !d_model.is_multiple_of(heads) {
                Err(format!(
                    "`model.heads` = {heads}: must divide model.d_model = {d_model}"
                ))
            } else {
                Ok(())
            }
        };
        match self {
            ModelConfig::Cnn(c) => {
                positive("width", c.width)?;
                positive("hidden", c.hidden)?;
                dropout(c.dropout)
            }
            ModelConfig::Vit(c) => {
                positive("d_model", c.d_model)?;
                positive("depth", c.depth)?;
                positive("d_ff", c.d_ff)?;
                if c.patch == 0 || !28usize.is_multiple_of(c.patch) {
                    return Err(format!(
                        "`model.patch` = {}: must divide the 28-pixel image side (1, 2, 4, 7, 14, 28)",
                        c.patch
                    ));
                }
                heads(c.d_model, c.heads)?;
                dropout(c.dropout)
            }
            ModelConfig::Gpt(c) => {
                positive("d_model", c.d_model)?;
                positive("depth", c.depth)?;
                positive("d_ff", c.d_ff)?;
                heads(c.d_model, c.heads)?;
                dropout(c.dropout)
            }
        }
    }
}

/// conv(w) → conv(w) → pool → conv(2w) → pool → linear(hidden) → linear(classes), ReLU between.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CnnConfig {
    /// Channels of the first two convolutions (the third has twice as many).
    pub width: usize,
    /// Width of the hidden linear layer.
    pub hidden: usize,
    /// Dropout before the last layer.
    pub dropout: f64,
}

impl Default for CnnConfig {
    fn default() -> Self {
        Self {
            width: 16,
            hidden: 128,
            dropout: 0.0,
        }
    }
}

/// Patch embedding + class token + learned positions + pre-norm transformer encoder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VitConfig {
    /// Patch side in pixels (must divide 28).
    pub patch: usize,
    /// Embedding width.
    pub d_model: usize,
    /// Encoder layers.
    pub depth: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward width.
    pub d_ff: usize,
    /// Dropout in the encoder.
    pub dropout: f64,
}

impl Default for VitConfig {
    fn default() -> Self {
        Self {
            patch: 7,
            d_model: 64,
            depth: 2,
            heads: 4,
            d_ff: 128,
            dropout: 0.0,
        }
    }
}

/// Position encoding of the language model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Positions {
    /// A learned embedding per position.
    Learned,
    /// Fixed sinusoidal encodings.
    Sinusoidal,
}

/// Token embedding + positions + causal pre-norm transformer + tied-free output head.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GptConfig {
    /// Embedding width.
    pub d_model: usize,
    /// Transformer layers.
    pub depth: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward width.
    pub d_ff: usize,
    /// Dropout in the transformer.
    pub dropout: f64,
    /// Learned or sinusoidal positions.
    pub positions: Positions,
}

impl Default for GptConfig {
    fn default() -> Self {
        Self {
            d_model: 64,
            depth: 2,
            heads: 4,
            d_ff: 256,
            dropout: 0.0,
            positions: Positions::Learned,
        }
    }
}
