//! `run CONFIG` and `sweep CONFIG`.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::artifacts::{RunDir, RunStatus};
use crate::config::ExperimentConfig;
use crate::config::overrides::{Override, axes_from_table, grid_points, parse_axis};
use crate::error::ExperimentError;
use crate::train::RunOptions;
use crate::train::sweep::{run_config, run_points};

/// Options shared by `run` and `sweep`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment config (TOML).
    pub config: PathBuf,
    /// Change a config key for this invocation, e.g. `--set optimizer.beta=0.9` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Continue an interrupted run from its last checkpoint; finished runs are skipped.
    #[arg(long)]
    pub resume: bool,
    /// Stop (resumably) at the first evaluation at or after this many updates.
    #[arg(long, value_name = "UPDATES")]
    pub stop_after: Option<u64>,
    /// Print one line per evaluation instead of the TUI dashboard, even in a terminal.
    #[arg(long)]
    pub no_tui: bool,
}

impl RunArgs {
    fn options(&self) -> RunOptions {
        RunOptions {
            resume: self.resume,
            stop_after: self.stop_after,
            no_tui: self.no_tui,
        }
    }

    fn table(&self) -> Result<toml::Table, ExperimentError> {
        let mut table = ExperimentConfig::read_table(&self.config)?;
        for text in &self.set {
            let change = Override::parse(text)
                .and_then(|change| change.apply(&mut table))
                .map_err(|why| ExperimentError::Other(format!("--set {text}: {why}")));
            change?;
        }
        if let Some(toml::Value::Array(devices)) = table.get("devices")
            && devices.is_empty()
        {
            eprintln!(
                "note: `devices = []` lists no devices, so the run trains on `device` = {}",
                table
                    .get("device")
                    .map_or("\"flex\"".into(), ToString::to_string)
            );
        }
        Ok(table)
    }

    /// The config with the overrides, validated. When the file is valid and an override makes
    /// it invalid, the error says so (the file needs no fixing).
    fn config(&self, table: toml::Table) -> Result<ExperimentConfig, ExperimentError> {
        blame_overrides(
            ExperimentConfig::from_table(table, &self.config),
            &self.set,
            &self.config,
            "",
        )
    }
}

/// An invalid config built from a valid file and `--set` overrides (or a grid `point`): the
/// error names the overrides, not the file.
fn blame_overrides(
    result: Result<ExperimentConfig, ExperimentError>,
    set: &[String],
    file: &Path,
    point: &str,
) -> Result<ExperimentConfig, ExperimentError> {
    match result {
        Err(ExperimentError::Config { message, .. })
            if (!set.is_empty() || !point.is_empty())
                && ExperimentConfig::read_table(file)
                    .and_then(|t| {
                        let mut t = t;
                        t.remove("sweep");
                        ExperimentConfig::from_table(t, file)
                    })
                    .is_ok() =>
        {
            let mut changes: Vec<String> = set.iter().map(|s| format!("--set {s}")).collect();
            if !point.is_empty() {
                changes.push(format!("grid point {point}"));
            }
            Err(ExperimentError::Other(format!(
                "{}: {message} ({} itself is valid)",
                changes.join(", "),
                file.display()
            )))
        }
        other => other,
    }
}

/// Runs one config: a single run, or pilot + main for the refresh rule.
pub fn run(args: &RunArgs) -> Result<(), ExperimentError> {
    let config = args.config(args.table()?)?;
    if !config.sweep.is_empty() {
        eprintln!("note: the config's [sweep] table is ignored by `run`; `sweep` runs the grid");
    }
    let summary = run_config(&config, &config.run_dir(), &config.name, &args.options())?;
    match summary.status {
        RunStatus::Complete => Ok(()),
        // A stop the user asked for is no failure: say where it stopped and how to go on.
        RunStatus::Interrupted if stopped_as_asked(&config.run_dir()) => {
            println!(
                "{}: stopped as asked (--stop-after); continue with `experiments run <config> \
                 --resume`",
                config.name
            );
            Ok(())
        }
        // The cause (a full disk, a Burn error, the divergence) is printed, not only recorded.
        other => Err(ExperimentError::Training {
            dir: config.run_dir(),
            message: match &summary.message {
                Some(why) => format!("{other:?}: {why} (recorded in summary.json)"),
                None => format!("{other:?}; see summary.json"),
            },
        }),
    }
}

/// Whether the (main) run in `dir` stopped at its `--stop-after` point, not for another reason.
fn stopped_as_asked(dir: &Path) -> bool {
    let main = dir.join("main");
    let dir = if main.join("summary.json").is_file() {
        main
    } else {
        dir.to_path_buf()
    };
    RunDir::new(dir).read_summary().is_ok_and(|s| {
        s.message
            .as_deref()
            .is_some_and(|m| m.contains(crate::loader::STOP_AFTER_REASON))
    })
}

/// Extra options of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// A grid axis, e.g. `--grid optimizer.beta=0.9,0.99,0.999` (repeatable; adds to the
    /// config's [sweep] table).
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub grid: Vec<String>,
}

/// Runs every point of the grid into `<artifact_dir>/<name>/<key=value,...>`; finished points
/// are skipped, interrupted ones resumed.
pub fn sweep(args: &SweepArgs) -> Result<(), ExperimentError> {
    let mut table = args.run.table()?;
    let sweep_table = match table.remove("sweep") {
        Some(toml::Value::Table(t)) => t,
        Some(_) => return Err(ExperimentError::Other("`sweep` must be a table".into())),
        None => toml::Table::new(),
    };
    let mut axes = axes_from_table(&sweep_table).map_err(ExperimentError::Other)?;
    for text in &args.grid {
        axes.push(parse_axis(text).map_err(ExperimentError::Other)?);
    }
    if axes.is_empty() {
        return Err(ExperimentError::Other(
            "nothing to sweep: add a [sweep] table to the config or pass --grid KEY=V1,V2".into(),
        ));
    }
    let base = args.run.config(table.clone())?;
    let points = grid_points(&axes);
    // Validate every point, and that no two share a run directory, before training anything.
    let mut configs: Vec<(String, ExperimentConfig)> = Vec::with_capacity(points.len());
    for point in &points {
        let mut t = table.clone();
        for change in point {
            change.apply(&mut t).map_err(ExperimentError::Other)?;
        }
        let name: Vec<String> = point.iter().map(Override::short_name).collect();
        let name = name.join(",");
        if configs.iter().any(|(n, _)| *n == name) {
            return Err(ExperimentError::Other(format!(
                "two grid points map to the run directory `{name}` (values that differ only in \
                 characters a directory name cannot hold); make the values distinct"
            )));
        }
        let config = blame_overrides(
            ExperimentConfig::from_table(t, &args.run.config),
            &args.run.set,
            &args.run.config,
            &name,
        )?;
        configs.push((name, config));
    }
    let mut options = args.run.options();
    options.resume = true;
    run_points(&base.name, &base.run_dir(), &configs, &options)
}
