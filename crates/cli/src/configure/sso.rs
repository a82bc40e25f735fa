//! `awscred configure sso` and `awscred configure sso-session`: the CLI v2's IAM Identity Center
//! wizards (`awscli/customizations/configure/sso_commands.py`, `sso.py`), with its prompts,
//! messages and the sections it writes.
//!
//! Every answer is asked for before anything is written, and the config file is written last,
//! through the CLI's `ConfigFileWriter` ([`awscred_profile::writer`]): Ctrl-C or the end of the
//! input at any prompt leaves the files as they were. The one exception is the CLI's too: the
//! SSO token is cached as soon as the login succeeds.

use std::sync::Arc;

use awscred_core::Env;
use awscred_core::http::{HttpClient, HyperClient};
use awscred_profile::sso::parse_scopes;
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_sso::assignments::{Account, ListError, Portal};
use awscred_sso::endpoint::{self, Service};
use awscred_sso::{SsoLoginOptions, SsoSession};
use clap::{ArgMatches, Command};

use super::sso_values::{self as values, Values};
use crate::failure::Failure;
use crate::globals::{self, Globals};
use crate::prompt::{Interrupted, Prompter, Stop, Validator, finish, general};

/// The default registration scope, and the only one the CLI describes.
const DEFAULT_SSO_SCOPE: &str = "sso:account:access";

/// `configure sso`'s parser.
pub(crate) fn sso_command() -> Command {
    globals::command("sso")
        .about("Configure an IAM Identity Center profile, as `aws configure sso`")
        .long_about(
            "Interactively configure a profile that gets its credentials from IAM Identity \
             Center (AWS SSO), logging in on the way, as `aws configure sso`",
        )
        .args(crate::sso::login_args())
}

/// `configure sso-session`'s parser.
pub(crate) fn sso_session_command() -> Command {
    globals::command("sso-session")
        .about("Interactively configure an [sso-session] section, as `aws configure sso-session`")
}

/// Runs `configure sso`; returns the exit status.
pub(crate) fn run_sso(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    finish(configure_sso(globals, matches, env))
}

/// Runs `configure sso-session`; returns the exit status.
pub(crate) fn run_sso_session(env: &Env) -> u8 {
    finish(configure_sso_session(env))
}

/// botocore's `is_valid_endpoint_url`, the CLI's `StartUrlValidator`: a scheme and a host made
/// of DNS labels (no whitespace or control characters anywhere).
fn is_valid_start_url(url: &str) -> bool {
    if url.chars().any(|c| matches!(c, '\t' | '\r' | '\n')) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host_port,
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 255
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A check of an answer (`text`, as typed) given the current value: the CLI's validators.
type Check = fn(Option<&str>, &str) -> Result<(), &'static str>;

/// `StartUrlValidator`.
fn check_start_url(current: Option<&str>, text: &str) -> Result<(), &'static str> {
    if text.is_empty() && current.is_some() || is_valid_start_url(text) {
        Ok(())
    } else {
        Err("Not a valid Start URL")
    }
}

/// `RequiredInputValidator`.
fn check_required(current: Option<&str>, text: &str) -> Result<(), &'static str> {
    if !text.is_empty() || current.is_some() {
        Ok(())
    } else {
        Err("A value is required")
    }
}

/// `ScopesValidator`.
fn check_scopes(current: Option<&str>, text: &str) -> Result<(), &'static str> {
    if text.is_empty() && current.is_some()
        || text
            .split(',')
            .all(|s| !s.trim().chars().any(char::is_whitespace))
    {
        Ok(())
    } else {
        Err("Scope values must be separated by commas")
    }
}

/// The CLI's `SSOSessionConfigurationPrompter`: the session's name and settings, starting from
/// the existing `[sso-session]` section of that name.
struct SessionPrompter<'a> {
    set: &'a ProfileSet,
    name: Option<String>,
    config: Values,
}

impl<'a> SessionPrompter<'a> {
    fn new(set: &'a ProfileSet) -> Self {
        SessionPrompter {
            set,
            name: None,
            config: Values::default(),
        }
    }

    /// The setter of `sso_session`: the settings become a copy of the named session's.
    fn set_name(&mut self, name: Option<String>) {
        self.config = name
            .as_deref()
            .and_then(|n| self.set.sso_session(n))
            .map(values::of_section)
            .unwrap_or_default();
        self.name = name;
    }

    fn prompt_for_name(&mut self, p: &mut Prompter, required: bool) -> Result<(), Interrupted> {
        let text = "SSO session name";
        let fmt = match (&self.name, required) {
            (Some(_), _) => None,
            (None, true) => Some(format!("{text}: ")),
            (None, false) => Some(format!("{text} (Recommended): ")),
        };
        let current = self.name.clone();
        let validate = |text: &str| check_required(current.as_deref(), text);
        let validator: Option<Validator<'_>> = required.then_some(&validate);
        let name = p.get_value(current.as_deref(), text, validator, fmt.as_deref())?;
        self.set_name(name);
        Ok(())
    }

    /// `_prompt_for`: asks with the current value of `key`, stores a non-empty answer.
    fn prompt_for(
        &mut self,
        p: &mut Prompter,
        key: &str,
        text: &str,
        check: Check,
    ) -> Result<Option<String>, Interrupted> {
        let current = self.config.get(key).map(str::to_owned);
        let validate = |text: &str| check(current.as_deref(), text);
        let value = p.get_value(current.as_deref(), text, Some(&validate), None)?;
        if let Some(v) = &value {
            self.config.set(key, v);
        }
        Ok(value)
    }

    fn prompt_for_start_url(&mut self, p: &mut Prompter) -> Result<String, Interrupted> {
        let v = self.prompt_for(p, "sso_start_url", "SSO start URL", check_start_url)?;
        Ok(v.unwrap_or_default())
    }

    fn prompt_for_region(&mut self, p: &mut Prompter) -> Result<String, Interrupted> {
        let v = self.prompt_for(p, "sso_region", "SSO region", check_required)?;
        Ok(v.unwrap_or_default())
    }

    fn prompt_for_scopes(&mut self, p: &mut Prompter) -> Result<Vec<String>, Interrupted> {
        if self.config.get("sso_registration_scopes").is_none() {
            self.config
                .set("sso_registration_scopes", DEFAULT_SSO_SCOPE);
        }
        let raw = self.prompt_for(
            p,
            "sso_registration_scopes",
            "SSO registration scopes",
            check_scopes,
        )?;
        Ok(parse_scopes(&raw.unwrap_or_default()))
    }
}

fn configure_sso_session(env: &Env) -> Result<(), Stop> {
    // An unparsable file stops the wizard before its first question, naming the file and line.
    let files = super::Files::load(env)?;
    let (set, path) = (files.profiles, files.config);
    let mut p = Prompter::stdio();
    let mut session = SessionPrompter::new(&set);
    session.prompt_for_name(&mut p, true)?;
    session.prompt_for_start_url(&mut p)?;
    // The CLI resolves a vanity start URL's region first; awscred asks (docs/conformance.md).
    session.prompt_for_region(&mut p)?;
    session.prompt_for_scopes(&mut p)?;
    let name = session.name.clone().unwrap_or_default();
    values::write_sections(
        env,
        &path,
        &[(
            values::section_header("sso-session", &name),
            &session.config,
        )],
    )?;
    p.say(&format!(
        "\nCompleted configuring SSO session: {name}\nRun the following to login and refresh \
         access token for this session:\n\nawscred sso login --sso-session {name}\n"
    ))?;
    Ok(())
}

/// What the wizard logs in with.
struct Registration {
    session: SsoSession,
    force_refresh: bool,
}

fn configure_sso(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Stop> {
    let files = super::Files::load(env)?;
    let (set, path) = (Arc::new(files.profiles), files.config);
    let selected = globals::selected_profile(globals, env);
    let original_profile = selected.source.is_explicit().then(|| selected.name.clone());
    let profile_config = original_profile
        .as_deref()
        .and_then(|n| set.profile(n))
        .map(values::of_section)
        .unwrap_or_default();
    let mut p = Prompter::stdio();
    let mut session = SessionPrompter::new(&set);
    if let Some(name) = profile_config.get("sso_session") {
        session.set_name(Some(name.to_owned()));
    }
    let mut new_profile = Values::default();

    // _prompt_for_sso_registration_args
    session.prompt_for_name(&mut p, false)?;
    let registration = match session.name.clone() {
        None => {
            p.say(
                "WARNING: Configuring using legacy format (e.g. without an SSO session).\n\
                 Consider re-running \"configure sso\" command and providing a session name.\n",
            )?;
            // The legacy keys go to the profile itself.
            session.config = new_profile.clone();
            defaults_from_profile(&mut session, &profile_config);
            let start_url = session.prompt_for_start_url(&mut p)?;
            let region = session.prompt_for_region(&mut p)?;
            new_profile = session.config.clone();
            Registration {
                session: SsoSession::new(None, start_url, region),
                force_refresh: false,
            }
        }
        Some(name) => {
            new_profile.set("sso_session", &name);
            match set.sso_session(&name) {
                Some(existing) => Registration {
                    session: existing_session(&name, existing)?,
                    force_refresh: false,
                },
                None => {
                    defaults_from_profile(&mut session, &profile_config);
                    let start_url = session.prompt_for_start_url(&mut p)?;
                    let region = session.prompt_for_region(&mut p)?;
                    let scopes = session.prompt_for_scopes(&mut p)?;
                    Registration {
                        session: SsoSession::new(Some(name), start_url, region)
                            .with_registration_scopes(Some(scopes)),
                        force_refresh: true,
                    }
                }
            }
        }
    };

    // The login, with the sections not yet written: the context carries the files as they are.
    let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(env));
    let ctx = ProfileContext::new(env.clone(), set.clone(), selected.name.clone());
    let options = SsoLoginOptions::default()
        .with_use_device_code(matches.get_flag("use-device-code"))
        .with_no_browser(matches.get_flag("no-browser"));
    let token = {
        let mut out = std::io::stdout();
        crate::runtime::block_on(awscred_sso::login_to_session(
            &ctx,
            http.clone(),
            &registration.session,
            &options,
            registration.force_refresh,
            &mut out,
        ))?
        .map_err(Failure::from_sso_error)?
    };

    let portal = Portal::new(
        http,
        endpoint::resolve(&ctx, Service::Portal, &registration.session.region),
    );
    let (account, role) =
        match choose_account_and_role(&mut p, &portal, &token.access_token, &mut new_profile)? {
            Some((a, r)) => (Some(a), Some(r)),
            None => (None, None),
        };

    for (key, text) in [
        ("region", "Default client Region"),
        (
            "output",
            "CLI default output format (json if not specified)",
        ),
    ] {
        if let Some(v) = p.get_value(profile_config.get(key), text, None, None)? {
            new_profile.set(key, &v);
        }
    }

    let profile_name = match &original_profile {
        Some(name) => name.clone(),
        None => {
            let default = account
                .as_ref()
                .zip(role.as_ref())
                .map(|(a, r)| format!("{r}-{a}"));
            let validate = |text: &str| check_required(default.as_deref(), text);
            p.get_value(default.as_deref(), "Profile name", Some(&validate), None)?
                .unwrap_or_default()
        }
    };

    // _write_new_config: the profile, then the session, in one atomic write (the CLI makes two
    // writes; one leaves no half-configured profile behind when the second fails).
    let mut sections = Vec::new();
    if !new_profile.is_empty() {
        sections.push((values::profile_header(&profile_name), &new_profile));
    }
    if let Some(name) = &session.name {
        sections.push((values::section_header("sso-session", name), &session.config));
    }
    values::write_sections(env, &path, &sections)?;
    p.say(&conclusion(
        account.is_some() && role.is_some(),
        &profile_name,
    ))?;
    Ok(())
}

/// `_set_sso_session_defaults_from_profile_config`.
fn defaults_from_profile(session: &mut SessionPrompter<'_>, profile: &Values) {
    for key in ["sso_start_url", "sso_region"] {
        if let Some(v) = profile.get(key) {
            session.config.set(key, v);
        }
    }
}

/// The registration arguments of an `[sso-session]` already in the file
/// (`_get_sso_session_config`, with its message for missing keys).
fn existing_session(name: &str, section: &awscred_profile::Section) -> Result<SsoSession, Stop> {
    awscred_profile::sso::read_session(name, section).map_err(|missing| {
        Stop::Failed(Failure::Configuration(format!(
            "Missing the following required SSO configuration values: {}. (sso-session {name})",
            missing.join(", ")
        )))
    })
}

/// `_prompt_for_sso_account_and_role`: `None` when the portal refuses the token (the CLI then
/// configures the session without credentials).
fn choose_account_and_role(
    p: &mut Prompter,
    portal: &Portal,
    token: &awscred_core::Secret,
    new_profile: &mut Values,
) -> Result<Option<(String, String)>, Stop> {
    let listed = crate::runtime::block_on(portal.list_accounts(token))?;
    let accounts = match listed {
        Ok(a) => a,
        Err(ListError::Unauthorized(_)) => return skip(p),
        Err(other) => return Err(general(other.into_error())),
    };
    if accounts.is_empty() {
        return Err(general("No AWS accounts are available to you."));
    }
    let account_id = if accounts.len() == 1 {
        let id = accounts[0].account_id.clone();
        p.say(&format!("The only AWS account available to you is: {id}\n"))?;
        id
    } else {
        p.say(&format!(
            "There are {} AWS accounts available to you.\n",
            accounts.len()
        ))?;
        let mut sorted = accounts;
        sorted.sort_by_key(sorting_key);
        let shown: Vec<String> = sorted.iter().map(display_account).collect();
        sorted[p.select(&shown)?].account_id.clone()
    };
    p.say(&format!("Using the account ID {account_id}\n"))?;
    new_profile.set("sso_account_id", &account_id);

    let listed = crate::runtime::block_on(portal.list_account_roles(token, &account_id))?;
    let mut roles = match listed {
        Ok(r) => r,
        Err(ListError::Unauthorized(_)) => return skip(p),
        Err(other) => return Err(general(other.into_error())),
    };
    if roles.is_empty() {
        return Err(general(format!(
            "No roles are available for the account {account_id}"
        )));
    }
    let role = if roles.len() == 1 {
        let role = roles.remove(0);
        p.say(&format!("The only role available to you is: {role}\n"))?;
        role
    } else {
        p.say(&format!(
            "There are {} roles available to you.\n",
            roles.len()
        ))?;
        roles.sort_by_key(|r| r.to_lowercase());
        let i = p.select(&roles)?;
        roles.swap_remove(i)
    };
    p.say(&format!("Using the role name \"{role}\"\n"))?;
    new_profile.set("sso_role_name", &role);
    Ok(Some((account_id, role)))
}

fn skip(p: &mut Prompter) -> Result<Option<(String, String)>, Stop> {
    p.say(
        "Unable to list AWS accounts and/or roles. Skipping configuring AWS credential provider \
         for profile.\n",
    )?;
    Ok(None)
}

/// `display_account`.
fn display_account(a: &Account) -> String {
    match (&a.account_name, &a.email_address) {
        (None, None) => a.account_id.clone(),
        (Some(n), None) => format!("{n} ({})", a.account_id),
        (None, Some(e)) => format!("{e} ({})", a.account_id),
        (Some(n), Some(e)) => format!("{n}, {e} ({})", a.account_id),
    }
}

/// `get_account_sorting_key`: accounts with a name or email first, by the first of name, email
/// and id, case-insensitively.
fn sorting_key(a: &Account) -> (bool, String) {
    let only_id = a.account_name.is_none() && a.email_address.is_none();
    let first = a
        .account_name
        .as_ref()
        .or(a.email_address.as_ref())
        .unwrap_or(&a.account_id);
    (only_id, first.to_lowercase())
}

/// `_print_conclusion`.
fn conclusion(configured_for_credentials: bool, profile: &str) -> String {
    if !configured_for_credentials {
        format!("Successfully configured SSO for profile: {profile}\n")
    } else if profile.eq_ignore_ascii_case("default") {
        "The AWS CLI is now configured to use the default profile.\nRun the following command to \
         verify your configuration:\n\naws sts get-caller-identity\n"
            .to_owned()
    } else {
        format!(
            "To use this profile, specify the profile name using --profile, as shown:\n\naws sts \
             get-caller-identity --profile {profile}\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_urls_as_botocore_validates_them() {
        for ok in [
            "https://d-abc123.awsapps.com/start",
            "https://my-sso-portal.awsapps.com/start/#/",
            "http://127.0.0.1:8080/start",
            "https://example.com",
        ] {
            assert!(is_valid_start_url(ok), "{ok}");
        }
        for bad in [
            "",
            "d-abc123.awsapps.com/start",
            "not a url",
            "https://",
            "https://exa mple.com",
            "https://-bad.com/",
            "https://a\tb.com",
        ] {
            assert!(!is_valid_start_url(bad), "{bad}");
        }
    }

    #[test]
    fn scopes_as_the_cli_splits_and_checks_them() {
        assert_eq!(
            parse_scopes(" sso:account:access , codewhisperer:completions,,"),
            ["sso:account:access", "codewhisperer:completions"]
        );
        assert!(check_scopes(None, "a, b ,c").is_ok());
        assert!(check_scopes(Some("x"), "").is_ok());
        assert_eq!(
            check_scopes(None, "a b"),
            Err("Scope values must be separated by commas")
        );
        assert_eq!(check_start_url(None, ""), Err("Not a valid Start URL"));
        assert!(check_start_url(Some("https://x"), "").is_ok());
        assert_eq!(check_required(None, ""), Err("A value is required"));
    }

    #[test]
    fn accounts_display_and_sort_as_the_cli() {
        let a = |id: &str, n: Option<&str>, e: Option<&str>| {
            Account::new(id.into())
                .with_account_name(n.map(Into::into))
                .with_email_address(e.map(Into::into))
        };
        let mut list = [
            a("3", None, None),
            a("1", Some("zeta"), Some("z@x")),
            a("2", None, Some("Alpha@x")),
            a("4", Some("Beta"), None),
        ];
        list.sort_by_key(sorting_key);
        let shown: Vec<String> = list.iter().map(display_account).collect();
        assert_eq!(shown, ["Alpha@x (2)", "Beta (4)", "zeta, z@x (1)", "3"]);
    }

    #[test]
    fn conclusions() {
        assert!(conclusion(true, "Default").contains("configured to use the default profile"));
        assert!(conclusion(true, "dev").ends_with("--profile dev\n"));
        assert_eq!(
            conclusion(false, "dev"),
            "Successfully configured SSO for profile: dev\n"
        );
    }
}
