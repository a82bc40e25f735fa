//! `awscred sso login` / `awscred sso logout`: the AWS CLI v2's `aws sso login` / `aws sso logout`,
//! sharing its token cache (`~/.aws/sso/cache`) and role-credential cache (`~/.aws/cli/cache`).

use std::sync::Arc;

use awscred_core::Env;
use awscred_core::http::{HttpClient, HyperClient};
use awscred_sso::SsoLoginOptions;
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::failure::{Failure, USAGE_ERROR};
use crate::globals::{self, Globals};

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    globals::command("sso")
        .about("Log in to or out of IAM Identity Center, as `aws sso login` / `logout`")
        .long_about(
            "Log in to or out of IAM Identity Center (AWS SSO), as `aws sso login` and `aws sso \
             logout`, sharing the CLI's caches (~/.aws/sso/cache, ~/.aws/cli/cache).",
        )
        .subcommand_required(true)
        .subcommand(
            globals::command("login")
                .about("Obtain and cache an SSO access token")
                .long_about(
                    "Obtain an SSO access token for the profile's sso-session (or legacy SSO \
                     configuration) and cache it where the AWS CLI v2 reads it. The profile is \
                     --profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else `default`.",
                )
                .arg(
                    Arg::new("sso-session")
                        .long("sso-session")
                        .value_name("NAME")
                        .help("Log in to this sso-session, whatever the profile says"),
                )
                .args(login_args()),
        )
        .subcommand(crate::sso_populate::command())
        .subcommand(
            globals::command("logout")
                .about("Log out of every cached SSO session")
                .long_about(
                    "Invalidate and remove every cached SSO access token, and remove the cached \
                     SSO role credentials. It reads no profile: --profile changes nothing.",
                ),
        )
}

/// The CLI's `LOGIN_ARGS`, shared by `sso login` and `configure sso`.
pub(crate) fn login_args() -> [Arg; 2] {
    [
        Arg::new("use-device-code")
            .long("use-device-code")
            .action(ArgAction::SetTrue)
            .help("Use the device-code flow instead of the browser redirect (PKCE)"),
        Arg::new("no-browser")
            .long("no-browser")
            .action(ArgAction::SetTrue)
            .help("Print the URL to open instead of opening a browser"),
    ]
}

/// Runs `sso login` or `sso logout`; returns the exit status.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    let result = match matches.subcommand() {
        Some(("login", sub)) => login(globals, sub, env),
        Some(("logout", _)) => logout(globals, env),
        Some(("populate", sub)) => return crate::sso_populate::run(globals, sub, env),
        _ => return USAGE_ERROR,
    };
    match result {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

fn http(env: &Env) -> Arc<dyn HttpClient> {
    Arc::new(HyperClient::new(env))
}

fn login(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Failure> {
    let chain = globals.chain(env);
    globals::require_named_profile(globals, env, &chain)?;
    let ctx = chain
        .profile_context()
        .map_err(|e| Failure::General(e.to_string()))?;
    let options = SsoLoginOptions::default()
        .with_profile(globals.profile.clone())
        .with_sso_session(
            matches
                .get_one::<String>("sso-session")
                .filter(|v| !v.is_empty())
                .cloned(),
        )
        .with_use_device_code(matches.get_flag("use-device-code"))
        .with_no_browser(matches.get_flag("no-browser"));
    // Stdout is line-buffered: every line (the URL, the code) is visible as soon as it is
    // printed, while the command waits for the authorization.
    let mut out = std::io::stdout();
    crate::runtime::block_on(awscred_sso::login(ctx, http(env), &options, &mut out))?
        .map_err(Failure::from_sso_error)
}

/// As `aws sso logout`, which reads no profile: a `--profile` that does not exist changes
/// nothing (exit 0); every cached token is logged out.
fn logout(globals: &Globals, env: &Env) -> Result<(), Failure> {
    let chain = globals.chain(env);
    let ctx = chain
        .profile_context()
        .map_err(|e| Failure::General(e.to_string()))?;
    let summary = crate::runtime::block_on(awscred_sso::logout(ctx, http(env)))?
        .map_err(Failure::from_sso_error)?;
    tracing::debug!(
        tokens = summary.tokens,
        credentials = summary.credentials,
        "logged out"
    );
    Ok(())
}
