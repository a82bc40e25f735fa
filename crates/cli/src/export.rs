//! `awscred export-credentials`: `aws configure export-credentials`, byte for byte.

use std::io::Write;

use awscred_core::Env;
use clap::{Arg, ArgMatches, Command};

use crate::failure::Failure;
use crate::format::Format;
use crate::globals::{self, Globals};

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    globals::command("export-credentials")
        .about("Print the credentials, as `aws configure export-credentials`")
        .long_about(
            "Print the credentials the AWS CLI would use, in the format another program reads: \
             the credential_process JSON document (default) or shell variables. The output is \
             byte-identical to `aws configure export-credentials`, and so are the exit statuses \
             (253: no credentials; 255: a file that cannot be parsed). The profile is --profile, \
             else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else `default`; with --profile, keys in \
             the environment (AWS_ACCESS_KEY_ID...) are not used, as in the CLI.",
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
/// does ([`Failure::from_credentials_error`]).
pub(crate) fn resolve(
    chain: &awscred_chain::Chain,
    env: &Env,
) -> Result<awscred_core::Credentials, Failure> {
    checked(crate::runtime::block_on(chain.resolve())?, env)
}

/// [`resolve`] for a caller already in the runtime: the chain's answer, checked and mapped.
/// Expired credentials that reach here without passing a refresh are refused as botocore
/// refuses them after its refresh: still expired (255).
pub(crate) fn checked(
    resolved: Result<awscred_core::Credentials, awscred_core::Error>,
    env: &Env,
) -> Result<awscred_core::Credentials, Failure> {
    let creds = resolved.map_err(|e| Failure::from_credentials_error(&e))?;
    if creds.expiration().is_some_and(|at| at <= env.now()) {
        return Err(Failure::from_credentials_error(
            &awscred_core::Error::still_expired(""),
        ));
    }
    Ok(creds)
}

/// What the command checks before it asks the chain: the files and the named profile
/// ([`globals::check_profile_exists`]); then it refuses a loop of credential processes running
/// export-credentials, and hands the longer `_AWS_CLI_PROFILE_CHAIN` to every credential process
/// this run starts. `explain` does the same, so it ends as this command would.
pub(crate) fn prepare(
    globals: &Globals,
    env: &Env,
    chain: &awscred_chain::Chain,
) -> Result<(), Failure> {
    globals::check_profile_exists(globals, env, chain)?;
    let profile = globals::selected_profile(globals, env).name;
    awscred_process::recursion::enter_export_credentials(env, &profile)
        .map_err(|e| Failure::Configuration(e.to_string()))
}

fn export(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Failure> {
    let format = matches
        .get_one::<String>("format")
        .and_then(|name| Format::from_name(name))
        .unwrap_or(Format::Process);
    let chain = globals.chain(env);
    prepare(globals, env, &chain)?;
    let creds = resolve(&chain, env)?;
    tracing::debug!(provider = creds.provider(), "credentials resolved");
    format.check(&creds).map_err(Failure::Configuration)?;
    let text = format.render(&creds);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::General(format!("cannot write to stdout: {e}")))
}
