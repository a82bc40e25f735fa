//! The options every subcommand takes (`--profile`, `--region`, `--debug`) and what the commands
//! that use them check first: the selected profile, and that a named profile exists; and
//! [`command`], which every parser starts from.
//!
//! The parser ([`crate::cli`]) and every subcommand depend on this module; it depends on none of
//! them.

use awscred_core::Env;
use awscred_profile::SelectedProfile;
use clap::{Arg, ArgAction, ArgMatches};

use crate::failure::{CONFIGURATION_ERROR, Failure};
use crate::suggest;

/// The options every subcommand takes (before or after its name), as the CLI's global options.
#[derive(Debug, Clone, Default)]
pub(crate) struct Globals {
    /// `--profile`; an empty value counts as not given, as in the CLI.
    pub(crate) profile: Option<String>,
    /// `--region`; an empty value counts as not given.
    pub(crate) region: Option<String>,
    /// `--debug`.
    pub(crate) debug: bool,
}

impl Globals {
    /// The options as parsed (see [`args`]).
    pub(crate) fn from_matches(matches: &ArgMatches) -> Self {
        let text = |name: &str| {
            matches
                .get_one::<String>(name)
                .filter(|v| !v.is_empty())
                .cloned()
        };
        Globals {
            profile: text("profile"),
            region: text("region"),
            debug: matches.get_flag("debug"),
        }
    }

    /// The chain for these options in `env`.
    pub(crate) fn chain(&self, env: &Env) -> awscred_chain::Chain {
        let mut builder = awscred_chain::Chain::builder().env(env.clone());
        builder
            .set_profile_name(self.profile.clone())
            .set_region_name(self.region.clone());
        builder.build()
    }
}

/// The global options' definitions, which every subcommand takes (`global(true)`).
pub(crate) fn args() -> [Arg; 3] {
    [
        Arg::new("profile")
            .long("profile")
            .value_name("NAME")
            .global(true)
            .help(
                "The profile, as `aws --profile` (otherwise AWS_PROFILE, then \
                 AWS_DEFAULT_PROFILE, then `default`)",
            ),
        Arg::new("region")
            .long("region")
            .value_name("REGION")
            .global(true)
            .help(
                "The region, as `aws --region` (otherwise AWS_REGION, AWS_DEFAULT_REGION, \
                 then the profile's `region`)",
            ),
        Arg::new("debug")
            .long("debug")
            .action(ArgAction::SetTrue)
            .global(true)
            .help("Log to stderr (AWSCRED_LOG takes a filter instead, e.g. AWSCRED_LOG=trace)"),
    ]
}

/// The selected profile, as the CLI v2's `profile` setting resolves: `--profile`, else
/// AWS_PROFILE, else AWS_DEFAULT_PROFILE (set counts, even empty), else `default`. The same rule
/// the chain follows ([`awscred_profile::selected_profile`]).
pub(crate) fn selected_profile(globals: &Globals, env: &Env) -> SelectedProfile {
    awscred_profile::selected_profile(globals.profile.as_deref(), env)
}

/// What `aws configure export-credentials` meets before it has credentials, for the commands
/// that need them (`export-credentials`, `explain`, `exec`, `serve`): the CLI has parsed its
/// files before the command runs, so one that cannot be parsed ends the command (255, `Unable to
/// parse config file: PATH`) whatever tier would answer; and a profile that was named
/// (`--profile`, AWS_PROFILE, AWS_DEFAULT_PROFILE, even empty) must exist in the config or
/// credentials file, else botocore's `ProfileNotFound` reaches the command's "Unable to retrieve
/// credentials" (253), written in the CLI's legacy format (without the profile, its error
/// handlers cannot read `cli_error_format`). The files are the chain's own, loaded once.
pub(crate) fn check_profile_exists(
    globals: &Globals,
    env: &Env,
    chain: &awscred_chain::Chain,
) -> Result<(), Failure> {
    let ctx = chain
        .profile_context()
        .map_err(|e| Failure::from_credentials_error(&e))?;
    let selected = selected_profile(globals, env);
    selected.require_in(&ctx.profiles).map_err(|e| {
        Failure::Plain(
            CONFIGURATION_ERROR,
            format!(
                "Unable to retrieve credentials: {e}{}{}",
                suggest::did_you_mean(&selected.name, ctx.profiles.profile_names()),
                ignored_section(ctx, &selected.name),
            ),
        )
    })
}

/// ` (FILE:LINE: section [NAME] ignored: ...)` when the files hold a section of that name that
/// the CLI does not read as a profile (a `[dev]` in the config file, a `[profile dev]` in the
/// credentials file): the usual reason a newcomer's profile "does not exist".
fn ignored_section(ctx: &awscred_profile::ProfileContext, name: &str) -> String {
    let section = format!("[{name}]");
    let prefixed = format!("[profile {name}]");
    ctx.profiles
        .warnings()
        .iter()
        .find(|w| w.message.contains(&section) || w.message.contains(&prefixed))
        .map(|w| format!(" ({w})"))
        .unwrap_or_default()
}

/// What other CLI commands (`aws sso login`) meet first: a profile that was named must exist,
/// else botocore's `ProfileNotFound` ends the command with the general error (255).
pub(crate) fn require_named_profile(
    globals: &Globals,
    env: &Env,
    chain: &awscred_chain::Chain,
) -> Result<(), Failure> {
    let selected = selected_profile(globals, env);
    let ctx = chain
        .profile_context()
        .map_err(|e| Failure::General(e.to_string()))?;
    selected.require_in(&ctx.profiles).map_err(|e| {
        Failure::General(format!(
            "{e}{}",
            suggest::did_you_mean(&selected.name, ctx.profiles.profile_names()),
        ))
    })
}

/// A parser named `name`: `clap::Command::new`, compiled once. clap's `new` writes out the
/// whole default `Command` wherever it is called; through this function the CLI's two dozen
/// parsers share one copy of it.
#[inline(never)]
pub(crate) fn command(name: &'static str) -> clap::Command {
    clap::Command::new(name)
}
