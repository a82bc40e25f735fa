//! The signals that stop `serve` and that `exec --server` passes to its child.
//!
//! Handlers are installed rather than relying on the default action: a program started in the
//! background by a non-interactive shell (or under `nohup`) inherits SIGINT (and SIGHUP) as
//! ignored, and installing a handler takes the signal back.

/// The signals awscred listens for, each with its number.
#[cfg(unix)]
pub(crate) struct Listener {
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

#[cfg(unix)]
impl Listener {
    /// Listens for `signals` (numbers such as `libc`'s SIGINT = 2) from now on. Must run inside
    /// the tokio runtime.
    pub(crate) fn new(signals: &[i32]) -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = signals
            .iter()
            .map(|&n| signal(SignalKind::from_raw(n)).map(|s| (n, s)))
            .collect::<std::io::Result<_>>()?;
        Ok(Listener { streams })
    }

    /// The next signal received.
    pub(crate) async fn next(&mut self) -> i32 {
        std::future::poll_fn(|cx| {
            for (n, stream) in &mut self.streams {
                if stream.poll_recv(cx).is_ready() {
                    return std::task::Poll::Ready(*n);
                }
            }
            std::task::Poll::Pending
        })
        .await
    }
}

/// SIGHUP, as a number (the signals' numbers are the same on every Unix awscred builds for).
#[cfg(unix)]
pub(crate) const SIGHUP: i32 = 1;
/// SIGINT.
pub(crate) const SIGINT: i32 = 2;
/// SIGQUIT.
#[cfg(unix)]
pub(crate) const SIGQUIT: i32 = 3;
/// SIGTERM.
#[cfg(unix)]
pub(crate) const SIGTERM: i32 = 15;

/// SIGINT and SIGTERM (Ctrl-C on Windows), listened for from [`Stop::new`] on.
pub(crate) struct Stop {
    #[cfg(unix)]
    listener: Listener,
    /// From the start, so that a Ctrl-C right after the endpoint is announced ends awscred with
    /// 130 too, not by the console's default action.
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Stop {
    /// Starts listening; must run inside the tokio runtime.
    pub(crate) fn new() -> std::io::Result<Self> {
        Ok(Stop {
            #[cfg(unix)]
            listener: Listener::new(&[SIGINT, SIGTERM])?,
            #[cfg(windows)]
            ctrl_c: tokio::signal::windows::ctrl_c()?,
        })
    }

    /// Waits for one of the signals; returns the status to exit with, 128 + the signal's
    /// number, as a shell reports a command a signal ended (Ctrl-C counts as SIGINT).
    pub(crate) async fn wait(&mut self) -> u8 {
        #[cfg(unix)]
        let n = self.listener.next().await;
        #[cfg(windows)]
        let n = match self.ctrl_c.recv().await {
            Some(()) => SIGINT,
            // The listener ended (it does not while the process runs): serve until killed.
            None => std::future::pending().await,
        };
        128 + u8::try_from(n).unwrap_or(0)
    }
}
