//! What the training loops need to name of a batcher: its item and batch types.

/// Names a batcher's item and batch types, so `fit` can be generic over both data kinds.
pub trait BatchOutput {
    /// A dataset item.
    type Item: Send + Sync + Clone + std::fmt::Debug + 'static;
    /// A batch.
    type Output: Send + Clone + std::fmt::Debug + 'static;
}

impl BatchOutput for bba_datasets::vision::ImageBatcher {
    type Item = bba_datasets::vision::ImageItem;
    type Output = bba_datasets::vision::ImageBatch;
}

impl BatchOutput for bba_datasets::tokens::TokenBatcher {
    type Item = bba_datasets::tokens::TokenWindow;
    type Output = bba_datasets::tokens::TokenBatch;
}
