//! `awscred exec --server -- COMMAND`: the command gets a private container-credentials
//! endpoint instead of keys.
//!
//! The endpoint is [`crate::server`]'s (the one `serve` runs): 127.0.0.1, a port the OS picks, a
//! random token; the command's environment has `AWS_CONTAINER_CREDENTIALS_FULL_URI`,
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` and the region, and none of the variables `exec` removes
//! (no keys at all). The endpoint refreshes through the chain's cache, and long-term keys are
//! served as a session, so a command of any length never sees expired credentials. It lives
//! exactly as long as the command: started before it, closed when it ends.
//!
//! awscred cannot replace itself with the command here (it has to keep serving), so it starts
//! the command, passes SIGINT, SIGTERM, SIGHUP and SIGQUIT on to it (as aws-vault does; a
//! terminal's Ctrl-C reaches the command twice, from the terminal and from awscred, so it
//! only matters to commands that count their interrupts), and exits with its status: its exit
//! code, or 128 + N when signal N ended it, as a shell reports it.

use std::ffi::OsString;
use std::sync::Arc;

use awscred_core::{Env, ProvideCredentials};

use crate::child;
use crate::export;
use crate::failure::Failure;
use crate::globals::{self, Globals};
use crate::server::{self, Endpoint, Supply};

/// Runs the command with its endpoint; returns its exit status (or awscred's, when nothing could
/// be started).
pub(crate) fn run(globals: &Globals, env: &Env, program: &OsString, args: &[OsString]) -> u8 {
    let chain = Arc::new(globals.chain(env));
    let started = globals::check_profile_exists(globals, env, &chain).and_then(|()| {
        crate::runtime::block_on(async {
            let region = chain.region();
            let provider = server::session_provider(chain, env)?;
            let creds = export::checked(provider.provide_credentials().await, env)?;
            tracing::debug!(provider = creds.provider(), "credentials resolved");
            let endpoint = Endpoint::bind(Supply::new(provider, Some(creds))).await?;
            let mut process = child::prepared(program, args);
            process
                .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.uri())
                .env(
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                    endpoint.token().expose(),
                );
            if let Some(region) = region {
                process
                    .env("AWS_REGION", &region)
                    .env("AWS_DEFAULT_REGION", &region);
            }
            Ok(run_with(endpoint, process, program).await)
        })?
    });
    match started {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

/// Starts the command, serves while it runs, and returns its status.
async fn run_with(endpoint: Endpoint, process: std::process::Command, program: &OsString) -> u8 {
    #[cfg(unix)]
    let mut signals = {
        use crate::signals::{Listener, SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        // Listening before the command starts: a signal from then on is passed on, not lost.
        match Listener::new(&[SIGINT, SIGTERM, SIGHUP, SIGQUIT]) {
            Ok(signals) => signals,
            Err(e) => {
                return Failure::General(format!("cannot listen for signals: {e}")).report();
            }
        }
    };
    // Windows: the console sends Ctrl-C and Ctrl-Break to the command itself; awscred goes on
    // serving until the command ends.
    #[cfg(windows)]
    if let Err(e) = crate::exec_windows::hold_off_ctrl_events() {
        return Failure::General(format!("cannot listen for Ctrl-C: {e}")).report();
    }
    let mut child = match tokio::process::Command::from(process).spawn() {
        Ok(child) => child,
        Err(e) => return child::cannot_run(program, &e),
    };
    #[cfg(unix)]
    let pid = child.id();
    let waited = server::until(
        async {
            #[cfg(unix)]
            loop {
                let wait = child.wait();
                let signal = signals.next();
                match server::first(wait, signal).await {
                    Ok(status) => return status,
                    Err(n) => forward(pid, n),
                }
            }
            #[cfg(not(unix))]
            child.wait().await
        },
        endpoint.serve(),
    )
    .await;
    match waited {
        Ok(status) => status_code(status),
        Err(e) => {
            Failure::General(format!("waiting for {}: {e}", program.to_string_lossy())).report()
        }
    }
}

#[cfg(unix)]
fn forward(pid: Option<u32>, signal: i32) {
    let target = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw);
    let signal = rustix::process::Signal::from_named_raw(signal);
    if let (Some(pid), Some(signal)) = (target, signal) {
        tracing::debug!(?signal, "passing the signal on to the command");
        // The command may have just ended: nothing to do then.
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// The status a shell would report for the command.
fn status_code(status: std::process::ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(n) = status.signal() {
            return 128u8.saturating_add(u8::try_from(n).unwrap_or(127));
        }
    }
    // Exit statuses beyond 255 (Windows) end as 255, the general error.
    status
        .code()
        .map_or(255, |c| u8::try_from(c).unwrap_or(255))
}
