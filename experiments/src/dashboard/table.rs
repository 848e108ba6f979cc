//! The arm table: its columns, each row's cells (formatted as `experiments report` formats the
//! same numbers), sorting, the Markdown of `--once`, and its widget.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::board::ArmRow;
use super::view::{PALETTE, Snapshot, ViewState};
use crate::artifacts::burn_logs::Metric;
use crate::report::arms::Spread;

/// The table's columns (`{metric}` stands for the metric shown).
pub const COLUMNS: [&str; 14] = [
    "arm",
    "runs",
    "updates",
    "upd/s",
    "ETA",
    "best {metric}",
    "at update",
    "last {metric}",
    "T_ES",
    "β",
    "test acc %",
    "test loss",
    "test ppl",
    "wall s / run",
];

/// Decimals of a metric's values: those of the report for losses and accuracy.
fn digits(metric: &Metric) -> usize {
    if metric.higher_is_better() {
        2
    } else if metric.name.to_lowercase().contains("learning rate") {
        6
    } else {
        4
    }
}

fn duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The cells of `row` (aligned with [`COLUMNS`]).
pub fn cells(row: &ArmRow, metric: &Metric) -> Vec<String> {
    let mut runs = row.counted.to_string();
    if row.running > 0 {
        runs += &format!(" ({} running)", row.running);
    }
    if !row.not_counted.is_empty() {
        runs += &format!(" (+ {})", row.not_counted.join(", "));
    }
    let d = digits(metric);
    vec![
        row.label.clone(),
        runs,
        match row.updates {
            (done, Some(planned)) => format!("{done}/{planned}"),
            (done, None) => done.to_string(),
        },
        row.speed.map_or("–".into(), |s| format!("{s:.1}")),
        row.eta_s.map_or("–".into(), duration),
        Spread::show(row.best, d),
        Spread::show(row.best_update, 0),
        Spread::show(row.last, d),
        Spread::show(row.t_es, 0),
        row.beta.clone(),
        Spread::show(row.test_accuracy, 2),
        Spread::show(row.test_loss, 4),
        Spread::show(row.test_perplexity, 3),
        Spread::show(row.wall_s, 1),
    ]
}

/// Sorts by column `column` (0 keeps the order found): numbers by their mean (missing last),
/// labels and β as text.
pub fn sort_rows(rows: &mut [ArmRow], column: usize, descending: bool, _metric: &Metric) {
    if column == 0 {
        if descending {
            rows.reverse();
        }
        return;
    }
    let mean = |s: Option<Spread>| s.map(|s| s.mean);
    let key = |row: &ArmRow| -> Option<f64> {
        match column {
            1 => Some(row.counted as f64),
            2 => Some(row.updates.0 as f64),
            3 => row.speed,
            4 => row.eta_s,
            5 => mean(row.best),
            6 => mean(row.best_update),
            7 => mean(row.last),
            8 => mean(row.t_es),
            10 => mean(row.test_accuracy),
            11 => mean(row.test_loss),
            12 => mean(row.test_perplexity),
            13 => mean(row.wall_s),
            _ => None,
        }
    };
    rows.sort_by(|a, b| {
        if column == 9 {
            let order = a.beta.cmp(&b.beta);
            return if descending { order.reverse() } else { order };
        }
        match (key(a), key(b)) {
            (Some(x), Some(y)) => {
                let order = x.total_cmp(&y);
                if descending { order.reverse() } else { order }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
}

/// The table as Markdown (`--once`).
pub fn markdown(rows: &[ArmRow], metric: &Metric) -> String {
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|c| c.replace("{metric}", &metric.label()))
        .collect();
    let mut md = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(COLUMNS.len())
    );
    for row in rows {
        let cells: Vec<String> = cells(row, metric)
            .iter()
            .map(|c| c.replace('|', "\\|"))
            .collect();
        md.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    md
}

/// Columns in the order they give way when the terminal is too narrow (last goes first).
const KEEP_ORDER: [usize; 14] = [0, 1, 5, 2, 7, 10, 3, 4, 9, 6, 8, 11, 13, 12];

/// Draws the table of `view` into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &ViewState, view: &Snapshot) {
    let labels: Vec<&str> = view.rows.iter().map(|r| r.label.as_str()).collect();
    let (common, short_labels) = split_common(&labels);
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|c| c.replace("{metric}", &view.metric.name))
        .collect();
    let body: Vec<Vec<String>> = view
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut values = cells(row, view.metric);
            values[0] = format!("{} {}", i + 1, short_labels[i]);
            values
        })
        .collect();
    // Columns with nothing to show are left out; then, if the terminal is too narrow, the
    // least important give way. Each column is as wide as its widest cell.
    let width = |c: usize| {
        body.iter()
            .map(|r| r[c].chars().count())
            .chain([header[c].chars().count()])
            .max()
            .unwrap_or(0) as u16
    };
    let mut shown: Vec<usize> = (0..COLUMNS.len())
        .filter(|&c| c == 0 || body.iter().any(|r| r[c] != "–"))
        .collect();
    let room = area.width.saturating_sub(2);
    let total = |shown: &[usize]| -> u16 {
        shown
            .iter()
            .map(|&c| if c == 0 { width(c).min(24) } else { width(c) } + 1)
            .sum()
    };
    for &c in KEEP_ORDER.iter().rev() {
        if total(&shown) <= room || c == 0 {
            break;
        }
        shown.retain(|&s| s != c);
    }
    let widths: Vec<Constraint> = shown
        .iter()
        .map(|&c| {
            if c == 0 {
                Constraint::Min(width(c).min(24))
            } else {
                Constraint::Length(width(c))
            }
        })
        .collect();
    let rows = body.iter().enumerate().map(|(i, values)| {
        let style = Style::new().fg(PALETTE[i % PALETTE.len()]);
        Row::new(shown.iter().map(|&c| Cell::from(values[c].clone()))).style(style)
    });
    let header = Row::new(shown.iter().map(|&c| Cell::from(header[c].clone())))
        .style(Style::new().add_modifier(Modifier::BOLD));
    let sorted = if state.sort == 0 {
        "in the order found".to_string()
    } else {
        format!(
            "sorted by {}{}",
            COLUMNS[state.sort].replace("{metric}", &view.metric.name),
            if state.descending { ", descending" } else { "" }
        )
    };
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .block(Block::default().borders(Borders::ALL).title(format!(
            " arms: mean ± std over seeds · {sorted}{} ",
            if common.is_empty() {
                String::new()
            } else {
                format!(" · all: {common}")
            }
        )));
    // The highlighted row stays in view: the table scrolls with it.
    let mut selection = TableState::default().with_selected(Some(state.selected));
    frame.render_stateful_widget(table, area, &mut selection);
}

/// The words every label shares (said once, in the table's title) and each label without them,
/// so the table shows what tells the arms apart.
pub fn split_common(labels: &[&str]) -> (String, Vec<String>) {
    if labels.len() < 2 {
        return (
            String::new(),
            labels.iter().map(|l| l.to_string()).collect(),
        );
    }
    let words = |l: &str| l.split(' ').map(str::to_string).collect::<Vec<_>>();
    let first = words(labels[0]);
    let common: Vec<String> = first
        .iter()
        .filter(|w| labels.iter().all(|l| l.split(' ').any(|x| x == w.as_str())))
        .cloned()
        .collect();
    let short = labels
        .iter()
        .map(|l| {
            let rest: Vec<&str> = l
                .split(' ')
                .filter(|w| !common.iter().any(|c| c == w))
                .collect();
            if rest.is_empty() {
                l.to_string()
            } else {
                rest.join(" ")
            }
        })
        .collect();
    (common.join(" "), short)
}
