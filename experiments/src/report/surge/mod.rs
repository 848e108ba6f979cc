//! The surge study's analysis: from runs over a batch-size × learning-rate grid (with seeds),
//! the updates each run needs to reach a target training loss (interpolated on a smoothed
//! fine-resolution curve), the optimal learning rate per batch size with its near-tie set (the
//! rates not resolvably slower, given the seed noise), the library's fits
//! (`burn_balanced_adam::surge`: B_noise by eq. 22, ε_max by eq. 23, the α = ½ law of eq. 24),
//! and the shape the near-tie sets can resolve ([`shape`]); [`check_poolable`] refuses runs that
//! differ in anything but the grid's axes and the seed; [`command`] is `experiments surge`.

mod claims;
pub mod command;
mod fit;
mod plot;
mod poolable;
pub mod report;
mod sections;
mod summary;

pub use fit::{SurgeRun, TargetFit, fit_target};
pub use plot::plot_surge;
pub use poolable::check_poolable;
pub use summary::SurgeSummary;

#[cfg(test)]
mod tests;
