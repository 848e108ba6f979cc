//! Reports from run directories, all written by one writer ([`bundle`]): `compare`'s
//! side-by-side table and curves ([`runs`], [`plot`]), `report`'s arms ([`arms`],
//! [`document`]), the offline page ([`page`]) and the surge analysis of a sweep ([`surge`]).

pub mod arms;
pub mod bundle;
pub mod document;
pub mod page;
pub mod plot;
pub mod runs;
pub mod surge;

pub use plot::{plot_arm_curves, plot_validation_curves};
pub use runs::{RunView, collect_runs, comparison_table, load_run};
