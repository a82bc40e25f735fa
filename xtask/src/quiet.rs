//! Commands run without their output: builds and tools whose pages of progress would bury the
//! figures (`bench`, `dist`). A failure is the command and the first compiler error.

use std::process::{Command, Stdio};

use crate::describe;

/// Runs `cmd`, returning its standard output; a failure carries both outputs.
pub(crate) fn output_of(cmd: &mut Command) -> Result<String, String> {
    let output = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(cmd)))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{} failed: {}{}",
            describe(cmd),
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

/// Runs a build or tool without its output; an error is the command and its first compiler
/// error.
pub(crate) fn run_quiet(cmd: &mut Command) -> Result<(), String> {
    output_of(cmd).map(drop).map_err(|e| first_error(&e))
}

/// The command and the first compiler error of a failed build, not pages of it.
pub(crate) fn first_error(text: &str) -> String {
    let head = text.lines().next().unwrap_or("").to_owned();
    let error = text
        .lines()
        .filter_map(|l| {
            let message = serde_json::from_str::<serde_json::Value>(l).ok()?;
            message["message"]["rendered"].as_str().map(str::to_owned)
        })
        .find(|r| r.starts_with("error"))
        .or_else(|| {
            text.lines()
                .find(|l| l.trim_start().starts_with("error"))
                .map(str::to_owned)
        });
    match error {
        Some(e) => format!(
            "{head} | {}",
            e.lines().take(3).collect::<Vec<_>>().join(" ")
        ),
        None => head.chars().take(400).collect(),
    }
}
