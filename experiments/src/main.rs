//! The experiments binary: config → data → model → training → run directory → report.
//!
//! `experiments run CONFIG` trains one config, `sweep` a grid of them, `compare` and `report`
//! put run directories side by side, `surge` fits the learning-rate/batch-size law to a sweep,
//! `study` plans, runs, merges and reports a study file, `tensorboard` converts runs into
//! TensorBoard event files, `data` fetches and inspects datasets.

fn main() -> std::process::ExitCode {
    bba_experiments::main()
}
