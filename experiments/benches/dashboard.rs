//! What following many runs costs the dashboard: 200 runs × 1 000 evaluations each in Burn's
//! log layout (an `epoch-N` directory per evaluation, as `experiments` and Burn's
//! `FileMetricLogger` write them), 20 of them still training (a writer appends an evaluation to
//! one of them every 50 ms). Measures the first read, a poll of every run, frames per second
//! (rows rebuilt from the board and drawn on a 200×50 `TestBackend`, one poll a second as the
//! terminal loop does), and the process's peak resident memory.
//!
//!     cargo bench -p bba-experiments --bench dashboard [-- RUNS EVALUATIONS]

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bba_experiments::dashboard::Frame;
use bba_experiments::dashboard::board::{Board, Grouping};
use bba_experiments::dashboard::view::ViewState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ITERATIONS: usize = 4;

fn write_epoch(run: &Path, epoch: usize, loss: f64) {
    let train = run.join(format!("train/epoch-{epoch}"));
    std::fs::create_dir_all(&train).unwrap();
    let mut text = format!("{loss},1\n").repeat(ITERATIONS);
    text += &format!("{loss},final\n");
    std::fs::write(train.join("Loss.log"), text).unwrap();
    let valid = run.join(format!("valid/epoch-{epoch}"));
    std::fs::create_dir_all(&valid).unwrap();
    std::fs::write(
        valid.join("Loss.log"),
        format!("{loss},100\n{loss},final\n"),
    )
    .unwrap();
}

fn config(arm: usize, seed: usize, updates: usize) -> String {
    format!(
        "name = \"bench\"\nseed = {seed}\n[data]\ndataset = \"mnist\"\n[model]\nkind = \"cnn\"\n\
         [optimizer]\nkind = \"balanced_adam\"\nbeta = 0.{arm:02}\n[schedule]\nkind = \"constant\"\n\
         lr = 0.001\n[training]\nbatch_size = 32\nupdates = {updates}\neval_every = {ITERATIONS}\n"
    )
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let runs = args.first().copied().unwrap_or(200);
    let evaluations = args.get(1).copied().unwrap_or(1000);
    let live = runs / 10;
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    for r in 0..runs {
        let run = tmp.path().join(format!("arm-{}/seed-{}", r / 10, r % 10));
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(
            run.join("config.toml"),
            config(r / 10, r % 10, 2 * evaluations * ITERATIONS),
        )
        .unwrap();
        if r < live {
            std::fs::write(run.join(".lock"), std::process::id().to_string()).unwrap();
        }
        for e in 1..=evaluations {
            write_epoch(&run, e, 1.0 / (e as f64).sqrt() + r as f64 * 1e-3);
        }
    }
    println!(
        "fixture: {runs} runs × {evaluations} evaluations ({live} training), written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut board = Board::open(&[tmp.path().to_path_buf()]).unwrap();
    println!(
        "first read of every run: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    board.poll(Instant::now());
    println!(
        "a poll of every run with nothing new: {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    // The live runs keep training: an evaluation every 50 ms, round robin.
    let stop = AtomicBool::new(false);
    let root = tmp.path().to_path_buf();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut next = vec![evaluations + 1; live];
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = i % live;
                let run = root.join(format!("arm-{}/seed-{}", r / 10, r % 10));
                write_epoch(&run, next[r], 0.5);
                next[r] += 1;
                i += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        let mut state = ViewState::new(0, Grouping::Arm);
        let (mut frames, mut polls, mut poll_time) = (0u32, 0u32, Duration::ZERO);
        let mut last_poll = Instant::now();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if last_poll.elapsed() >= Duration::from_secs(1) {
                let t = Instant::now();
                board.poll(t);
                poll_time += t.elapsed();
                polls += 1;
                last_poll = Instant::now();
            }
            let frame = Frame::of(&board, &mut state);
            terminal.draw(|f| frame.draw(f, &state)).unwrap();
            frames += 1;
        }
        stop.store(true, Ordering::Relaxed);
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "following: {:.1} frames/s ({frames} frames in {seconds:.1} s), {polls} polls of {:.1} ms each",
            frames as f64 / seconds,
            poll_time.as_secs_f64() * 1e3 / polls.max(1) as f64
        );
    });
    let grown: usize = board.runs.iter().map(|r| r.updates_done as usize).sum();
    println!("updates read at the end: {grown}");
    match peak_rss_mb() {
        Some(mb) => println!("peak resident memory: {mb:.0} MB"),
        None => println!("peak resident memory: not available on this system"),
    }
}
