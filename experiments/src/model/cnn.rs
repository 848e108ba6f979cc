//! The surge paper's small CNN for 28×28 images: three 3×3 convolutions and two linear layers.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::tensor::{Device, Tensor};

use super::classifier::{ImageClassifier, image_classifier_steps};
use crate::config::CnnConfig;

/// conv(w) → conv(w) → pool → conv(2w) → pool → linear(hidden) → dropout → linear(classes).
#[derive(Module, Debug)]
pub struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    pool: MaxPool2d,
    hidden: Linear,
    out: Linear,
    dropout: Dropout,
    activation: Relu,
}

impl Cnn {
    /// A CNN for `[channels, 28, 28]` images (any side divisible by 4) and `classes` classes.
    pub fn new(
        config: &CnnConfig,
        image_shape: [usize; 3],
        classes: usize,
        device: &Device,
    ) -> Self {
        let [channels, height, width] = image_shape;
        let w = config.width;
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        Self {
            conv1: conv(channels, w),
            conv2: conv(w, w),
            conv3: conv(w, 2 * w),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            hidden: LinearConfig::new(2 * w * (height / 4) * (width / 4), config.hidden)
                .init(device),
            out: LinearConfig::new(config.hidden, classes).init(device),
            dropout: DropoutConfig::new(config.dropout).init(),
            activation: Relu::new(),
        }
    }
}

impl ImageClassifier for Cnn {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        let act = &self.activation;
        let x = act.forward(self.conv1.forward(images));
        let x = self.pool.forward(act.forward(self.conv2.forward(x)));
        let x = self.pool.forward(act.forward(self.conv3.forward(x)));
        let x: Tensor<2> = x.flatten(1, 3);
        let x = self.dropout.forward(act.forward(self.hidden.forward(x)));
        self.out.forward(x)
    }
}

image_classifier_steps!(Cnn);
