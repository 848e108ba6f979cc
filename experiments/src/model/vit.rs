//! A small vision transformer: patch embedding (a strided convolution), a class token, learned
//! position embeddings, Burn's pre-norm transformer encoder, and a linear head on the class token.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::classifier::{ImageClassifier, image_classifier_steps};
use crate::config::VitConfig;

/// ViT: patches → tokens (+ class token, + positions) → encoder → norm → head(class token).
#[derive(Module, Debug)]
pub struct Vit {
    patch_embedding: Conv2d,
    class_token: Param<Tensor<3>>,
    positions: Param<Tensor<3>>,
    encoder: TransformerEncoder,
    norm: LayerNorm,
    head: Linear,
}

impl Vit {
    /// A ViT for images of `image_shape` (sides divisible by the patch) and `classes` classes.
    pub fn new(
        config: &VitConfig,
        image_shape: [usize; 3],
        classes: usize,
        device: &Device,
    ) -> Self {
        let [channels, height, width] = image_shape;
        let (d, p) = (config.d_model, config.patch);
        let tokens = (height / p) * (width / p) + 1;
        let init = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        Self {
            patch_embedding: Conv2dConfig::new([channels, d], [p, p])
                .with_stride([p, p])
                .init(device),
            class_token: init.init([1, 1, d], device),
            positions: init.init([1, tokens, d], device),
            encoder: TransformerEncoderConfig::new(d, config.d_ff, config.heads, config.depth)
                .with_norm_first(true)
                .with_dropout(config.dropout)
                .init(device),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, classes).init(device),
        }
    }
}

impl ImageClassifier for Vit {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        let batch = images.dims()[0];
        let patches: Tensor<3> = self.patch_embedding.forward(images).flatten(2, 3);
        let patches = patches.swap_dims(1, 2);
        let d = patches.dims()[2];
        let class = self.class_token.val().expand([batch, 1, d]);
        let x = Tensor::cat(vec![class, patches], 1) + self.positions.val();
        let x = self
            .norm
            .forward(self.encoder.forward(TransformerEncoderInput::new(x)));
        let class_out: Tensor<2> = x.narrow(1, 0, 1).squeeze_dim(1);
        self.head.forward(class_out)
    }
}

image_classifier_steps!(Vit);
