//! `awscred export-credentials`: `aws configure export-credentials`, byte for byte.

use std::io::Write;

use awscred_core::Env;
use clap::{Arg, ArgMatches, Command};

use crate::cli::{self, Globals};
use crate::failure::Failure;
use crate::format::Format;

/// botocore's error for credentials that are still expired after a refresh. The CLI meets it
/// while reading the credentials, after its "Unable to retrieve credentials" handling, so it ends
/// the command with the general exit status, 255. The chain's refresh cache reports it with this
/// text first (then when they expired and which tier answered); expired credentials that reach
/// the CLI without passing a refresh are refused with it too.
const STILL_EXPIRED: &str =
    "Credentials were refreshed, but the refreshed credentials are still expired.";

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    Command::new("export-credentials")
        .about(
            "Print the credentials the AWS CLI would use, in the format another program reads: \
             the credential_process JSON document (default) or shell variables. The output is \
             byte-identical to `aws configure export-credentials`.",
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .default_value("process")
                .value_parser(Format::ALL.map(|(name, _)| name))
                .help(
                    "process: JSON for credential_process; env: `export AWS_ACCESS_KEY_ID=...`; \
                     env-no-export: `AWS_ACCESS_KEY_ID=...`; powershell: \
                     `$Env:AWS_ACCESS_KEY_ID=\"...\"`; windows-cmd: `set AWS_ACCESS_KEY_ID=...`; \
                     fish: `set -gx AWS_ACCESS_KEY_ID \"...\"`",
                ),
        )
}

/// Resolves and prints; returns the exit status.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    match export(globals, matches, env) {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

/// The chain's credentials, or how the command fails as `aws configure export-credentials`
/// does: "Unable to retrieve credentials" (253) for what fails while the credentials are
/// located; for what fails while they are read (botocore's deferred and refreshed credentials:
/// assume role, web identity, SSO, an `aws login` refresh, still-expired credentials), a
/// service's refusal (254) or the general error (255).
pub(crate) fn resolve(
    chain: &awscred_chain::Chain,
    env: &Env,
) -> Result<awscred_core::Credentials, Failure> {
    checked(cli::block_on(chain.resolve())?, env)
}

/// [`resolve`] for a caller already in the runtime: the chain's answer, checked and mapped.
pub(crate) fn checked(
    resolved: Result<awscred_core::Credentials, awscred_core::Error>,
    env: &Env,
) -> Result<awscred_core::Credentials, Failure> {
    let creds = resolved.map_err(|e| {
        let message = e.to_string();
        if e.is_deferred() && e.is_refused_by_service() {
            Failure::Client(message)
        } else if e.is_deferred() || message.starts_with(STILL_EXPIRED) {
            Failure::General(message)
        } else {
            Failure::Configuration(format!(
                "Unable to retrieve credentials: {}",
                message.trim()
            ))
        }
    })?;
    if creds.expiration().is_some_and(|at| at <= env.now()) {
        return Err(Failure::General(STILL_EXPIRED.into()));
    }
    Ok(creds)
}

fn export(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Failure> {
    let format = matches
        .get_one::<String>("format")
        .and_then(|name| Format::from_name(name))
        .unwrap_or(Format::Process);
    let chain = globals.chain(env);
    cli::check_profile_exists(globals, env, &chain)?;
    // Refuses a loop of credential processes running export-credentials, and hands the longer
    // `_AWS_CLI_PROFILE_CHAIN` to every credential process this run starts.
    let profile = cli::selected_profile(globals, env).name;
    awscred_process::recursion::enter_export_credentials(env, &profile)
        .map_err(|e| Failure::Configuration(e.to_string()))?;
    let creds = resolve(&chain, env)?;
    tracing::debug!(provider = creds.provider(), "credentials resolved");
    format.check(&creds).map_err(Failure::Configuration)?;
    let text = format.render(&creds);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::General(format!("cannot write to stdout: {e}")))
}
