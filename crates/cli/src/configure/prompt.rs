//! The CLI's `compat_input`: the prompt on stdout, one line from stdin, whether or not stdin is
//! a terminal. End of input is the CLI's "EOF when reading a line" (exit 255) before anything is
//! written; Ctrl-C ends the process by its signal, also before anything is written, since every
//! command here writes only once all its answers are in.

use std::io::{BufRead, Write};

use crate::failure::Failure;

/// Prints `prompt` and reads one line; the line without its terminator (`""` for an empty
/// answer).
pub(crate) fn ask(prompt: &str) -> Result<String, Failure> {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(prompt.as_bytes());
    let _ = out.flush();
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::General(format!("cannot read the answer: {e}")))?;
    if read == 0 {
        return Err(Failure::General("EOF when reading a line".to_owned()));
    }
    let answer = line.strip_suffix('\n').unwrap_or(&line);
    Ok(answer.strip_suffix('\r').unwrap_or(answer).to_owned())
}

/// An error the CLI writes with `write_error` before it returns 1: the message as every error
/// is written, then exit status 1.
pub(crate) fn error_with_status_1(message: &str) -> u8 {
    let _ = std::io::stderr()
        .lock()
        .write_all(Failure::General(message.to_owned()).render().as_bytes());
    1
}
