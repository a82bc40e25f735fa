//! `awscred sso populate`: after a login, one profile per IAM Identity Center account and role
//! in the config file, written with the CLI's writer rules (`awscred_profile::writer`): every
//! other line kept byte for byte, awscred's profiles marked with `awscred_populated`, profiles
//! it did not write never touched. `--dry-run` prints the change as a unified diff.

mod diff;
mod plan;

use awscred_core::fs::ReadLimit;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use awscred_core::Env;
use awscred_core::fs::{Fs, MemFs};
use awscred_core::http::{HttpClient, HyperClient};
use awscred_profile::{FileLocations, ProfileContext, writer};
use awscred_sso::SsoSession;
use awscred_sso::assignments::{ListError, Portal};
use awscred_sso::endpoint::{self, Service};
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::failure::Failure;
use crate::globals::{self, Globals};
use plan::{AccountRole, Change, Settings};

/// The subcommand's parser (`--profile` and `--region` are the global options).
pub(crate) fn command() -> Command {
    globals::command("populate")
        .about("Write one profile per SSO account and role into the config file")
        .long_about(
            "Write one profile per account and role of an IAM Identity Center login into the \
             config file (existing lines kept byte for byte; profiles awscred did not write are \
             never changed)",
        )
        .arg(
            Arg::new("sso-session")
                .long("sso-session")
                .value_name("NAME")
                .help("The sso-session to list (default: the profile's)"),
        )
        .arg(
            Arg::new("prefix")
                .long("prefix")
                .value_name("PREFIX")
                .default_value("")
                .help("Put this before every generated profile name"),
        )
        .arg(
            Arg::new("name-template")
                .long("name-template")
                .value_name("TEMPLATE")
                .default_value(plan::DEFAULT_TEMPLATE)
                .help(
                    "Profile names from {role_name}, {account_id}, {account_name} and \
                     {sso_session}; characters other than letters, digits and _.+=,@- become -",
                ),
        )
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print the change to the config file as a unified diff; write nothing"),
        )
        .arg(
            Arg::new("prune")
                .long("prune")
                .action(ArgAction::SetTrue)
                .help("Remove the profiles populate wrote earlier whose role is gone"),
        )
}

/// Runs `sso populate`; returns the exit status.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    match populate(globals, matches, env) {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

fn populate(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Failure> {
    let chain = globals.chain(env);
    globals::check_profile_exists(globals, env, &chain)?;
    let ctx = chain.profile_context().map_err(Failure::from_sso_error)?;
    let profile = globals::selected_profile(globals, env).name;
    let sso_session = matches
        .get_one::<String>("sso-session")
        .filter(|v| !v.is_empty());
    let session =
        awscred_sso::config::login_config(&ctx.profiles, &profile, sso_session.map(String::as_str))
            .map_err(Failure::from_sso_error)?;
    let config = FileLocations::from_env(env).config.ok_or_else(|| {
        Failure::Configuration(
            "there is no config file to write (no home directory, or AWS_CONFIG_FILE is empty)"
                .into(),
        )
    })?;
    let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(env));
    let roles = crate::runtime::block_on(list_roles(ctx, &session, &profile, http))??;
    let region = globals.region.as_deref().unwrap_or(&session.region);
    let settings = Settings {
        session: &session,
        prefix: matches
            .get_one::<String>("prefix")
            .map_or("", String::as_str),
        template: matches
            .get_one::<String>("name-template")
            .map_or(plan::DEFAULT_TEMPLATE, String::as_str),
        region: Some(region),
        prune: matches.get_flag("prune"),
    };
    let changes = plan::plan(&ctx.profiles, &roles, &settings).map_err(Failure::Configuration)?;
    let before = match env.read_file(&config, ReadLimit::CONFIG) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::General(format!(
                "cannot read {}: {e}",
                config.display()
            )));
        }
    };
    if matches.get_flag("dry-run") {
        let scratch = MemFs::default();
        if let Some(text) = &before {
            scratch.insert(&config, text.as_bytes());
        }
        let summary = apply(&scratch, &config, &changes)?;
        let after = scratch
            .read(&config, ReadLimit::CONFIG)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let shown = config.display().to_string();
        let text = diff::unified(before.as_deref().unwrap_or(""), &after, &shown);
        print(&text)?;
        eprintln!("{} (dry run: nothing written)", summary.describe(&config));
        return Ok(());
    }
    let summary = apply(env.fs(), &config, &changes)?;
    print(&format!("{}\n", summary.describe(&config)))
}

/// Every (account, role) the session's token gives access to, sorted: `ListAccounts`, then
/// `ListAccountRoles` for each account, every page of each.
async fn list_roles(
    ctx: &ProfileContext,
    session: &SsoSession,
    profile: &str,
    http: Arc<dyn HttpClient>,
) -> Result<Vec<AccountRole>, Failure> {
    let token = awscred_sso::session_token(ctx, session, profile, http.clone())
        .await
        .map_err(Failure::from_sso_error)?;
    let portal = Portal::new(
        http,
        endpoint::resolve(ctx, Service::Portal, &session.region),
    );
    let listing = |e: ListError| match e {
        ListError::Unauthorized(e) => Failure::General(format!(
            "{e}: the portal refused the token; run `awscred sso login --profile {profile}`"
        )),
        other => Failure::from_sso_error(other.into_error()),
    };
    let mut roles = Vec::new();
    for account in portal.list_accounts(&token).await.map_err(listing)? {
        let names = portal
            .list_account_roles(&token, &account.account_id)
            .await
            .map_err(listing)?;
        roles.extend(names.into_iter().map(|role_name| AccountRole {
            account_id: account.account_id.clone(),
            account_name: account.account_name.clone().unwrap_or_default(),
            role_name,
        }));
    }
    roles.sort();
    roles.dedup();
    Ok(roles)
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::General(format!("cannot write to stdout: {e}")))
}

/// What was done, by kind.
#[derive(Debug, Default)]
struct Summary {
    written: Vec<String>,
    unchanged: usize,
    removed: Vec<String>,
    foreign: Vec<String>,
}

impl Summary {
    fn describe(&self, config: &Path) -> String {
        let mut text = format!(
            "{} profiles written to {}, {} unchanged, {} removed",
            self.written.len(),
            config.display(),
            self.unchanged,
            self.removed.len()
        );
        if !self.foreign.is_empty() {
            text.push_str(&format!(
                "; left alone (not written by awscred sso populate): {}",
                self.foreign.join(", ")
            ));
        }
        text
    }
}

/// Applies the changes to the file through the writer, one section at a time.
fn apply(fs: &dyn Fs, config: &Path, changes: &[Change]) -> Result<Summary, Failure> {
    let mut summary = Summary::default();
    let read = |fs: &dyn Fs| fs.read(config, ReadLimit::CONFIG).ok();
    for change in changes {
        let result = match change {
            Change::Write(name, update) => {
                let before = read(fs);
                writer::update_config(fs, config, update).map(|()| {
                    if read(fs) == before {
                        summary.unchanged += 1;
                    } else {
                        summary.written.push(name.clone());
                    }
                })
            }
            Change::Remove(name) => {
                writer::remove_section(fs, config, &writer::profile_section(name)).map(|removed| {
                    if removed {
                        summary.removed.push(name.clone());
                    }
                })
            }
            Change::Foreign(name) => {
                summary.foreign.push(name.clone());
                Ok(())
            }
        };
        result.map_err(Failure::from_sso_error)?;
    }
    Ok(summary)
}
