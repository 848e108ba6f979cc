//! What the image classifiers share: logits → cross-entropy, the loss weighting of
//! data-parallel batches, and the `TrainStep`/`InferenceStep` implementations.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor};
use burn::train::ClassificationOutput;

/// An image classifier: images `[batch, channels, height, width]` → logits `[batch, classes]`.
pub trait ImageClassifier {
    /// The class logits.
    fn logits(&self, images: Tensor<4>) -> Tensor<2>;

    /// Logits, cross-entropy loss and targets, as Burn's classification metrics take them.
    fn classify(&self, images: Tensor<4>, targets: Tensor<1, Int>) -> ClassificationOutput {
        let output = self.logits(images);
        let loss = CrossEntropyLossConfig::new()
            .init(&output.device())
            .forward(output.clone(), targets.clone());
        ClassificationOutput {
            loss,
            output,
            targets,
        }
    }
}

/// Scales a loss by a batch's share of the global batch before backpropagation (a no-op on one
/// device), so that data-parallel gradients summed across devices equal the global mean's.
pub fn weighted(loss: Tensor<1>, weight: f32) -> Tensor<1> {
    if weight == 1.0 {
        loss
    } else {
        loss.mul_scalar(weight)
    }
}

/// `TrainStep` on weighted image batches and `InferenceStep` on image batches.
macro_rules! image_classifier_steps {
    ($model:ty) => {
        impl burn::train::TrainStep for $model {
            type Input = crate::loader::Weighted<bba_datasets::vision::ImageBatch>;
            type Output = burn::train::ClassificationOutput;
            fn step(&self, item: Self::Input) -> burn::train::TrainOutput<Self::Output> {
                use crate::model::classifier::ImageClassifier;
                let output = self.classify(item.batch.images, item.batch.targets);
                let grads =
                    crate::model::classifier::weighted(output.loss.clone(), item.weight).backward();
                burn::train::TrainOutput::new(self, grads, output)
            }
        }

        impl burn::train::InferenceStep for $model {
            type Input = bba_datasets::vision::ImageBatch;
            type Output = burn::train::ClassificationOutput;
            fn step(&self, batch: Self::Input) -> Self::Output {
                use crate::model::classifier::ImageClassifier;
                self.classify(batch.images, batch.targets)
            }
        }
    };
}
pub(crate) use image_classifier_steps;
