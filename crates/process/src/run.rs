//! Running the process on a thread of its own, so the async runtime is never blocked and no
//! particular runtime is required.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroizing;

/// The most a process may print on standard output. Credential documents are well under a
/// kilobyte; anything this large is a runaway or hostile helper.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// How much of standard error is kept for an error message; the rest is read and dropped so the
/// child never blocks on a full pipe.
const MAX_STDERR_BYTES: usize = 64 * 1024;

/// How long to wait for standard error to close once the process has exited: a background child
/// of the helper may hold it open forever.
const STDERR_GRACE: Duration = Duration::from_secs(2);

/// Where the process's standard error goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StderrMode {
    /// The terminal's when standard error is a terminal (a helper may prompt there), captured
    /// otherwise.
    #[default]
    Auto,
    /// Always the terminal's (this process's standard error).
    Inherit,
    /// Always captured, to be shown in the error when the process fails.
    Capture,
}

impl StderrMode {
    fn inherits(self) -> bool {
        match self {
            StderrMode::Auto => {
                use std::io::IsTerminal;
                io::stderr().is_terminal()
            }
            StderrMode::Inherit => true,
            StderrMode::Capture => false,
        }
    }
}

/// The arguments as the CLI passes them: one word each on Unix (`execve`).
#[cfg(not(windows))]
fn pass_arguments(command: &mut Command, args: &[String]) {
    command.args(args);
}

/// The arguments as the CLI passes them on Windows: joined by `subprocess.list2cmdline` into
/// the command line `CreateProcess` receives, untouched by Rust's own quoting.
#[cfg(windows)]
fn pass_arguments(command: &mut Command, args: &[String]) {
    use std::os::windows::process::CommandExt;
    if !args.is_empty() {
        command.raw_arg(crate::list2cmdline(args));
    }
}

/// What a finished process left.
pub(crate) struct Finished {
    pub status: ExitStatus,
    /// Zeroized on drop: it holds the secrets.
    pub stdout: Zeroizing<Vec<u8>>,
    /// `None` when standard error went to the terminal.
    pub stderr: Option<Vec<u8>>,
}

/// Why the process did not finish normally.
pub(crate) enum RunFailure {
    /// It could not be started.
    Spawn(io::Error),
    /// It printed more than [`MAX_OUTPUT_BYTES`]; it was killed.
    TooMuchOutput,
    /// Reading its output or waiting for it failed.
    Io(io::Error),
}

/// Starts `argv` and collects its output. Blocking: called on a thread of its own.
pub(crate) fn run_blocking(
    argv: &[String],
    stderr_mode: StderrMode,
    profile_chain: Option<&str>,
) -> Result<Finished, RunFailure> {
    let (program, args) = argv
        .split_first()
        .expect("the caller checks argv is not empty");
    let capture_stderr = !stderr_mode.inherits();
    let mut command = Command::new(program);
    pass_arguments(&mut command, args);
    command
        // Like the CLI: the helper reads the same standard input (it may prompt).
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(if capture_stderr {
            Stdio::piped()
        } else {
            Stdio::inherit()
        });
    if let Some(chain) = profile_chain {
        command.env(crate::recursion::PROFILE_CHAIN_VAR, chain);
    }
    let mut child = command.spawn().map_err(RunFailure::Spawn)?;

    let stderr_rx = child.stderr.take().map(|mut pipe| {
        let (tx, rx) = mpsc::channel();
        // A thread, not the caller's: both pipes must drain at once or a chatty helper blocks.
        let spawned = std::thread::Builder::new()
            .name("credential_process stderr".into())
            .spawn(move || {
                let mut kept = Vec::new();
                let result = (&mut pipe)
                    .take(MAX_STDERR_BYTES as u64)
                    .read_to_end(&mut kept)
                    .and_then(|_| io::copy(&mut pipe, &mut io::sink()));
                let _ = tx.send(result.map(|_| kept));
            });
        (spawned, rx)
    });

    let mut stdout = Zeroizing::new(Vec::new());
    let read = match child.stdout.take() {
        Some(pipe) => pipe
            .take(MAX_OUTPUT_BYTES as u64 + 1)
            .read_to_end(&mut stdout),
        None => Ok(0),
    };
    if let Err(e) = read {
        kill(&mut child);
        return Err(RunFailure::Io(e));
    }
    if stdout.len() > MAX_OUTPUT_BYTES {
        kill(&mut child);
        return Err(RunFailure::TooMuchOutput);
    }
    let status = child.wait().map_err(RunFailure::Io)?;
    let stderr = match stderr_rx {
        None => None,
        Some((Err(_), _)) => Some(Vec::new()),
        Some((Ok(_thread), rx)) => Some(
            rx.recv_timeout(STDERR_GRACE)
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default(),
        ),
    };
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
