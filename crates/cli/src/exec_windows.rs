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
    hold_off_ctrl_events()?;
    let status = process.status()?;
    Ok(status
        .code()
        .map_or(255, |c| u8::try_from(c).unwrap_or(255)))
}

/// Holds off Ctrl-C and Ctrl-Break from now until the process ends: a listener for each event
/// marks it handled in awscred, which goes on waiting for its command (which gets the event
/// itself). The listeners are never dropped: the console runs each process's handler on a
/// thread of its own, in no set order, so the handler may run after the command has ended and
/// awscred is on its way out, and without a listener then the default action would end awscred
/// with its own status instead of the command's. Must run inside the tokio runtime, before the
/// command starts.
pub(crate) fn hold_off_ctrl_events() -> io::Result<()> {
    let listeners = (
        tokio::signal::windows::ctrl_c()?,
        tokio::signal::windows::ctrl_break()?,
    );
    std::mem::forget(listeners);
    Ok(())
}
