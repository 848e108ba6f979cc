//! A run's plan: its length in updates and evaluations, and where it resumes.

/// Run length in updates and evaluations, and where to resume.
pub(super) struct Plan {
    /// Updates in all.
    pub(super) total: u64,
    /// Updates between evaluations.
    pub(super) every: u64,
    /// Evaluations in all.
    pub(super) evaluations: usize,
    /// The checkpoint (evaluation) the run resumes from.
    pub(super) resume_from: Option<usize>,
}
