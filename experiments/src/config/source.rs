//! A config as one invocation names it: the file, its `--set` overrides and, for a sweep, the
//! grid. `experiments run` and `experiments sweep` resolve their arguments here into validated
//! configs before anything trains.

use std::path::Path;

use super::ExperimentConfig;
use super::overrides::{Override, axes_from_table, grid_points, parse_axis};
use crate::error::ExperimentError;

/// The config file and the `--set KEY=VALUE` overrides of one invocation.
#[derive(Debug, Clone, Copy)]
pub struct ConfigSource<'a> {
    /// The experiment config (TOML).
    pub file: &'a Path,
    /// The overrides, in the order given.
    pub set: &'a [String],
}

impl ConfigSource<'_> {
    /// The file's config is invalid, as `message` says.
    fn invalid(&self, message: String) -> ExperimentError {
        ExperimentError::Config {
            path: self.file.to_path_buf(),
            message,
        }
    }

    /// The file's table with the overrides applied.
    pub fn table(&self) -> Result<toml::Table, ExperimentError> {
        let mut table = ExperimentConfig::read_table(self.file)?;
        for text in self.set {
            Override::parse(text)
                .and_then(|change| change.apply(&mut table))
                .map_err(|why| ExperimentError::Argument {
                    flag: format!("--set {text}"),
                    message: why.to_string(),
                })?;
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
    pub fn config(&self) -> Result<ExperimentConfig, ExperimentError> {
        let config = ExperimentConfig::from_table(self.table()?, self.file);
        self.blame_overrides(config, "")
    }

    /// The grid of a sweep: the config's `[sweep]` table and the `--grid KEY=V1,V2` axes, as the
    /// base config and one validated `(directory name, config)` per point. Every point is
    /// validated, and no two may share a run directory, before anything trains.
    pub fn sweep(
        &self,
        grid: &[String],
    ) -> Result<(ExperimentConfig, Vec<(String, ExperimentConfig)>), ExperimentError> {
        let mut table = self.table()?;
        let sweep_table = match table.remove("sweep") {
            Some(toml::Value::Table(t)) => t,
            Some(_) => return Err(self.invalid("`sweep` must be a table".into())),
            None => toml::Table::new(),
        };
        let mut axes = axes_from_table(&sweep_table).map_err(|m| self.invalid(m))?;
        for text in grid {
            axes.push(
                parse_axis(text).map_err(|message| ExperimentError::Argument {
                    flag: format!("--grid {text}"),
                    message,
                })?,
            );
        }
        if axes.is_empty() {
            return Err(self.invalid(
                "nothing to sweep: add a [sweep] table to the config or pass --grid KEY=V1,V2"
                    .into(),
            ));
        }
        let base =
            self.blame_overrides(ExperimentConfig::from_table(table.clone(), self.file), "")?;
        let points = grid_points(&axes);
        let mut configs: Vec<(String, ExperimentConfig)> = Vec::with_capacity(points.len());
        for point in &points {
            let mut t = table.clone();
            for change in point {
                change.apply(&mut t).map_err(|m| self.invalid(m))?;
            }
            let name: Vec<String> = point.iter().map(Override::short_name).collect();
            let name = name.join(",");
            if configs.iter().any(|(n, _)| *n == name) {
                return Err(self.invalid(format!(
                    "two grid points map to the run directory `{name}` (values that differ only \
                     in characters a directory name cannot hold); make the values distinct"
                )));
            }
            let config = self.blame_overrides(ExperimentConfig::from_table(t, self.file), &name)?;
            configs.push((name, config));
        }
        Ok((base, configs))
    }

    /// An invalid config built from a valid file and the overrides (or a grid `point`): the
    /// error names the overrides, not the file.
    fn blame_overrides(
        &self,
        result: Result<ExperimentConfig, ExperimentError>,
        point: &str,
    ) -> Result<ExperimentConfig, ExperimentError> {
        match result {
            Err(ExperimentError::Config { message, .. })
                if (!self.set.is_empty() || !point.is_empty()) && self.file_is_valid() =>
            {
                let mut changes: Vec<String> =
                    self.set.iter().map(|s| format!("--set {s}")).collect();
                if !point.is_empty() {
                    changes.push(format!("grid point {point}"));
                }
                Err(ExperimentError::Argument {
                    flag: changes.join(", "),
                    message: format!("{message} ({} itself is valid)", self.file.display()),
                })
            }
            other => other,
        }
    }

    /// Whether the file alone (without its `[sweep]` table) is a valid config.
    fn file_is_valid(&self) -> bool {
        ExperimentConfig::read_table(self.file)
            .and_then(|mut t| {
                t.remove("sweep");
                ExperimentConfig::from_table(t, self.file)
            })
            .is_ok()
    }
}
