//! `awscred exec -- COMMAND [ARGS...]`: runs a command with the profile's credentials in its
//! environment.
//!
//! On Unix the command replaces awscred (`execvp`), as `aws-vault exec` does by default: it keeps
//! awscred's process id, process group and terminal, so every signal (SIGINT, SIGTERM, SIGHUP,
//! SIGQUIT, any other) reaches it directly, nothing has to be relayed, and its exit status is the
//! status the caller sees (a shell reports 128+N when a signal N ended it). The credentials only
//! live in the command's environment, and no copy of them stays behind in an awscred process.
//! Elsewhere awscred starts the command, waits for it and exits with its status.
//!
//! With `--server` the command gets a container-credentials endpoint instead of keys: see
//! [`crate::exec_server`].

use std::ffi::OsString;
use std::process::Command as Process;

use awscred_core::{Credentials, Env};
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::child::{cannot_run, prepared};
use crate::export;
use crate::format::isoformat;
use crate::globals::{self, Globals};

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    globals::command("exec")
        .about("Run a command with the credentials in its environment")
        .long_about(
            "Run a command with the credentials in its environment: AWS_ACCESS_KEY_ID, \
             AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION when present, \
             AWS_REGION and AWS_DEFAULT_REGION when a region is known. Variables naming other \
             credentials (AWS_PROFILE, AWS_ROLE_ARN, AWS_CONTAINER_*...) are removed. On Unix the \
             command replaces awscred, so it receives every signal and its status is awscred's.",
        )
        .override_usage("awscred exec [--server] [--profile NAME] -- COMMAND [ARGS...]")
        .arg(
            Arg::new("server")
                .long("server")
                .action(ArgAction::SetTrue)
                .help(
                    "Give the command a private container-credentials endpoint instead of keys \
                     (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN), \
                     alive as long as the command and refreshing the credentials, so a command \
                     of any length never sees them expire",
                ),
        )
        .arg(
            Arg::new("command")
                .value_name("COMMAND")
                .value_parser(clap::value_parser!(OsString))
                .num_args(1..)
                .last(true)
                .required(true)
                .allow_hyphen_values(true)
                .help("The command and its arguments, after `--`"),
        )
}

/// Resolves, then runs the command; returns the exit status when the command could not replace
/// awscred.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    let mut argv = matches
        .get_many::<OsString>("command")
        .into_iter()
        .flatten()
        .cloned();
    let Some(program) = argv.next() else {
        // clap requires the command; this is only reached if that ever changes.
        return crate::failure::USAGE_ERROR;
    };
    let args: Vec<OsString> = argv.collect();
    if matches.get_flag("server") {
        return crate::exec_server::run(globals, env, &program, &args);
    }
    let chain = globals.chain(env);
    let creds = match globals::check_profile_exists(globals, env, &chain)
        .and_then(|()| export::resolve(&chain, env))
    {
        Ok(creds) => creds,
        Err(failure) => return failure.report(),
    };
    tracing::debug!(provider = creds.provider(), "credentials resolved");
    let mut process = prepared(&program, &args);
    for (name, value) in variables(&creds, chain.region()) {
        process.env(name, value.as_str());
    }
    run_process(process, &program)
}

/// The variables the command gets, in the order `export-credentials --format env` prints them,
/// then the account and region.
fn variables(
    creds: &Credentials,
    region: Option<String>,
) -> Vec<(&'static str, zeroize::Zeroizing<String>)> {
    let value = |v: &str| zeroize::Zeroizing::new(v.to_owned());
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", value(creds.access_key_id())),
        (
            "AWS_SECRET_ACCESS_KEY",
            value(creds.secret_access_key().expose()),
        ),
    ];
    if let Some(token) = creds.session_token() {
        vars.push(("AWS_SESSION_TOKEN", value(token.expose())));
    }
    if let Some(expiration) = creds.expiration() {
        vars.push((
            "AWS_CREDENTIAL_EXPIRATION",
            zeroize::Zeroizing::new(isoformat(expiration)),
        ));
    }
    if let Some(account) = creds.account_id() {
        vars.push(("AWS_ACCOUNT_ID", value(account)));
    }
    if let Some(region) = region {
        vars.push(("AWS_REGION", value(&region)));
        vars.push(("AWS_DEFAULT_REGION", zeroize::Zeroizing::new(region)));
    }
    vars
}

#[cfg(unix)]
fn run_process(mut process: Process, program: &OsString) -> u8 {
    use std::os::unix::process::CommandExt;
    // Only returns when the command could not be started.
    let e = process.exec();
    cannot_run(program, &e)
}

#[cfg(windows)]
fn run_process(process: Process, program: &OsString) -> u8 {
    crate::exec_windows::run(process).unwrap_or_else(|e| cannot_run(program, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::Secret;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn variables_follow_the_credentials() {
        let creds = Credentials::new("AKID".to_owned(), Secret::new("SECRET"), None, None, "test");
        let names: Vec<_> = variables(&creds, None)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);

        let creds = Credentials::new(
            "AKID".to_owned(),
            Secret::new("SECRET"),
            Some(Secret::new("TOKEN")),
            Some(UNIX_EPOCH + Duration::from_secs(1_632_197_813)),
            "test",
        )
        .with_account_id(Some("123456789012".into()));
        let vars = variables(&creds, Some("eu-west-1".into()));
        let shown: Vec<_> = vars
            .iter()
            .map(|(n, v)| format!("{n}={}", v.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                "AWS_ACCESS_KEY_ID=AKID",
                "AWS_SECRET_ACCESS_KEY=SECRET",
                "AWS_SESSION_TOKEN=TOKEN",
                "AWS_CREDENTIAL_EXPIRATION=2021-09-21T04:16:53+00:00",
                "AWS_ACCOUNT_ID=123456789012",
                "AWS_REGION=eu-west-1",
                "AWS_DEFAULT_REGION=eu-west-1",
            ]
        );
    }

    #[test]
    fn exec_needs_a_command_after_the_separator() {
        let parse = |args: &[&str]| {
            Command::new("awscred")
                .args(crate::globals::args())
                .subcommand(command())
                .try_get_matches_from(args)
        };
        assert!(parse(&["awscred", "exec"]).is_err());
        assert!(parse(&["awscred", "exec", "env"]).is_err());
        assert!(parse(&["awscred", "exec", "--"]).is_err());
        let m = parse(&["awscred", "exec", "--profile", "p", "--", "sh", "-c", "--x"]).unwrap();
        let sub = m.subcommand_matches("exec").unwrap();
        let argv: Vec<_> = sub.get_many::<OsString>("command").unwrap().collect();
        assert_eq!(argv, ["sh", "-c", "--x"]);
    }
}
