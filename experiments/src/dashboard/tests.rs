//! The dashboard on fixture runs written as Burn and `experiments` write them: two arms of
//! three seeds (one diverged, one still running), drawn on ratatui's `TestBackend`; logs that
//! grow while it follows them; a malformed line; the runs it must not hang or crash on.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::board::{Board, Grouping};
use super::run::Status;
use super::view::ViewState;
use super::{Frame, once};
use crate::artifacts::burn_logs::Metric;

/// Epoch `epoch` of a Burn log: `iterations` training lines with their `final` mean, and a
/// validation log whose `final` is `valid`.
fn write_epoch(run: &Path, epoch: usize, iterations: usize, train: f64, valid: f64) {
    let dir = run.join(format!("train/epoch-{epoch}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text: String = (0..iterations).map(|_| format!("{train},1\n")).collect();
    text += &format!("{train},final\n");
    std::fs::write(dir.join("Loss.log"), &text).unwrap();
    std::fs::write(dir.join("CPU_Usage.log"), "50.00\n".repeat(iterations + 3)).unwrap();
    std::fs::write(dir.join("Loss_finite.log"), "yes\n".repeat(iterations)).unwrap();
    let dir = run.join(format!("valid/epoch-{epoch}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Loss.log"),
        format!("{valid},500\n{valid},final\n"),
    )
    .unwrap();
    std::fs::write(dir.join("Accuracy.log"), "90.0,500\n90.0,final\n").unwrap();
}

fn config(beta: f64, seed: u64) -> String {
    format!(
        "name = \"fixture\"\nseed = {seed}\n[data]\ndataset = \"fashion-mnist\"\n[model]\nkind = \"cnn\"\n\
         [optimizer]\nkind = \"balanced_adam\"\nbeta = {beta}\n[schedule]\nkind = \"constant\"\nlr = 0.001\n\
         [training]\nbatch_size = 32\nupdates = 40\neval_every = 10\n"
    )
}

/// A finished `experiments` run: its config, logs of 4 epochs of 10 updates, and a summary.
fn finished(root: &Path, beta: f64, seed: u64, best: f64, status: &str) -> std::path::PathBuf {
    let run = root.join(format!("beta={beta},seed={seed}"));
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.toml"), config(beta, seed)).unwrap();
    let losses = [best + 0.3, best + 0.1, best, best + 0.05];
    for (i, &l) in losses.iter().enumerate() {
        write_epoch(&run, i + 1, 10, l + 0.1, l);
    }
    let trajectory: Vec<_> = losses
        .iter()
        .enumerate()
        .map(|(i, &l)| json!({"update": (i + 1) * 10, "valid_loss": l, "valid_accuracy": 90.0, "train_loss": l + 0.1}))
        .collect();
    let summary = json!({
        "status": status, "message": null, "name": format!("fixture/{beta}/{seed}"),
        "model": "cnn", "dataset": "fashion-mnist", "optimizer": "balanced_adam", "beta": beta,
        "lr": 0.001, "batch_size": 32, "seed": seed, "parameters": 10, "updates_planned": 40,
        "updates_done": 40, "eval_every": 10, "stopped_early": false, "wall_time_s": 4.0 + seed as f64 - 42.0,
        "best_valid_loss": best, "best_update": 30, "final_valid_loss": best + 0.05,
        "t_es": {"t_es": 30, "best_update": 30, "best_loss": best, "stopped_at": null},
        "test": {"loss": best + 0.02, "accuracy": 91.0, "perplexity": null},
        "trajectory": trajectory,
        "provenance": {"experiments_version": "0.1.0", "burn_version": "0.22.1", "git_commit": null,
            "git_dirty": false, "devices": ["flex"], "device_description": ["cpu"], "command": [], "cpus": 2}
    });
    std::fs::write(run.join("summary.json"), summary.to_string()).unwrap();
    run
}

/// A run still training (its lock names this live process): config and 2 epochs of logs.
fn running(root: &Path, beta: f64, seed: u64) -> std::path::PathBuf {
    let run = root.join(format!("beta={beta},seed={seed}"));
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.toml"), config(beta, seed)).unwrap();
    std::fs::write(run.join(".lock"), std::process::id().to_string()).unwrap();
    write_epoch(&run, 1, 10, 0.6, 0.5);
    write_epoch(&run, 2, 10, 0.5, 0.4);
    run
}

/// Two arms × three seeds: β = 0.9 (seed 44 diverged), β = 0.99 (seed 44 running).
fn fixture(root: &Path) -> std::path::PathBuf {
    finished(root, 0.9, 42, 0.25, "complete");
    finished(root, 0.9, 43, 0.27, "complete");
    finished(root, 0.9, 44, 0.9, "diverged");
    finished(root, 0.99, 42, 0.31, "complete");
    finished(root, 0.99, 43, 0.33, "complete");
    running(root, 0.99, 44)
}

fn render(board: &Board, state: &mut ViewState) -> String {
    let frame = Frame::of(board, state);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal.draw(|f| frame.draw(f, state)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

/// The colours of the chart's Braille cells.
fn curve_colours(board: &Board, state: &mut ViewState) -> Vec<ratatui::style::Color> {
    let frame = Frame::of(board, state);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal.draw(|f| frame.draw(f, state)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut colours = Vec::new();
    for cell in buffer.content() {
        let braille = cell
            .symbol()
            .chars()
            .next()
            .is_some_and(|c| ('\u{2801}'..='\u{28FF}').contains(&c));
        if braille && !colours.contains(&cell.fg) {
            colours.push(cell.fg);
        }
    }
    colours
}

#[test]
fn the_table_shows_each_arms_numbers_and_the_chart_a_curve_per_arm() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let board = Board::open(&[tmp.path().to_path_buf()]).unwrap();
    assert_eq!(board.runs.len(), 6);
    let rows = board.rows(&Metric::valid_loss(), Grouping::Arm);
    assert_eq!(rows.len(), 2, "two arms");
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!(
        (a.counted, a.not_counted.clone()),
        (2, vec!["44: diverged".to_string()])
    );
    assert_eq!((b.counted, b.running), (3, 1));
    // Arm β = 0.9: the two complete seeds' best losses (0.25, 0.27) and test losses.
    let best = a.best.unwrap();
    assert!((best.mean - 0.26).abs() < 1e-12 && best.n == 2, "{best:?}");
    assert_eq!(a.test_loss.unwrap().n, 2);
    // The running seed counts with its best so far (0.4 at update 20).
    let best = b.best.unwrap();
    assert!(
        (best.mean - (0.31 + 0.33 + 0.4) / 3.0).abs() < 1e-12,
        "{best:?}"
    );
    assert_eq!(b.updates, (40 + 40 + 20, Some(120)));

    let mut state = ViewState::new(0, Grouping::Arm);
    let screen = render(&board, &mut state);
    for text in [
        "0.2600 ± 0.0141",
        "44: diverged",
        "(1 running)",
        "100/120",
        "β=0.9 lr=0.001",
        "β=0.99 lr=0.001",
        "valid Loss",
    ] {
        assert!(screen.contains(text), "{text:?} not on screen:\n{screen}");
    }
    let colours = curve_colours(&board, &mut state);
    assert!(
        colours.len() >= 2,
        "a curve per arm, in its colour: {colours:?}"
    );
}

#[test]
fn evaluations_appended_while_following_show_up() {
    let tmp = tempfile::tempdir().unwrap();
    let live = fixture(tmp.path());
    let mut board = Board::open(&[tmp.path().to_path_buf()]).unwrap();
    let index = board.runs.iter().position(|r| r.dir == live).unwrap();
    assert_eq!(board.runs[index].series[&Metric::valid_loss()].len(), 2);
    assert_eq!(board.runs[index].status, Status::Running);
    // Burn writes the next epoch: a training line at a time, then the validation.
    let dir = live.join("train/epoch-3");
    std::fs::create_dir_all(&dir).unwrap();
    let mut loss = std::fs::File::create(dir.join("Loss.log")).unwrap();
    write!(loss, "0.3,1\n0.3").unwrap();
    loss.flush().unwrap();
    assert!(board.poll(Instant::now()));
    assert_eq!(
        board.runs[index].updates_done, 21,
        "a whole line counts, half a line waits"
    );
    assert_eq!(
        board.runs[index].status,
        Status::Running,
        "a half line of a live run is no error"
    );
    write!(loss, ",1\n0.3,final\n").unwrap();
    loss.flush().unwrap();
    let dir = live.join("valid/epoch-3");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Loss.log"), "0.123,500\n0.123,final\n").unwrap();
    assert!(board.poll(Instant::now()));
    let points = &board.runs[index].series[&Metric::valid_loss()];
    assert_eq!(points.last(), Some(&(22, 0.123)), "{points:?}");
    let mut state = ViewState::new(0, Grouping::Run);
    let screen = render(&board, &mut state);
    assert!(
        screen.contains("0.1230"),
        "the new best is in the table:\n{screen}"
    );
    // Nothing new: a poll reads nothing and says so.
    assert!(!board.poll(Instant::now()));
}

#[test]
fn a_malformed_line_marks_its_run_unreadable_and_the_others_keep_updating() {
    let tmp = tempfile::tempdir().unwrap();
    let live = fixture(tmp.path());
    let bad = tmp.path().join("beta=0.9,seed=43/valid/epoch-2/Loss.log");
    std::fs::write(&bad, "0.3,500\nnot-a-number\n0.3,final\n").unwrap();
    let mut board = Board::open(&[tmp.path().to_path_buf()]).unwrap();
    let unreadable: Vec<&super::run::LiveRun> = board
        .runs
        .iter()
        .filter(|r| matches!(r.status, Status::Unreadable(_)))
        .collect();
    assert_eq!(unreadable.len(), 1);
    let Status::Unreadable(why) = &unreadable[0].status else {
        unreachable!()
    };
    assert!(
        why.contains("valid/epoch-2/Loss.log") && why.contains("line 2"),
        "{why}"
    );
    // The other runs go on: the live one's new epoch is read.
    write_epoch(&live, 3, 10, 0.2, 0.2);
    assert!(board.poll(Instant::now()));
    let run = board.runs.iter().find(|r| r.dir == live).unwrap();
    assert_eq!(run.series[&Metric::valid_loss()].len(), 3);
    let mut state = ViewState::new(0, Grouping::Arm);
    let screen = render(&board, &mut state);
    assert!(
        screen.contains("unreadable") && screen.contains("line 2"),
        "{screen}"
    );
    let text = once(
        &board,
        &board.rows(&Metric::valid_loss(), Grouping::Arm),
        &Metric::valid_loss(),
    );
    assert!(
        text.contains("43: unreadable") && text.contains("line 2"),
        "{text}"
    );
}

#[test]
fn a_stopped_run_with_a_half_written_line_is_unreadable() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("plain");
    write_epoch(&run, 1, 5, 0.5, 0.4);
    let log = run.join("train/epoch-1/Loss.log");
    let text = std::fs::read_to_string(&log).unwrap() + "0.4";
    std::fs::write(&log, text).unwrap();
    // Its process is gone (no lock holder): an interrupted `experiments` run.
    std::fs::write(run.join("config.toml"), config(0.9, 42)).unwrap();
    let board = Board::open(&[tmp.path().to_path_buf()]).unwrap();
    let Status::Unreadable(why) = &board.runs[0].status else {
        panic!("{:?}", board.runs[0].status)
    };
    assert!(
        why.contains("half-written") && why.contains("line 7"),
        "{why}"
    );
}

#[test]
fn plain_burn_runs_count_updates_from_the_training_log() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("artifacts");
    for epoch in 1..=3 {
        write_epoch(&run, epoch, 7, 1.0 / epoch as f64, 2.0 / epoch as f64);
    }
    let board = Board::open(std::slice::from_ref(&run)).unwrap();
    let r = &board.runs[0];
    assert!(r.config.is_none());
    let points = &r.series[&Metric::valid_loss()];
    assert_eq!(
        points.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![7, 14, 21]
    );
    assert_eq!(r.updates_done, 21);
    // Just written: it counts as running until it has been quiet for a minute.
    assert_eq!(r.status, Status::Running);
    assert!(board.metrics().contains(&Metric::parse("train Loss")));
    assert!(
        !board.metrics().iter().any(|m| m.name.contains("finite")),
        "text metrics are not plotted"
    );
}

#[test]
fn no_runs_symlink_loops_and_thousands_of_runs_neither_hang_nor_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(empty.join("a/b")).unwrap();
    let err = Board::open(std::slice::from_ref(&empty))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no runs under"), "{err}");
    let err = Board::open(&[tmp.path().join("missing")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("no such directory"), "{err}");
    // A loop: a link back to the tree's top, found once.
    let tree = tmp.path().join("tree");
    write_epoch(&tree.join("run"), 1, 2, 0.5, 0.5);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&tree, tree.join("run-loop")).unwrap();
    let board = Board::open(&[tree.clone(), tree.clone()]).unwrap();
    assert_eq!(
        board.runs.len(),
        1,
        "{:?}",
        board.runs.iter().map(|r| &r.dir).collect::<Vec<_>>()
    );
    // Two thousand runs.
    let many = tmp.path().join("many");
    for i in 0..2000 {
        write_epoch(&many.join(format!("run-{i}")), 1, 1, 0.5, 0.5);
    }
    let started = Instant::now();
    let mut board = Board::open(&[many]).unwrap();
    assert_eq!(board.runs.len(), 2000);
    board.poll(Instant::now());
    let rows = board.rows(&Metric::valid_loss(), Grouping::Arm);
    assert_eq!(rows.len(), 2000, "plain Burn runs are arms of one");
    let mut state = ViewState::new(0, Grouping::Arm);
    let _ = render(&board, &mut state);
    assert!(started.elapsed().as_secs() < 120, "{:?}", started.elapsed());
}

#[test]
fn keys_switch_metric_arm_sort_scale_and_grouping() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let mut state = ViewState::new(0, Grouping::Arm);
    assert_eq!(
        state.key(key(KeyCode::Right), 3, 5),
        super::view::Action::Redraw
    );
    assert_eq!(state.metric, 1);
    state.key(key(KeyCode::Left), 3, 5);
    state.key(key(KeyCode::Left), 3, 5);
    assert_eq!(state.metric, 2, "wraps around");
    state.key(key(KeyCode::Down), 3, 2);
    state.key(key(KeyCode::Down), 3, 2);
    assert_eq!(state.selected, 1, "stops at the last row");
    state.key(key(KeyCode::Char('s')), 3, 2);
    state.key(key(KeyCode::Char('l')), 3, 2);
    state.key(key(KeyCode::Char('g')), 3, 2);
    assert!(state.sort == 1 && state.log_y && state.grouping == Grouping::Run);
    assert_eq!(
        state.key(key(KeyCode::Char('q')), 3, 2),
        super::view::Action::Quit
    );
    // Sorted by the best value, the best arm comes first.
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let board = Board::open(&[tmp.path().to_path_buf()]).unwrap();
    let mut state = ViewState::new(0, Grouping::Run);
    state.sort = 5;
    let frame = Frame::of(&board, &mut state);
    let bests: Vec<f64> = frame
        .rows
        .iter()
        .filter_map(|r| r.best.map(|b| b.mean))
        .collect();
    assert!(bests.windows(2).all(|w| w[0] <= w[1]), "{bests:?}");
    state.log_y = true;
    let screen = render(&board, &mut state);
    assert!(screen.contains("log scale"), "{screen}");
}
