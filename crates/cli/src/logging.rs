//! `--debug` and `AWSCRED_LOG`: `tracing` output on stderr, off unless asked for.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Turns logging on when `AWSCRED_LOG` holds a filter (`trace`, `awscred_chain=debug,info`) or
/// `--debug` was given (everything at `debug`). `AWSCRED_LOG` wins when both are there, being
/// the more precise. A filter that does not parse is reported and logging stays off.
pub(crate) fn init(debug: bool, awscred_log: Option<String>) {
    let directives = match awscred_log.filter(|v| !v.trim().is_empty()) {
        Some(directives) => directives,
        None if debug => "debug".to_owned(),
        None => return,
    };
    let filter = match EnvFilter::builder().parse(&directives) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("awscred: ignoring AWSCRED_LOG={directives:?}: {e}");
            return;
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
