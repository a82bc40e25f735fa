//! Project automation, run as `cargo xtask <task>` (the alias lives in `.cargo/config.toml`).
//!
//! - `demo`: shows the product working on a fresh machine (temporary home, example files).
//! - `ci`: every check CI runs, in order, stopping at the first failure.
//! - `fuzz [--seconds N] [--jobs J] [TARGET]`: runs the cargo-fuzz targets of `fuzz/`.
//! - `bench [--quick]`: speed and footprint against the AWS SDK for Rust and botocore (bench.rs).
//! - `dist`: the shipped `awscred` binary (a static musl build on Linux), and `awscred.exe`
//!   for Windows where mingw-w64 is installed.

mod bench;
mod ci;
mod demo;
mod dist;
mod fake;
mod fuzz;
mod quiet;
mod side;
mod windows;
mod windows_compare;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  demo                        build the awscred binary and run it on example configurations
                              (a temporary home; nothing outside it is read or written)
  ci [--keep-going] [--skip NAME] [--only NAME]
                              fmt, clippy, python venv, tests, doc tests, per-feature builds of
                              the chain, clippy and the tests of the Windows build (under Wine,
                              where mingw-w64 and Wine are installed), the macOS crates clear of
                              ring, docs, and a 5 s fuzz smoke run; stops at the first failure
                              (--keep-going: runs every check; --skip: leaves out the checks whose
                              name starts with NAME; --only: runs only those). The fuzz run and
                              the Windows tests run beside the others, each into
                              target/ci/NAME.log, shown when it ends
  fuzz [--seconds N] [--jobs J] [TARGET]
                              build every fuzz target of fuzz/ (one cargo-fuzz project), then run
                              each (or only TARGET) for N seconds (default 60), J at a time
                              (default 1; more: each writes to target/fuzz/logs/TARGET.log)
  bench [--quick] [--runs N]  speed and footprint, side by side with the AWS SDK for Rust and
                              botocore measured in the same run: a table, target/bench/results.json
                              and docs/performance.md (--quick: fewer runs, no clean builds)
  dist                        build the awscred binary as shipped (dist profile; a static musl
                              build on Linux) and print its path; awscred.exe for Windows too
                              when mingw-w64 and the x86_64-pc-windows-gnu target are installed
  windows-compare             awscred.exe under Wine and the Linux awscred on the recorded
                              cross-SDK cases without network: the same answers, or a failure
                              listing the differences (part of `ci`)
  help                        this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match task.as_str() {
        "demo" => demo::run(rest),
        "ci" => ci::run(rest),
        "fuzz" => fuzz::run(rest),
        "bench" => bench::run(rest),
        "dist" => dist::run(rest),
        "windows-compare" => windows::compare(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {task}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace's top directory.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits one level below the workspace")
        .to_path_buf()
}

/// The cargo that runs this task (so a `+toolchain` choice carries over), in the workspace root.
pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command with inherited stdio; an error names the command when it fails.
pub(crate) fn run_status(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

/// `program arg arg...`, for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// The directory cargo builds into.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}
