//! A quiet renderer for when stdout is not a terminal (CI, logs, batch jobs): one line per
//! evaluation instead of Burn's per-iteration progress dump. In a terminal, Burn's TUI dashboard
//! is used instead.

use std::collections::HashMap;
use std::time::Instant;

use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{MetricDefinition, MetricId};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};

/// Prints `label: eval i/n (update u/U, t s) valid Loss … | Accuracy …` after each evaluation.
pub struct QuietRenderer {
    label: String,
    updates_per_eval: u64,
    total_updates: u64,
    total_evals: usize,
    names: HashMap<MetricId, String>,
    valid: Vec<(String, f64)>,
    started: Instant,
}

impl QuietRenderer {
    /// A renderer for a run of `total_updates` updates evaluated every `updates_per_eval`.
    pub fn new(updates_per_eval: u64, total_updates: u64) -> Self {
        Self {
            label: String::new(),
            updates_per_eval,
            total_updates,
            total_evals: 0,
            names: HashMap::new(),
            valid: Vec::new(),
            started: Instant::now(),
        }
    }

    fn record(&self, state: &MetricState) -> Option<(String, f64)> {
        match state {
            MetricState::Numeric(entry, Some(value)) => {
                let name = self.names.get(&entry.metric_id)?.clone();
                Some((name, value.current()))
            }
            _ => None,
        }
    }
}

fn upsert<K: PartialEq>(list: &mut Vec<(K, f64)>, key: K, value: f64) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => list.push((key, value)),
    }
}

impl MetricsRendererTraining for QuietRenderer {
    fn update_train(&mut self, _state: MetricState) {}

    fn update_valid(&mut self, state: MetricState) {
        if let Some((name, value)) = self.record(&state) {
            upsert(&mut self.valid, name, value);
        }
    }

    fn on_train_end(
        &mut self,
        _summary: Option<burn::train::LearnerSummary>,
    ) -> Result<(), Box<dyn core::error::Error>> {
        Ok(())
    }
}

impl MetricsRendererEvaluation for QuietRenderer {
    // The test results are read back from Burn's logs into summary.json and printed from there.
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}

    fn on_test_end(
        &mut self,
        _summary: Option<burn::train::LearnerSummary>,
    ) -> Result<(), Box<dyn core::error::Error>> {
        Ok(())
    }
}

impl TrainingProgressLogger for QuietRenderer {
    fn start(
        &mut self,
        total_epochs: usize,
        starting_epoch: usize,
        _items: Option<usize>,
        label: Option<&str>,
    ) {
        self.label = label.unwrap_or("run").to_string();
        self.total_evals = total_epochs;
        self.started = Instant::now();
        let from = if starting_epoch > 1 {
            format!(", resuming after evaluation {}", starting_epoch - 1)
        } else {
            String::new()
        };
        eprintln!(
            "{}: {} updates, validation every {}{from}",
            self.label, self.total_updates, self.updates_per_eval
        );
    }

    fn update_epoch(&mut self, epoch: usize) {
        let update = (epoch as u64 * self.updates_per_eval).min(self.total_updates);
        let metrics: Vec<String> = self
            .valid
            .iter()
            .map(|(name, value)| format!("{name} {value:.4}"))
            .collect();
        eprintln!(
            "{}: eval {epoch}/{} (update {update}/{}, {:.1} s) valid {}",
            self.label,
            self.total_evals,
            self.total_updates,
            self.started.elapsed().as_secs_f64(),
            metrics.join(" | ")
        );
    }

    fn start_split(&mut self, _split: &str, _total_items: usize) {}
    fn update_split(&mut self, _items_processed: usize) {}
    fn end_split(&mut self) {}
    fn end(&mut self) {}
    // Burn's lifecycle events (one per iteration) would flood a log.
    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for QuietRenderer {
    fn start_global_progress(&mut self, _total_tests: usize) {}
    fn start_test(&mut self, _name: &str, _total_items: usize) {}
    fn update_test_progress(&mut self, _items_processed: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRenderer for QuietRenderer {
    fn manual_close(&mut self) {}

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id.clone(), definition.name.to_string());
    }
}
