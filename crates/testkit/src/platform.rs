//! What differs between the platforms in tests: the variable that names the home directory and
//! the helper programs a `credential_process` line can start.

use std::path::Path;

/// The variable the CLI takes the home directory from: `HOME` on Unix; `USERPROFILE` on
/// Windows, where Python's `ntpath.expanduser` (3.8 and later) ignores `HOME`. Tests that give a
/// child process a temporary home set this one.
pub const HOME_VAR: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

/// Writes a helper program into `dir` that prints `stdout` (as is) and `stderr` (a line) and
/// exits with `code`, and returns the `credential_process` line that starts it: `sh FILE` on
/// Unix, `cmd /c FILE` on Windows (a batch file: the CLI starts no shell, so the line names
/// the interpreter itself). `name` is the file name without its extension.
pub fn credential_helper(dir: &Path, name: &str, stdout: &str, stderr: &str, code: i32) -> String {
    let write = |file: &Path, text: &str| {
        std::fs::create_dir_all(dir).expect("helper dir");
        std::fs::write(file, text).expect("helper file");
    };
    // The output goes into a file of its own that the helper copies out byte for byte: no
    // quoting rules of either shell apply to it.
    let out = dir.join(format!("{name}.out"));
    write(&out, stdout);
    if cfg!(windows) {
        let script = dir.join(format!("{name}.cmd"));
        let mut text = format!("@echo off\r\ntype \"{}\"\r\n", out.display());
        if !stderr.is_empty() {
            text.push_str(&format!("echo {stderr} 1>&2\r\n"));
        }
        text.push_str(&format!("exit /b {code}\r\n"));
        write(&script, &text);
        format!("cmd /c \"{}\"", script.display())
    } else {
        let script = dir.join(format!("{name}.sh"));
        let mut text = format!("cat '{}'\n", out.display());
        if !stderr.is_empty() {
            text.push_str(&format!("echo '{stderr}' >&2\n"));
        }
        text.push_str(&format!("exit {code}\n"));
        write(&script, &text);
        format!("sh {}", script.display())
    }
}

/// Runs the batch file `path` with `cmd /c`, in an environment of `SystemRoot` alone (nothing
/// of the caller's `AWS_*` variables), and returns what it printed on stdout. Windows only.
#[cfg(windows)]
pub fn run_batch_file(path: &Path) -> String {
    let out = std::process::Command::new("cmd")
        .arg("/c")
        .arg(path)
        .env_clear()
        .env(
            "SystemRoot",
            std::env::var_os("SystemRoot").unwrap_or_default(),
        )
        .output()
        .expect("cmd runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The variables a Windows program cannot do without: Winsock does not start without
/// `SystemRoot`, and the temporary directory comes from `TEMP`/`TMP`.
const WINDOWS_ESSENTIALS: &[&str] = &["SystemRoot", "windir", "TEMP", "TMP"];

/// [`Command::env_clear`](std::process::Command::env_clear) that keeps what the platform needs
/// to run a program at all: nothing on Unix; on Windows the variables without which sockets and
/// temporary files fail (none of them is read by the CLI's credential resolution).
pub trait ClearEnv {
    /// Clears the child's environment but for the platform's essentials.
    fn env_clear_but_essentials(&mut self) -> &mut Self;
}

impl ClearEnv for std::process::Command {
    fn env_clear_but_essentials(&mut self) -> &mut Self {
        self.env_clear();
        if cfg!(windows) {
            for name in WINDOWS_ESSENTIALS {
                if let Some(value) = std::env::var_os(name) {
                    self.env(name, value);
                }
            }
        }
        self
    }
}

/// The variables of a recorded cross-SDK case (`env.json`) as the CLI on this platform needs
/// them: the suites give the home directory as `HOME` only, which the CLI ignores on Windows,
/// so there the same directory is given as `USERPROFILE` too (unless the case sets one).
pub fn suite_vars(vars: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = vars.into_iter().collect();
    let home = vars
        .iter()
        .find(|(k, _)| k == "HOME")
        .map(|(_, v)| v.clone());
    if cfg!(windows)
        && !vars.iter().any(|(k, _)| k == "USERPROFILE")
        && let Some(home) = home
    {
        vars.push(("USERPROFILE".to_owned(), home));
    }
    vars
}
