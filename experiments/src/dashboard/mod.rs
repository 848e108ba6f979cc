//! `experiments dashboard PATH…`: many runs compared live in the terminal, in the look of Burn's
//! TUI: one metric per arm against optimizer updates (mean with a min–max band over seeds) and a
//! table of every arm's numbers, following runs as they train.
//!
//! Inputs are `experiments` run directories (single runs, sweeps, study trees, committed
//! records) and plain Burn artifact directories from any project (`FileMetricLogger`'s
//! `train/epoch-N/*.log`, `valid/epoch-N/*.log`).
//!
//! `artifacts::burn_logs` (Burn's metric logs, read incrementally) → [`run`] (one run:
//! status, series) →
//! [`board`] (all runs, found again every few seconds; arms and their numbers) → [`table`]
//! (cells, sorting, Markdown) and [`view`] (ratatui drawing, keys). [`follow`] is the terminal
//! loop; [`once`] the snapshot without a terminal.

pub mod board;
pub mod run;
pub mod table;
pub mod view;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::artifacts::burn_logs::Metric;
use board::{Board, Grouping};
use run::Status;
use view::{Action, Snapshot, ViewState};

use crate::error::ExperimentError;
use crate::report::plot::{BandSeries, plot_bands};

/// How often the runs are read while following (new evaluations show within about this).
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// The longest wait for a key between frames.
const FRAME_EVERY: Duration = Duration::from_millis(100);

/// What `experiments dashboard` was asked for.
#[derive(Debug, Clone)]
pub struct DashboardOptions {
    /// Run directories or trees of them.
    pub paths: Vec<PathBuf>,
    /// The metric shown first (`Loss`, `valid Accuracy`, `train Loss`, …).
    pub metric: Option<String>,
    /// Arms or runs.
    pub grouping: Grouping,
    /// Print the table as Markdown and exit.
    pub once: bool,
    /// Write the overlay plot to this SVG file (and exit).
    pub svg: Option<PathBuf>,
}

/// The metric `wanted` names among `metrics`, or an error listing them.
pub fn pick_metric(metrics: &[Metric], wanted: Option<&str>) -> Result<usize, ExperimentError> {
    let Some(wanted) = wanted else {
        return Ok(0);
    };
    let metric = Metric::parse(wanted);
    metrics
        .iter()
        .position(|m| m.matches(&metric))
        .ok_or_else(|| {
            let names: Vec<String> = metrics.iter().map(Metric::label).collect();
            ExperimentError::Argument {
                flag: format!("--metric {wanted:?}"),
                message: format!("no run logged it; the runs have: {}", names.join(", ")),
            }
        })
}

/// The dashboard: the Markdown table and/or the SVG without a terminal, else the live view.
pub fn exec(options: &DashboardOptions) -> Result<(), ExperimentError> {
    if let Some(svg) = &options.svg {
        check_not_inside(svg, &options.paths)?;
    }
    let mut board = Board::open(&options.paths)?;
    let metrics = board.metrics();
    let metric = pick_metric(&metrics, options.metric.as_deref())?;
    if options.once || options.svg.is_some() {
        let rows = board.rows(&metrics[metric], options.grouping);
        if options.once {
            print!("{}", once(&board, &rows, &metrics[metric]));
        }
        if let Some(path) = &options.svg {
            let svg = svg_plot(&rows, &metrics[metric])?;
            crate::artifacts::write_atomic(path, svg.as_bytes())?;
            eprintln!("{}: {} rows plotted", path.display(), rows.len());
        }
        return Ok(());
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(ExperimentError::Terminal(std::io::Error::other(
            "the live dashboard needs one; without a terminal use --once (the table as \
             Markdown) or --svg FILE (the plot)",
        )));
    }
    follow(&mut board, ViewState::new(metric, options.grouping))
}

/// The `--once` text: the table, then the runs that could not be read.
pub fn once(board: &Board, rows: &[board::ArmRow], metric: &Metric) -> String {
    let mut text = table::markdown(rows, metric);
    for problem in view::problems(board) {
        text.push_str(&format!("\n- {problem}"));
    }
    if !view::problems(board).is_empty() {
        text.push('\n');
    }
    text
}

/// The overlay plot of `rows` for `metric` (the report's plotting).
pub fn svg_plot(rows: &[board::ArmRow], metric: &Metric) -> Result<String, ExperimentError> {
    let series: Vec<BandSeries> = rows
        .iter()
        .map(|r| BandSeries {
            label: format!("{} (n = {})", r.label, r.counted),
            curve: r.curve.clone(),
        })
        .collect();
    plot_bands(
        &format!("{}: mean over seeds, band = min…max", metric.label()),
        &metric.label(),
        &series,
    )
}

/// One frame's rows and what else it shows, for `state` (shared by the terminal and tests).
pub struct Frame {
    /// The metrics there are.
    pub metrics: Vec<Metric>,
    /// The rows, arranged.
    pub rows: Vec<board::ArmRow>,
    /// What could not be read.
    pub problems: Vec<String>,
    /// Runs, and runs running.
    pub counts: (usize, usize),
}

impl Frame {
    /// The frame of `board` in `state` (the state's indices clamped to what there is).
    pub fn of(board: &Board, state: &mut ViewState) -> Self {
        let metrics = board.metrics();
        state.metric = state.metric.min(metrics.len() - 1);
        let rows = view::arrange(
            board.rows(&metrics[state.metric], state.grouping),
            state,
            &metrics[state.metric],
        );
        state.selected = state.selected.min(rows.len().saturating_sub(1));
        let running = board
            .runs
            .iter()
            .filter(|r| r.status == Status::Running)
            .count();
        Frame {
            metrics,
            rows,
            problems: view::problems(board),
            counts: (board.runs.len(), running),
        }
    }

    /// Draws it.
    pub fn draw(&self, frame: &mut ratatui::Frame, state: &ViewState) {
        view::draw(
            frame,
            state,
            &Snapshot {
                metric: &self.metrics[state.metric],
                metrics: self.metrics.len(),
                rows: &self.rows,
                problems: &self.problems,
                counts: self.counts,
            },
        );
    }
}

/// Follows the runs in the terminal until `q`.
pub fn follow(board: &mut Board, mut state: ViewState) -> Result<(), ExperimentError> {
    let mut terminal = ratatui::init();
    let result = follow_in(&mut terminal, board, &mut state);
    ratatui::restore();
    result
}

fn follow_in(
    terminal: &mut ratatui::DefaultTerminal,
    board: &mut Board,
    state: &mut ViewState,
) -> Result<(), ExperimentError> {
    use ratatui::crossterm::event::{self, Event, KeyEventKind};
    let io = ExperimentError::Terminal;
    let mut frame = Frame::of(board, state);
    let mut last_poll = Instant::now();
    let mut dirty = true;
    loop {
        if last_poll.elapsed() >= POLL_EVERY {
            last_poll = Instant::now();
            if board.poll(last_poll) {
                frame = Frame::of(board, state);
                dirty = true;
            }
        }
        if dirty {
            terminal.draw(|f| frame.draw(f, state)).map_err(io)?;
            dirty = false;
        }
        if event::poll(FRAME_EVERY).map_err(io)? {
            match event::read().map_err(io)? {
                Event::Key(key) if key.kind == KeyEventKind::Press => {
                    match state.key(key, frame.metrics.len(), frame.rows.len()) {
                        Action::Quit => return Ok(()),
                        Action::Redraw => {
                            frame = Frame::of(board, state);
                            dirty = true;
                        }
                        Action::None => {}
                    }
                }
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
        if crate::interrupt::interrupted() {
            return Ok(());
        }
    }
}

/// Refuses an output file inside one of the inputs: the dashboard never writes into what it
/// reads.
fn check_not_inside(out: &Path, inputs: &[PathBuf]) -> Result<(), ExperimentError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(parent) = parent.canonicalize() else {
        return Err(ExperimentError::Argument {
            flag: format!("--svg {}", out.display()),
            message: "its directory does not exist".into(),
        });
    };
    for input in inputs {
        if let Ok(input_abs) = input.canonicalize()
            && parent.starts_with(&input_abs)
        {
            return Err(ExperimentError::Argument {
                flag: format!("--svg {}", out.display()),
                message: format!(
                    "it lies inside {}, which the dashboard reads; write it elsewhere",
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
