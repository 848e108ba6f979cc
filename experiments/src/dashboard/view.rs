//! What the dashboard draws (a chart of one metric per arm, the arm table, a status line) and
//! how keys change it; drawn with ratatui on any backend (the terminal, or `TestBackend` in
//! tests).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};

use super::board::{ArmRow, Grouping};
use super::run::Status;
use super::table::{COLUMNS, sort_rows};
use crate::artifacts::burn_logs::Metric;

/// The colours of the arms, in order (as Burn's TUI, on a dark terminal).
pub(super) const PALETTE: [Color; 10] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightRed,
    Color::LightBlue,
    Color::LightGreen,
    Color::LightMagenta,
    Color::White,
    Color::LightYellow,
];

/// The view's settings, changed by keys.
#[derive(Debug, Clone)]
pub struct ViewState {
    /// The metric shown (index into the board's metrics).
    pub metric: usize,
    /// The highlighted row.
    pub selected: usize,
    /// The column the table is sorted by (index into [`COLUMNS`]; 0: in the order found).
    pub sort: usize,
    /// Whether the sort is descending.
    pub descending: bool,
    /// Log-scale y axis.
    pub log_y: bool,
    /// Arms or runs.
    pub grouping: Grouping,
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the dashboard.
    Quit,
    /// The view changed: draw again.
    Redraw,
    /// Nothing to do.
    None,
}

impl ViewState {
    /// The first view: `metric`, in the order found, linear axis.
    pub fn new(metric: usize, grouping: Grouping) -> Self {
        Self {
            metric,
            selected: 0,
            sort: 0,
            descending: false,
            log_y: false,
            grouping,
        }
    }

    /// Applies a key (Burn's TUI keys: `q` quits; arrows and tab move): ←/→ or Tab/Shift-Tab
    /// switch metric, ↑/↓ the highlighted arm, `s`/`S` sort by the next column / reverse, `l`
    /// log scale, `g` arms ↔ runs.
    pub fn key(
        &mut self,
        key: ratatui::crossterm::event::KeyEvent,
        metrics: usize,
        rows: usize,
    ) -> Action {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let metrics = metrics.max(1);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Action::Quit;
            }
            KeyCode::Right | KeyCode::Tab => self.metric = (self.metric + 1) % metrics,
            KeyCode::Left | KeyCode::BackTab => self.metric = (self.metric + metrics - 1) % metrics,
            KeyCode::Down => self.selected = (self.selected + 1).min(rows.saturating_sub(1)),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('s') => self.sort = (self.sort + 1) % COLUMNS.len(),
            KeyCode::Char('S') => self.descending = !self.descending,
            KeyCode::Char('l') => self.log_y = !self.log_y,
            KeyCode::Char('g') => {
                self.grouping = match self.grouping {
                    Grouping::Arm => Grouping::Run,
                    Grouping::Run => Grouping::Arm,
                };
                self.selected = 0;
            }
            _ => return Action::None,
        }
        Action::Redraw
    }
}

/// Everything one frame shows.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    /// The metric shown.
    pub metric: &'a Metric,
    /// How many metrics there are.
    pub metrics: usize,
    /// The rows (sorted as the state says).
    pub rows: &'a [ArmRow],
    /// Unreadable runs and unsearchable directories: what to say about them.
    pub problems: &'a [String],
    /// Runs followed and running.
    pub counts: (usize, usize),
}

/// Draws one frame.
pub fn draw(frame: &mut Frame, state: &ViewState, view: &Snapshot) {
    let [title, chart, table, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Percentage(55),
        Constraint::Min(4),
        Constraint::Length(2),
    ])
    .areas(frame.area());
    let heading = Line::from(vec![
        Span::styled(
            " burn-balanced-adam dashboard ",
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            "· {} · metric {}/{} · {} runs ({} running) · by {}",
            view.metric.label(),
            state.metric + 1,
            view.metrics,
            view.counts.0,
            view.counts.1,
            match state.grouping {
                Grouping::Arm => "arm",
                Grouping::Run => "run",
            }
        )),
    ]);
    frame.render_widget(Paragraph::new(heading), title);
    draw_chart(frame, chart, state, view);
    super::table::draw(frame, table, state, view);
    let mut help = vec![Line::from(
        " q quit · ←/→ tab metric · ↑/↓ arm · s/S sort column/reverse · l log scale · g arms/runs",
    )];
    if let Some(problem) = view.problems.first() {
        let more = view.problems.len() - 1;
        let extra = if more > 0 {
            format!(" (+{more} more)")
        } else {
            String::new()
        };
        help.push(Line::styled(
            format!(" {problem}{extra}"),
            Style::new().fg(Color::Red),
        ));
    }
    frame.render_widget(Paragraph::new(help), footer);
}

fn transform(v: f64, log: bool) -> Option<f64> {
    let v = if log {
        (v > 0.0).then(|| v.log10())?
    } else {
        v
    };
    v.is_finite().then_some(v)
}

fn draw_chart(frame: &mut Frame, area: Rect, state: &ViewState, view: &Snapshot) {
    let log = state.log_y;
    let y = |v: f64| transform(v, log);
    let lines: Vec<[Vec<(f64, f64)>; 3]> = view
        .rows
        .iter()
        .map(|row| {
            let pick = |f: fn(&(u64, f64, f64, f64)) -> f64| {
                row.curve
                    .iter()
                    .filter_map(|p| Some((p.0 as f64, y(f(p))?)))
                    .collect::<Vec<_>>()
            };
            [pick(|p| p.1), pick(|p| p.2), pick(|p| p.3)]
        })
        .collect();
    let all = lines.iter().flat_map(|l| l.iter().flatten());
    let (mut x_max, mut y_min, mut y_max) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, v) in all {
        x_max = x_max.max(x);
        y_min = y_min.min(v);
        y_max = y_max.max(v);
    }
    if !y_min.is_finite() {
        (y_min, y_max) = (0.0, 1.0);
    }
    if y_max - y_min < 1e-12 {
        (y_min, y_max) = (y_min - 0.5, y_max + 0.5);
    }
    let mut datasets = Vec::new();
    for (i, (row, [mean, min, max])) in view.rows.iter().zip(&lines).enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let selected = i == state.selected;
        let band = Style::new().fg(color).add_modifier(Modifier::DIM);
        for edge in [min, max] {
            if row.counted > 1 {
                datasets.push(
                    Dataset::default()
                        .marker(Marker::Braille)
                        .graph_type(GraphType::Line)
                        .style(band)
                        .data(edge),
                );
            }
        }
        let style = if selected {
            Style::new().fg(color).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(color)
        };
        datasets.push(
            Dataset::default()
                .name(format!("{} {}", i + 1, short(&row.label, 40)))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(style)
                .data(mean),
        );
    }
    let y_label = |v: f64| {
        if log {
            format!("{:.3}", 10f64.powf(v))
        } else {
            format!("{v:.3}")
        }
    };
    let pad = (y_max - y_min) * 0.05;
    let (lo, hi) = (y_min - pad, y_max + pad);
    let chart = Chart::new(datasets)
        .block(Block::default().borders(Borders::ALL).title(format!(
            " {} vs optimizer updates{} ",
            view.metric.label(),
            if log { " (log scale)" } else { "" }
        )))
        .x_axis(
            Axis::default()
                .title("updates")
                .bounds([0.0, x_max])
                .labels([
                    "0".to_string(),
                    format!("{:.0}", x_max / 2.0),
                    format!("{x_max:.0}"),
                ]),
        )
        .y_axis(Axis::default().bounds([lo, hi]).labels([
            y_label(lo),
            y_label((lo + hi) / 2.0),
            y_label(hi),
        ]))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).collect::<String>() + "…"
    }
}

/// The rows in the order `state` asks for.
pub fn arrange(mut rows: Vec<ArmRow>, state: &ViewState, metric: &Metric) -> Vec<ArmRow> {
    sort_rows(&mut rows, state.sort, state.descending, metric);
    rows
}

/// Unreadable runs and unsearchable directories, for the status line.
pub fn problems(board: &super::board::Board) -> Vec<String> {
    let mut out: Vec<String> = board
        .runs
        .iter()
        .filter_map(|r| match &r.status {
            Status::Unreadable(why) => Some(format!("{}: unreadable: {why}", r.name)),
            _ => None,
        })
        .collect();
    out.extend(board.warnings.iter().cloned());
    out
}
