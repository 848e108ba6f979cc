//! Runs of a config and of a sweep's grid points: `experiments run` and `experiments sweep` hand
//! off here once their arguments are resolved into configs.

use std::path::Path;

use super::refresh::run_refresh;
use super::{RunOptions, run_single};
use crate::artifacts::{RunDir, RunStatus, RunSummary};
use crate::config::{ExperimentConfig, OptimizerSpec};
use crate::error::ExperimentError;
use crate::progress::{RunProgress, Tally};

/// Runs `config` into `dir`; the summary of the (main) run.
pub fn run_config(
    config: &ExperimentConfig,
    dir: &Path,
    label: &str,
    options: &RunOptions,
) -> Result<RunSummary, ExperimentError> {
    let dir = RunDir::new(dir);
    let summary = match &config.optimizer.spec {
        OptimizerSpec::BalancedAdam(spec) => match spec.refresh_rule() {
            Some(rule) => run_refresh(config, spec, &rule, &dir, label, options)?.main,
            None => run_single(config, &dir, label, options)?,
        },
        _ => run_single(config, &dir, label, options)?,
    };
    report_line(label, &summary);
    Ok(summary)
}

/// `experiments run`: trains `config` into its run directory. A run that ends other than
/// complete is an error that names its cause, except a stop asked for with `--stop-after`,
/// which says how to go on.
pub fn run(config: &ExperimentConfig, options: &RunOptions) -> Result<(), ExperimentError> {
    if !config.sweep.is_empty() {
        eprintln!("note: the config's [sweep] table is ignored by `run`; `sweep` runs the grid");
    }
    let summary = run_config(config, &config.run_dir(), &config.name, options)?;
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

fn report_line(label: &str, s: &RunSummary) {
    let test = s.test.as_ref().map_or(String::new(), |t| {
        let acc = t
            .accuracy
            .map_or(String::new(), |a| format!(", test accuracy {a:.2}%"));
        let ppl = t
            .perplexity
            .map_or(String::new(), |p| format!(", test perplexity {p:.3}"));
        format!(", test loss {:.4}{acc}{ppl}", t.loss)
    });
    let best = match (s.best_valid_loss, s.best_update) {
        (Some(loss), Some(update)) => format!(", best valid loss {loss:.4} at update {update}"),
        _ => String::new(),
    };
    println!(
        "{label}: {:?} after {}/{} updates in {:.1} s{best}{test}",
        s.status, s.updates_done, s.updates_planned, s.wall_time_s
    );
}

/// Trains every grid point (`(directory name, config)`, already validated) of sweep `name` into
/// `sweep_dir/<point>`: finished points are skipped, interrupted ones resumed (`options.resume`),
/// with a progress bar beside plain logs; an error lists the points that did not complete.
pub fn run_points(
    name: &str,
    sweep_dir: &Path,
    configs: &[(String, ExperimentConfig)],
    options: &RunOptions,
) -> Result<(), ExperimentError> {
    let mut failed = Vec::new();
    let updates = |c: &ExperimentConfig| c.training.length.updates().unwrap_or(0);
    let finished = |point: &str| {
        RunDir::new(sweep_dir.join(point))
            .read_summary()
            .is_ok_and(|s| s.status.is_finished())
    };
    let mut tally = Tally::default();
    for (point, config) in configs {
        tally = tally.plus(Tally::of_runs(
            usize::from(finished(point)),
            1,
            updates(config),
        ));
    }
    // Burn's TUI dashboard owns the terminal while a run trains: a bar only beside plain logs.
    let progress = RunProgress::new(&format!("sweep {name}"), tally, options.no_tui);
    for (i, (point, config)) in configs.iter().enumerate() {
        eprintln!("sweep {name}: point {}/{}: {point}", i + 1, configs.len());
        let label = format!("{name}/{point}");
        let was_finished = finished(point);
        match run_config(config, &sweep_dir.join(point), &label, options).map(|s| s.status) {
            Ok(RunStatus::Complete) => {}
            Ok(status) => failed.push(format!("{point}: {status:?}")),
            Err(err) => failed.push(format!("{point}: {err}")),
        }
        if finished(point) && !was_finished {
            tally = tally.with_run_done(updates(config));
            progress.set(tally);
        }
        if crate::interrupt::interrupted() {
            break;
        }
    }
    progress.finish();
    println!(
        "sweep {name}: {} points in {}; compare with: experiments compare {}/*",
        configs.len(),
        sweep_dir.display(),
        sweep_dir.display()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::Unfinished {
            what: "points",
            total: configs.len(),
            failed,
        })
    }
}
