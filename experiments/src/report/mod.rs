//! Reports from run directories: `compare`'s side-by-side table and validation-curve plots, and
//! `report`'s arms (runs equal up to the seed) with mean ± spread, as Markdown, SVG and HTML.

pub mod arms;
pub mod bundle;
pub mod document;
pub mod page;
pub mod plot;
pub mod runs;
pub mod surge;

pub use plot::{plot_arm_curves, plot_validation_curves};
pub use runs::{RunView, comparison_table, find_runs, load_run};
