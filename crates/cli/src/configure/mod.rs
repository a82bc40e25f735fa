//! `awscred configure ...`: the AWS CLI v2's `aws configure` family
//! (`awscli/customizations/configure/`), writing the files with
//! [`awscred_profile::writer`], exactly as the CLI's `ConfigFileWriter` does.
//!
//! One module per subcommand; each gives a `command()` and a `run()`. What they share (the
//! files, the profile the CLI's session names, the prompts) lives here and in [`prompt`].

mod get;
mod import;
mod interactive;
mod list;
mod list_profiles;
mod mfa_login;
mod prompt;
mod set;
mod sso;
mod sso_values;

use std::path::PathBuf;

use awscred_core::Env;
use awscred_profile::writer::{self, SectionUpdate};
use awscred_profile::{FileLocations, ProfileSet};
use clap::{ArgMatches, Command};

use crate::export;
use crate::failure::Failure;
use crate::globals::Globals;

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    crate::globals::command("configure")
        .about("Set up credentials and settings, as `aws configure`")
        .long_about(
            "Set up credentials and settings as `aws configure` does: with no subcommand, prompt \
             for the access key, secret key, region and output format",
        )
        .subcommand(set::command())
        .subcommand(get::command())
        .subcommand(list::command())
        .subcommand(list_profiles::command())
        .subcommand(import::command())
        .subcommand(mfa_login::command())
        .subcommand(sso::sso_command())
        .subcommand(sso::sso_session_command())
        .subcommand(export::command())
}

/// Runs `configure` or one of its subcommands; returns the exit status.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    let result = match matches.subcommand() {
        Some(("export-credentials", sub)) => return export::run(globals, sub, env),
        Some(("set", sub)) => set::run(globals, sub, env),
        Some(("get", sub)) => get::run(globals, sub, env),
        Some(("list", _)) => list::run(globals, env),
        Some(("list-profiles", _)) => list_profiles::run(env),
        Some(("import", sub)) => import::run(sub, env),
        Some(("mfa-login", sub)) => mfa_login::run(globals, sub, env),
        Some(("sso", sub)) => return sso::run_sso(globals, sub, env),
        Some(("sso-session", _)) => return sso::run_sso_session(env),
        _ => interactive::run(globals, env),
    };
    result.unwrap_or_else(|failure| failure.report())
}

/// The two files and what they hold, read as the CLI reads them when it starts: a file it
/// cannot parse (a line neither grammar accepts, a duplicated section or key) ends the command
/// with "Unable to parse config file" and the general status, 255, before anything is written.
pub(crate) struct Files {
    pub(crate) config: PathBuf,
    pub(crate) credentials: PathBuf,
    pub(crate) profiles: ProfileSet,
}

impl Files {
    pub(crate) fn load(env: &Env) -> Result<Files, Failure> {
        let locations = FileLocations::from_env(env);
        let profiles =
            ProfileSet::load_from(env, &locations).map_err(|e| Failure::General(e.to_string()))?;
        if let Some(refusal) = profiles.cli_refusals().first() {
            let what = refusal.message.split("; it is read").next().unwrap_or("");
            return Err(Failure::General(format!(
                "Unable to parse config file: {}: {what}",
                refusal.location
            )));
        }
        let missing = || Failure::General("Unable to find the home directory".to_owned());
        Ok(Files {
            config: locations.config.ok_or_else(missing)?,
            credentials: locations.credentials.ok_or_else(missing)?,
            profiles,
        })
    }
}

/// The CLI session's `profile`: `--profile`, else `AWS_PROFILE` / `AWS_DEFAULT_PROFILE`; `None`
/// when none is named (the `default` section is then used).
pub(crate) fn session_profile(globals: &Globals, env: &Env) -> Option<String> {
    let selected = crate::globals::selected_profile(globals, env);
    selected.source.is_explicit().then_some(selected.name)
}

/// Writes one section's changes with the CLI's writer; its refusals are the general error.
pub(crate) fn write(
    env: &Env,
    path: &std::path::Path,
    update: &SectionUpdate,
) -> Result<(), Failure> {
    writer::update_config(env.fs(), path, update).map_err(|e| Failure::General(e.to_string()))
}

/// The CLI's warning after it writes the credentials file, when others may read it.
pub(crate) fn warn_if_permissive(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            let path = path.display();
            eprint!(
                "\nawscred: [WARNING]: The file '{path}' is accessible by other users. Consider \
                 running 'chmod 600 {path}' to restrict access to only your user.\n"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// `validate_mutually_exclusive` for `--sso-session` and `--services`, with the CLI's message.
pub(crate) fn one_subsection(matches: &ArgMatches) -> Result<(), Failure> {
    if matches.get_one::<String>("sso-session").is_some()
        && matches.get_one::<String>("services").is_some()
    {
        return Err(Failure::ParamValidation(
            "The key \"services\" cannot be specified when one of the following keys are also \
             specified: sso_session"
                .to_owned(),
        ));
    }
    Ok(())
}

/// The CLI's `mask_value`: sixteen stars and the last four characters; `None` for no value.
pub(crate) fn mask(value: Option<&str>) -> String {
    match value {
        None => "None".to_owned(),
        Some(v) => {
            let tail: String = {
                let chars: Vec<char> = v.chars().collect();
                chars[chars.len().saturating_sub(4)..].iter().collect()
            };
            format!("{}{tail}", "*".repeat(16))
        }
    }
}
