//! `awscred serve`: a container-credentials endpoint on the loopback interface, so that any SDK
//! (or a second awscred) gets the profile's credentials through its container tier
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
//!
//! The endpoint is [`crate::server`]'s (shared with `exec --server`): its bounds (request head,
//! answer deadline, connection cap) and its static stability are documented there. Requests go
//! through the chain, whose cache refreshes the credentials with the CLI's windows, so clients
//! always get fresh ones. Long-term keys, which the container format cannot carry, are made into
//! a session first ([`server::session_provider`]). SIGINT and SIGTERM end it with 128 + the signal's number, even when it
//! was started with SIGINT ignored.

use std::io::Write;
use std::sync::Arc;

use awscred_core::{Env, ProvideCredentials};
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::export;
use crate::failure::Failure;
use crate::globals::{self, Globals};
use crate::server::{self, Endpoint, Supply};
use crate::signals::Stop;

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    globals::command("serve")
        .about("Serve the credentials on a local container-credentials endpoint")
        .long_about(
            "Serve the credentials on a local container-credentials endpoint (127.0.0.1, a random \
             port and a random bearer token). Prints `export AWS_CONTAINER_CREDENTIALS_FULL_URI=...` \
             and `export AWS_CONTAINER_AUTHORIZATION_TOKEN=...` for the shell that runs the SDKs \
             (with --json, one JSON line), then serves until SIGINT or SIGTERM. Every request goes \
             through the chain's cache, which refreshes the credentials before they expire; while \
             a refresh is slow or failing, credentials that are still valid are served. \
             Long-term keys are served as a session (STS GetSessionToken, cached in \
             ~/.aws/cli/cache).",
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help(
                    "Print one JSON line instead: {\"AWS_CONTAINER_CREDENTIALS_FULL_URI\": ..., \
                     \"AWS_CONTAINER_AUTHORIZATION_TOKEN\": ..., \"pid\": ...}",
                ),
        )
}

/// Serves until a signal; returns the exit status.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    let json = matches.get_flag("json");
    match serve(globals, env, json) {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

fn serve(globals: &Globals, env: &Env, json: bool) -> Result<u8, Failure> {
    let chain = Arc::new(globals.chain(env));
    globals::check_profile_exists(globals, env, &chain)?;
    // One runtime for everything: the HTTP client's pooled connections belong to the runtime
    // that opened them, and the first resolution's are reused by the refreshes.
    crate::runtime::block_on(async move {
        let mut stop =
            Stop::new().map_err(|e| Failure::General(format!("cannot listen for signals: {e}")))?;
        let profile = chain.profile_name();
        let provider = server::session_provider(chain, env)?;
        // Fails now, with the CLI's message and status, rather than on every request.
        let creds = export::checked(provider.provide_credentials().await, env)?;
        let endpoint = Endpoint::bind(Supply::new(provider, Some(creds))).await?;
        announce(&endpoint, json)?;
        eprintln!(
            "awscred: serving the credentials of profile {profile} on {} until Ctrl-C (SIGINT) or SIGTERM",
            endpoint.uri()
        );
        let code = server::until(stop.wait(), endpoint.serve()).await;
        tracing::debug!(code, "stopped by a signal");
        Ok(code)
    })?
}

/// Prints where the endpoint is and its token.
fn announce(endpoint: &Endpoint, json: bool) -> Result<(), Failure> {
    let (uri, token) = (endpoint.uri(), endpoint.token().expose());
    let text = if json {
        let mut line =
            zeroize::Zeroizing::new(String::from("{\"AWS_CONTAINER_CREDENTIALS_FULL_URI\":"));
        awscred_core::pyjson::write_str(&mut line, &uri);
        line.push_str(",\"AWS_CONTAINER_AUTHORIZATION_TOKEN\":");
        awscred_core::pyjson::write_str(&mut line, token);
        line.push_str(&format!(",\"pid\":{}}}\n", std::process::id()));
        line
    } else {
        zeroize::Zeroizing::new(format!(
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI={uri}\n\
             export AWS_CONTAINER_AUTHORIZATION_TOKEN={token}\n"
        ))
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::General(format!("cannot write to stdout: {e}")))
}
