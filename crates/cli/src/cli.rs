//! The command line: the parser (global options from [`crate::globals`], then the subcommands)
//! and the dispatch to each subcommand's `run`.

use std::ffi::OsString;
use std::process::ExitCode;

use awscred_core::Env;
use clap::Command;
use clap::error::ErrorKind;

use crate::failure::USAGE_ERROR;
use crate::globals::{self, Globals};
use crate::{configure, console, exec, explain, export, logging, login, serve, sso, status};

/// The parser.
pub(crate) fn command() -> Command {
    globals::command("awscred")
        .version(env!("CARGO_PKG_VERSION"))
        .about("AWS credentials, resolved exactly as the AWS CLI v2 resolves them")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(globals::args())
        .subcommand(export::command())
        .subcommand(explain::command())
        .subcommand(exec::command())
        .subcommand(serve::command())
        .subcommand(sso::command())
        .subcommand(configure::command())
        .subcommand(login::login_command())
        .subcommand(login::logout_command())
        .subcommand(status::command())
        .subcommand(console::command())
}

/// Parses the arguments and runs the subcommand.
pub(crate) fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(USAGE_ERROR),
            };
        }
    };
    let globals = Globals::from_matches(&matches);
    logging::init(globals.debug, std::env::var("AWSCRED_LOG").ok());
    tracing::debug!(version = env!("CARGO_PKG_VERSION"), "awscred starting");
    let env = Env::real();
    let code = match matches.subcommand() {
        Some(("export-credentials", sub)) => export::run(&globals, sub, &env),
        Some(("explain", sub)) => explain::run(&globals, sub, &env),
        Some(("exec", sub)) => exec::run(&globals, sub, &env),
        Some(("serve", sub)) => serve::run(&globals, sub, &env),
        Some(("sso", sub)) => sso::run(&globals, sub, &env),
        Some(("configure", sub)) => configure::run(&globals, sub, &env),
        Some(("login", sub)) => login::run_login(&globals, sub, &env),
        Some(("logout", sub)) => login::run_logout(&globals, sub, &env),
        Some(("status", sub)) => status::run(&globals, sub, &env),
        Some(("console", sub)) => console::run(&globals, sub, &env),
        // `subcommand_required` makes clap refuse a missing or unknown subcommand.
        _ => USAGE_ERROR,
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parser_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        for args in [
            &[
                "awscred",
                "--profile",
                "p",
                "--region",
                "r",
                "--debug",
                "explain",
            ][..],
            &[
                "awscred",
                "explain",
                "--profile",
                "p",
                "--region",
                "r",
                "--debug",
            ][..],
        ] {
            let matches = command().try_get_matches_from(args).unwrap();
            let g = Globals::from_matches(&matches);
            assert_eq!(g.profile.as_deref(), Some("p"));
            assert_eq!(g.region.as_deref(), Some("r"));
            assert!(g.debug);
        }
    }

    #[test]
    fn an_empty_profile_is_no_profile() {
        let matches = command()
            .try_get_matches_from(["awscred", "--profile", "", "explain"])
            .unwrap();
        assert_eq!(Globals::from_matches(&matches).profile, None);
    }
}
