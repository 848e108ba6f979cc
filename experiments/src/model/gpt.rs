//! A small GPT-style character language model: token and position embeddings, a causal pre-norm
//! transformer (Burn's encoder with an autoregressive mask), a final norm and an output head.

use bba_datasets::tokens::TokenBatch;
use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{
    Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig,
    PositionalEncoding, PositionalEncodingConfig,
};
use burn::tensor::{Device, Int, Tensor};
use burn::train::{InferenceStep, SequenceOutput, TrainOutput, TrainStep};

use crate::config::{GptConfig, Positions};
use crate::loader::Weighted;

/// The language model.
#[derive(Module, Debug)]
pub struct Gpt {
    tokens: Embedding,
    learned_positions: Option<Embedding>,
    sinusoidal_positions: Option<PositionalEncoding>,
    transformer: TransformerEncoder,
    norm: LayerNorm,
    head: Linear,
}

impl Gpt {
    /// A model over `vocab` tokens for sequences up to `max_len`.
    pub fn new(config: &GptConfig, vocab: usize, max_len: usize, device: &Device) -> Self {
        let d = config.d_model;
        let (learned, sinusoidal) = match config.positions {
            Positions::Learned => (Some(EmbeddingConfig::new(max_len, d).init(device)), None),
            Positions::Sinusoidal => (
                None,
                Some(
                    PositionalEncodingConfig::new(d)
                        .with_max_sequence_size(max_len)
                        .init(device),
                ),
            ),
        };
        Self {
            tokens: EmbeddingConfig::new(vocab, d).init(device),
            learned_positions: learned,
            sinusoidal_positions: sinusoidal,
            transformer: TransformerEncoderConfig::new(d, config.d_ff, config.heads, config.depth)
                .with_norm_first(true)
                .with_dropout(config.dropout)
                .init(device),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, vocab).init(device),
        }
    }

    /// Next-token logits `[batch, seq, vocab]`; position `i` sees tokens `0..=i` only.
    pub fn logits(&self, inputs: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = inputs.dims();
        let device = inputs.device();
        let mut x = self.tokens.forward(inputs);
        if let Some(positions) = &self.learned_positions {
            let index = Tensor::<1, Int>::arange(0..seq as i64, &device)
                .reshape([1, seq])
                .expand([batch, seq]);
            x = x + positions.forward(index);
        }
        if let Some(positions) = &self.sinusoidal_positions {
            x = positions.forward(x);
        }
        let mask = generate_autoregressive_mask(batch, seq, &device);
        let x = self
            .transformer
            .forward(TransformerEncoderInput::new(x).mask_attn(mask));
        self.head.forward(self.norm.forward(x))
    }

    fn sequence_output(&self, batch: TokenBatch) -> SequenceOutput {
        let logits = self.logits(batch.inputs);
        let [b, t, v] = logits.dims();
        let loss = CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(
                logits.clone().reshape([b * t, v]),
                batch.targets.clone().reshape([b * t]),
            );
        SequenceOutput::new(loss, logits, None, batch.targets)
    }
}

impl TrainStep for Gpt {
    type Input = Weighted<TokenBatch>;
    type Output = SequenceOutput;
    fn step(&self, item: Weighted<TokenBatch>) -> TrainOutput<SequenceOutput> {
        let output = self.sequence_output(item.batch);
        let grads = crate::model::classifier::weighted(output.loss.clone(), item.weight).backward();
        TrainOutput::new(self, grads, output)
    }
}

impl InferenceStep for Gpt {
    type Input = TokenBatch;
    type Output = SequenceOutput;
    fn step(&self, batch: TokenBatch) -> SequenceOutput {
        self.sequence_output(batch)
    }
}
