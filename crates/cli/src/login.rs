//! `awscred login` / `awscred logout`: the AWS CLI v2's `aws login` / `aws logout`
//! (`awscli/customizations/login/`): console sign-in in a browser, the session cached in
//! `~/.aws/login/cache` and named by `login_session` in the profile, written with the config
//! writer ([`awscred_profile::writer`]).

use std::sync::Arc;

use awscred_core::Env;
use awscred_core::http::{HttpClient, HyperClient};
use awscred_login::LoginOptions;
use awscred_profile::writer::{self, SectionUpdate};
use awscred_profile::{ProfileContext, ProfileSet};
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::failure::Failure;
use crate::globals::{self, Globals};
use crate::prompt::{Interrupted, Prompter, Stop, finish, general};

/// The region offered when none is configured, as the CLI's.
const DEFAULT_REGION_FOR_PROMPT: &str = "us-east-1";

/// `login`'s parser.
pub(crate) fn login_command() -> Command {
    globals::command("login")
        .about("Sign in with console credentials in a browser, as `aws login`")
        .long_about(
            "Sign in with AWS Management Console credentials in a browser and cache a session \
             that is refreshed automatically, as `aws login`",
        )
        .arg(
            Arg::new("remote")
                .long("remote")
                .action(ArgAction::SetTrue)
                .help(
                    "Print the URL and read the authorization code shown after signing in, \
                     instead of the local redirect (SSH sessions, machines without a browser)",
                ),
        )
}

/// `logout`'s parser.
pub(crate) fn logout_command() -> Command {
    globals::command("logout")
        .about("Remove the profile's cached `login` session, as `aws logout`")
        .arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Remove every cached `login` session"),
        )
}

/// Runs `login`; returns the exit status.
pub(crate) fn run_login(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    finish(login(globals, matches, env))
}

/// Runs `logout`; returns the exit status.
pub(crate) fn run_logout(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    finish(logout(globals, matches.get_flag("all"), env))
}

/// `ensure_profile_does_not_have_existing_credentials`.
fn existing_style(section: &awscred_profile::Section) -> Option<&'static str> {
    let has = |k: &str| section.get(k).is_some();
    if has("web_identity_token_file") {
        Some("Web Identity")
    } else if has("sso_role_name") || has("sso_account_id") {
        Some("SSO")
    } else if has("aws_access_key_id") {
        Some("Access Key")
    } else if has("role_arn") {
        Some("Assume Role")
    } else if has("credential_process") {
        Some("Credential Process")
    } else {
        None
    }
}

fn login(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Stop> {
    let set = Arc::new(ProfileSet::load(env).map_err(general)?);
    let profile = globals::selected_profile(globals, env).name;
    let ctx = ProfileContext::new(env.clone(), set.clone(), profile.clone())
        .with_region_override(globals.region.clone());
    let mut p = Prompter::stdio();
    let (region, prompted) = match ctx.region() {
        Some(region) => (region, false),
        None => (prompt_for_region(&mut p)?, true),
    };
    let section = set.profile(&profile);
    if let Some(style) = section.and_then(existing_style) {
        return Err(Stop::Failed(Failure::Configuration(format!(
            "Profile '{profile}' is already configured with {style} credentials.\n\nYou may run \
             'awscred login --profile new-profile-name' to create a new profile with the \
             specified name. Otherwise you must first manually remove the existing credentials \
             from '{profile}'.\n"
        ))));
    }
    let config_path = awscred_profile::FileLocations::from_env(env)
        .config
        .ok_or_else(|| {
            general("cannot find the config file: no home directory (set AWS_CONFIG_FILE)")
        })?;

    let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(env));
    let options = LoginOptions::default().with_remote(matches.get_flag("remote"));
    let signed_in = {
        let mut out = std::io::stdout();
        crate::runtime::block_on(awscred_login::sign_in(
            &ctx,
            http,
            &region,
            &options,
            p.input(),
            &mut out,
        ))?
        .map_err(Failure::from_sso_error)?
    };
    let session = signed_in.session().to_owned();
    if let Some(existing) = section.and_then(|s| s.get("login_session"))
        && existing != session
    {
        let question = format!(
            "\nProfile {profile} is already configured to use session {existing}. Do you want to \
             overwrite it to use {session} instead? (y/n): "
        );
        if !p.yes_no(&question)? {
            return Ok(());
        }
    }
    signed_in.save(env).map_err(general)?;
    let mut update =
        SectionUpdate::new(writer::profile_section(&profile)).set("login_session", &session);
    if prompted {
        update = update.set("region", &region);
    }
    writer::update_config(env.fs(), &config_path, &update).map_err(general)?;
    p.say(&format!(
        "\nUpdated profile {profile} to use {session} credentials.\n"
    ))?;
    if profile != "default" {
        p.say(&format!(
            "Use \"--profile {profile}\" to use the new credentials, such as \"aws sts \
             get-caller-identity --profile {profile}\"\n"
        ))?;
    }
    Ok(())
}

/// `_prompt_for_region`.
fn prompt_for_region(p: &mut Prompter) -> Result<String, Interrupted> {
    p.say(
        "No AWS region has been configured. The AWS region is the geographic location of your \
         AWS resources.\n\nIf you have used AWS before and already have resources in your \
         account, specify which region they were created in. If you have not created resources \
         in your account before, you can pick the region closest to you: \
         https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.\n\n\
         You are able to change the region in the CLI at any time with the command \"aws \
         configure set region NEW_REGION\".\n",
    )?;
    let region = p.get_value(Some(DEFAULT_REGION_FOR_PROMPT), "AWS Region", None, None)?;
    Ok(region.unwrap_or_else(|| DEFAULT_REGION_FOR_PROMPT.to_owned()))
}

fn logout(globals: &Globals, all: bool, env: &Env) -> Result<(), Stop> {
    let mut p = Prompter::stdio();
    if all {
        let removed = awscred_login::logout_all(env).map_err(general)?;
        let text = if removed > 0 {
            let plural = if removed == 1 { "" } else { "s" };
            format!(
                "Removed {removed} cached login credential{plural}. Note, any local developer \
                 tools that have already loaded access tokens may continue to use them until \
                 their expiration. Access tokens expire in 15 minutes.\n"
            )
        } else {
            "No cached login session tokens found.\n".to_owned()
        };
        p.say(&text)?;
        return Ok(());
    }
    let set = ProfileSet::load(env).map_err(general)?;
    let profile = globals::selected_profile(globals, env).name;
    let Some(session) = set.profile(&profile).and_then(|s| s.get("login_session")) else {
        eprintln!("warning: no login session found for profile '{profile}'");
        return Ok(());
    };
    awscred_login::logout(env, session).map_err(general)?;
    p.say(&format!(
        "Removed cached login credentials for profile '{profile}'. Note, any local developer \
         tools that have already loaded the access token may continue to use it until its \
         expiration. Access tokens expire in 15 minutes.\n"
    ))?;
    Ok(())
}
