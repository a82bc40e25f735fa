//! `exec` on Windows, which has no `exec`: the command is started as a child and awscred waits
//! for it, then ends with its status.
//!
//! Ctrl-C and Ctrl-Break reach every process attached to the console, so the command gets them
//! itself, as it would if it had been started directly; awscred must only not die of them while
//! the command decides what to do. Listening for the two events (tokio's console handler)
//! marks them handled for awscred, which goes on waiting; the command's own handling (ending, or
//! not) then decides the status awscred ends with.

use std::io;
use std::process::Command;

/// Starts `process`, waits for it with Ctrl-C and Ctrl-Break held off, and returns its exit
/// status as awscred's (a status beyond 255, such as `STATUS_CONTROL_C_EXIT`, ends as 255,
/// the general error). The error is the one of starting it.
pub(crate) fn run(mut process: Command) -> io::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let _context = runtime.enter();
    // Kept until the command ends: while a listener exists, the events are handled here.
    let _ctrl_c = tokio::signal::windows::ctrl_c()?;
    let _ctrl_break = tokio::signal::windows::ctrl_break()?;
    let status = process.status()?;
    Ok(status
        .code()
        .map_or(255, |c| u8::try_from(c).unwrap_or(255)))
}
