//! Command-line behaviour every subcommand shares.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// `experiments study plan … | head -1`: the reader goes away before the output is written.
/// The program must end quietly (killed by SIGPIPE, as other tools are, or exit 0), never
/// panic with "failed printing to stdout: Broken pipe".
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/study-refresh-v2.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_experiments"))
        .args(["study", "plan"])
        .arg(&config)
        .args(["--profile", "full"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before the program writes a line
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        status.success() || status.signal() == Some(libc::SIGPIPE),
        "{status:?}: {stderr}"
    );
}
