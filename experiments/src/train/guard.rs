//! Stops a run whose training loss is not finite, with a message the run directory records.

use burn::tensor::{Tensor, TensorReadError};
use burn::train::metric::{Adaptor, Metric, MetricMetadata, MetricName, SerializedEntry};
use burn::train::{ClassificationOutput, Interrupter, SequenceOutput};
use std::sync::Arc;

/// The reason given to the interrupter, so the run can tell divergence from other stops.
pub const NON_FINITE_REASON: &str = "non-finite training loss";

/// The loss of a training step, as the guard reads it.
pub struct GuardInput {
    loss: Tensor<1>,
}

impl Adaptor<GuardInput> for ClassificationOutput {
    fn adapt(&self) -> GuardInput {
        GuardInput {
            loss: self.loss.clone(),
        }
    }
}

impl Adaptor<GuardInput> for SequenceOutput {
    fn adapt(&self) -> GuardInput {
        GuardInput {
            loss: self.loss.clone(),
        }
    }
}

/// A training metric that interrupts the run at the first NaN or infinite loss.
#[derive(Clone)]
pub struct NonFiniteGuard {
    interrupter: Interrupter,
    name: MetricName,
    tripped: bool,
}

impl NonFiniteGuard {
    /// A guard that stops training through `interrupter`.
    pub fn new(interrupter: Interrupter) -> Self {
        Self {
            interrupter,
            name: Arc::new("Loss finite".to_string()),
            tripped: false,
        }
    }
}

impl Metric for NonFiniteGuard {
    type Input = GuardInput;

    fn update(
        &mut self,
        input: &GuardInput,
        metadata: &MetricMetadata,
    ) -> Result<SerializedEntry, TensorReadError> {
        let loss = input.loss.clone().mean().try_into_scalar::<f64>()?;
        if !loss.is_finite() && !self.tripped {
            self.tripped = true;
            let at = metadata.iteration.map_or(String::new(), |i| {
                format!(" at iteration {i} of this evaluation interval")
            });
            self.interrupter
                .stop(Some(&format!("{NON_FINITE_REASON} ({loss}){at}")));
        }
        let text = if self.tripped { "no" } else { "yes" };
        Ok(SerializedEntry {
            formatted: text.to_string(),
            serialized: text.to_string(),
        })
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        let text = if self.tripped { "no" } else { "yes" };
        Ok(SerializedEntry {
            formatted: text.to_string(),
            serialized: text.to_string(),
        })
    }

    fn clear(&mut self) {}

    fn name(&self) -> MetricName {
        self.name.clone()
    }
}
