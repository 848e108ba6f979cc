//! The package clients a source runs (npm, apt-get + dpkg-deb, pip, curl) and archive readers
//! for what they download. Each failure becomes one line for the "every source failed" report.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a client; a missing program or a non-zero exit becomes a one-line reason.
pub(crate) fn run(program: &str, args: &[&str], cwd: &Path) -> Result<Vec<u8>, String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|err| format!("`{program}` could not be started ({err}); is it installed?"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        Err(format!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            output.status,
            last.trim()
        ))
    }
}

/// The single file with `extension` that a client left in `dir`.
pub(crate) fn downloaded(dir: &Path, extension: &str) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.to_string_lossy().ends_with(extension))
        .ok_or_else(|| format!("the client left no *{extension} file in {}", dir.display()))
}

/// `npm pack NAME@VERSION` into `dir`; returns the tarball.
pub(crate) fn npm_pack(package: &str, dir: &Path) -> Result<PathBuf, String> {
    let destination = dir.to_string_lossy();
    run(
        "npm",
        &[
            "pack",
            package,
            "--silent",
            "--pack-destination",
            &destination,
        ],
        dir,
    )?;
    downloaded(dir, ".tgz")
}

/// `apt-get download PACKAGE` into `dir`; returns the .deb.
pub(crate) fn apt_download(package: &str, dir: &Path) -> Result<PathBuf, String> {
    run("apt-get", &["download", "-q", package], dir)
        .map_err(|err| format!("{err} (run `apt-get update` once if the package is unknown)"))?;
    downloaded(dir, ".deb")
}

/// `pip download --no-deps REQUIREMENT` into `dir`; returns the wheel.
pub(crate) fn pip_download(requirement: &str, dir: &Path) -> Result<PathBuf, String> {
    let destination = dir.to_string_lossy();
    let args = [
        "-m",
        "pip",
        "download",
        "--no-deps",
        "-q",
        "-d",
        &destination,
        requirement,
    ];
    run("python3", &args, dir)?;
    downloaded(dir, ".whl")
}

/// `curl URL` into a file of `dir` (so the fetch counts its bytes as they arrive), then memory.
pub(crate) fn curl(url: &str, dir: &Path) -> Result<Vec<u8>, String> {
    let name: String = url
        .rsplit('/')
        .next()
        .unwrap_or("download")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let file = dir.join(format!("curl-{name}"));
    let out = file.to_string_lossy();
    let args = [
        "-fsSL",
        "--retry",
        "2",
        "--max-time",
        "600",
        "-o",
        &out,
        url,
    ];
    run("curl", &args, dir)?;
    std::fs::read(&file).map_err(|err| format!("{}: {err}", file.display()))
}

/// The named members of a gzipped tar archive (an npm tarball).
pub(crate) fn tgz_members(archive: &Path, wanted: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    let file =
        std::fs::File::open(archive).map_err(|err| format!("{}: {err}", archive.display()))?;
    tar_members(flate2::read::GzDecoder::new(file), wanted, archive)
}

/// The named members of a Debian package's data archive (through `dpkg-deb --fsys-tarfile`).
pub(crate) fn deb_members(deb: &Path, wanted: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    let deb_path = deb.to_string_lossy();
    let tar = run(
        "dpkg-deb",
        &["--fsys-tarfile", &deb_path],
        deb.parent().unwrap_or(Path::new(".")),
    )?;
    tar_members(tar.as_slice(), wanted, deb)
}

fn tar_members(reader: impl Read, wanted: &[&str], archive: &Path) -> Result<Vec<Vec<u8>>, String> {
    let mut found: Vec<Option<Vec<u8>>> = vec![None; wanted.len()];
    let mut tar = tar::Archive::new(reader);
    let entries = tar
        .entries()
        .map_err(|err| format!("{}: not a tar archive ({err})", archive.display()))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|err| format!("{}: damaged archive ({err})", archive.display()))?;
        let path = entry
            .path()
            .map_err(|err| err.to_string())?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        if let Some(i) = wanted.iter().position(|w| *w == path) {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|err| format!("{}: {path}: {err}", archive.display()))?;
            found[i] = Some(bytes);
        }
    }
    found
        .into_iter()
        .zip(wanted)
        .map(|(bytes, name)| {
            bytes.ok_or_else(|| format!("{} has no member {name}", archive.display()))
        })
        .collect()
}

/// Every member of a wheel (zip) whose path starts with `prefix` and ends with `suffix`,
/// sorted by path, as (path, text).
pub(crate) fn wheel_texts(
    wheel: &Path,
    prefix: &str,
    suffix: &str,
) -> Result<Vec<(String, String)>, String> {
    let file = std::fs::File::open(wheel).map_err(|err| format!("{}: {err}", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|err| format!("{}: not a wheel ({err})", wheel.display()))?;
    let mut names: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .map(String::from)
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let mut text = String::new();
            zip.by_name(&name)
                .map_err(|err| err.to_string())?
                .read_to_string(&mut text)
                .map_err(|err| format!("{}: {name}: {err}", wheel.display()))?;
            Ok((name, text))
        })
        .collect()
}
