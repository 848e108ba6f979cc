//! Every `experiments …` command shown in the README and `docs/` parses as written, names
//! configs and committed results that exist, and the read-only ones (`dashboard … --once`) run.

use std::path::{Path, PathBuf};

use clap::Parser;

use super::Cli;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shell lines of a Markdown file's `sh` blocks, with `\` continuations joined, comments
/// dropped and `$S` replaced by the block's last `S=…`.
fn shell_commands(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    let mut study = String::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_block = line.trim_start_matches('`').trim() == "sh" && !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let code = line.split(" #").next().unwrap_or("").trim_end();
        if let Some(head) = code.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        let command = format!("{pending}{code}").trim().to_string();
        pending.clear();
        if let Some(value) = command.strip_prefix("S=") {
            study = value.trim().to_string();
        } else if !command.is_empty() {
            commands.push(command.replace("$S", &study));
        }
    }
    commands
}

fn documented_commands() -> Vec<(String, Vec<String>)> {
    let root = repository();
    let mut pages = vec![root.join("README.md"), root.join("configs/README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut found = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for command in shell_commands(&text) {
            if command.starts_with("experiments ") {
                let words = shlex::split(&command)
                    .unwrap_or_else(|| panic!("{}: cannot split {command:?}", page.display()));
                found.push((format!("{}: {command}", page.display()), words));
            }
        }
    }
    found
}

#[test]
fn the_block_reader_joins_lines_and_substitutes_the_study() {
    let md = "```sh\nS=configs/a.toml   # kind\nexperiments study run $S \\\n    --jobs 2  # note\n```\n\n```text\nexperiments not-a-command\n```\n";
    assert_eq!(
        shell_commands(md),
        vec!["experiments study run configs/a.toml     --jobs 2"]
    );
}

#[test]
fn every_documented_command_parses_and_names_what_exists() {
    let commands = documented_commands();
    assert!(
        commands.len() >= 15,
        "only {} commands found",
        commands.len()
    );
    let root = repository();
    for (place, words) in &commands {
        if let Err(err) = Cli::try_parse_from(words) {
            panic!("{place}: does not parse:\n{err}");
        }
        // Inputs in the repository exist; outputs (`--out`, `--to`, `--svg`) need not.
        let mut previous = "";
        for word in words {
            let output = matches!(previous, "--out" | "--to" | "--svg");
            if !output && (word.starts_with("configs/") || word.starts_with("results/")) {
                assert!(root.join(word).exists(), "{place}: {word} does not exist");
            }
            previous = word;
        }
    }
}

#[test]
fn the_documented_read_only_commands_run() {
    let root = repository();
    let mut ran = 0;
    for (place, words) in documented_commands() {
        let read_only = words[1] == "dashboard" && words.iter().any(|w| w == "--once");
        if !read_only {
            continue;
        }
        let words: Vec<String> = words
            .iter()
            .map(|w| match w.starts_with("results/") {
                true => root.join(w).display().to_string(),
                false => w.clone(),
            })
            .collect();
        let code = Cli::try_parse_from(&words).unwrap().run();
        assert_eq!(code, std::process::ExitCode::SUCCESS, "{place}");
        ran += 1;
    }
    assert!(ran >= 2, "only {ran} read-only commands ran");
}
