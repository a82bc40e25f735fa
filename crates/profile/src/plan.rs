//! How the selected profile gets its credentials: a base source, then zero or more roles to
//! assume in turn. Pure profile logic, checked against the cross-SDK assume-role suite and against
//! botocore (the AWS CLI's engine); the chain crate carries the plan out with the tier crates.
//!
//! The order follows botocore's `create_credential_resolver` and `AssumeRoleProvider`:
//!
//! * for the **selected** profile: assume role (`role_arn` with `source_profile` or
//!   `credential_source`, and no `web_identity_token_file`), then web identity, IAM Identity
//!   Center (SSO), static keys of the credentials file, an `aws login` session (`login_session`),
//!   `credential_process`, static keys of the config file;
//! * for a **source** profile: the same list without the assume-role step in front, which only
//!   applies when the profile has neither static key; so static keys win over a `role_arn`.
//!
//! ```
//! use std::path::Path;
//! use awscred_profile::ProfileSet;
//! use awscred_profile::plan::{resolve_chain, BaseCredentials};
//!
//! let set = ProfileSet::parse(
//!     Some((Path::new("/h/.aws/config"),
//!           "[profile dev]\nrole_arn = arn:aws:iam::1:role/Dev\nsource_profile = base\n")),
//!     Some((Path::new("/h/.aws/credentials"),
//!           "[base]\naws_access_key_id = AKID\naws_secret_access_key = S\n")),
//! );
//! let chain = resolve_chain(&set, "dev").unwrap();
//! let BaseCredentials::AccessKey { profile, keys } = &chain.base else { unreachable!() };
//! assert_eq!((profile.as_str(), keys.credentials.access_key_id()), ("base", "AKID"));
//! assert_eq!(chain.roles[0].role_arn, "arn:aws:iam::1:role/Dev");
//! assert_eq!(chain.tier(), awscred_core::Tier::AssumeRole);
//! ```
//!
//! The plan carries everything its tier needs (the keys and their file, the SSO settings, the
//! `credential_process` options), read here once: the tiers never read the files again.

use std::fmt;

use awscred_core::{Error, Tier};

use crate::sso::{self, SsoProfile};
use crate::{ProfileContext, ProfileSet, Section};

mod static_keys;

pub use static_keys::StaticKeys;

/// The plan for one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileChain {
    /// Where the first credentials come from.
    pub base: BaseCredentials,
    /// Roles to assume, in order, starting from the base credentials.
    pub roles: Vec<RoleStep>,
}

impl ProfileChain {
    /// A plan: `base`, then `roles` in order.
    pub fn new(base: BaseCredentials, roles: Vec<RoleStep>) -> Self {
        ProfileChain { base, roles }
    }

    /// The tier that answers for the plan: assume role when there are roles (or a
    /// `credential_source`), else the base's tier; keys are named after the file they are in.
    pub fn tier(&self) -> Tier {
        match &self.base {
            _ if !self.roles.is_empty() => Tier::AssumeRole,
            BaseCredentials::CredentialSource { .. } => Tier::AssumeRole,
            base => base.tier(),
        }
    }
}

/// Where a chain's first credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseCredentials {
    /// `aws_access_key_id` / `aws_secret_access_key` (and `aws_session_token`) of `profile`: both
    /// keys are present, in the same file (as botocore's per-file providers require).
    AccessKey {
        /// The profile holding the keys.
        profile: String,
        /// The keys, and the file they came from.
        keys: StaticKeys,
    },
    /// `role_arn` + `web_identity_token_file` of `profile` (for the selected profile, each value
    /// may come from `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_SESSION_NAME`
    /// instead: see [`resolve_for_context`]).
    WebIdentity {
        /// The profile.
        profile: String,
        /// The role to assume with the token.
        role_arn: String,
        /// The file holding the token, read on every refresh.
        token_file: String,
        /// `role_session_name`, when set.
        session_name: Option<String>,
    },
    /// IAM Identity Center settings of `profile` (`sso_session` or the legacy `sso_*` keys):
    /// `sso_role_name` or `sso_account_id` is set, and every required key is present (checked
    /// here, with the CLI's message).
    Sso {
        /// The profile.
        profile: String,
        /// The settings, merged from the profile and its sso-session.
        settings: SsoProfile,
    },
    /// `login_session` of `profile`: the session `aws login` (console sign-in) cached under
    /// `~/.aws/login/cache`. Like botocore's `LoginProvider`, the key applies as soon as it is
    /// present, whatever its value.
    Login {
        /// The profile.
        profile: String,
        /// The sign-in session name (the value of `login_session`).
        session: String,
    },
    /// `credential_process` of `profile`.
    CredentialProcess {
        /// The profile.
        profile: String,
        /// The command line, unsplit.
        command: String,
        /// `aws_account_id` of the profile, for output that does not name its account.
        account_id: Option<String>,
        /// awscred's opt-in to caching the output on disk ([`PROCESS_CACHE_KEY`]).
        disk_cache: bool,
    },
    /// `credential_source` of a role profile.
    CredentialSource {
        /// The profile naming the source.
        profile: String,
        /// The source.
        source: CredentialSource,
    },
}

impl BaseCredentials {
    /// The profile the base credentials are configured in.
    pub fn profile(&self) -> &str {
        match self {
            BaseCredentials::AccessKey { profile, .. }
            | BaseCredentials::WebIdentity { profile, .. }
            | BaseCredentials::Sso { profile, .. }
            | BaseCredentials::Login { profile, .. }
            | BaseCredentials::CredentialProcess { profile, .. }
            | BaseCredentials::CredentialSource { profile, .. } => profile,
        }
    }

    /// The tier that gives the base credentials (for a `credential_source`, the tier it names).
    pub fn tier(&self) -> Tier {
        match self {
            BaseCredentials::AccessKey { keys, .. } => keys.tier,
            BaseCredentials::WebIdentity { .. } => Tier::WebIdentity,
            BaseCredentials::Sso { .. } => Tier::Sso,
            BaseCredentials::Login { .. } => Tier::Login,
            BaseCredentials::CredentialProcess { .. } => Tier::CredentialProcess,
            BaseCredentials::CredentialSource { source, .. } => source.tier(),
        }
    }

    /// What the profile uses, in the words of an error about it: `static keys`,
    /// `credential_source = EcsContainer`...
    pub fn describe(&self) -> String {
        match self {
            BaseCredentials::AccessKey { .. } => "static keys".to_owned(),
            BaseCredentials::WebIdentity { .. } => "web identity".to_owned(),
            BaseCredentials::Sso { .. } => "IAM Identity Center".to_owned(),
            BaseCredentials::Login { .. } => "an `aws login` session".to_owned(),
            BaseCredentials::CredentialProcess { .. } => "credential_process".to_owned(),
            BaseCredentials::CredentialSource { source, .. } => {
                format!("credential_source = {}", source.as_str())
            }
        }
    }
}

/// The values `credential_source` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// The environment-variable tier.
    Environment,
    /// The EC2 instance metadata tier.
    Ec2InstanceMetadata,
    /// The container credentials tier.
    EcsContainer,
}

impl CredentialSource {
    /// Parses a `credential_source` value; the names are case-sensitive, as in the CLI.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "Environment" => Some(CredentialSource::Environment),
            "Ec2InstanceMetadata" => Some(CredentialSource::Ec2InstanceMetadata),
            "EcsContainer" => Some(CredentialSource::EcsContainer),
            _ => None,
        }
    }

    /// The tier that gives the credentials.
    pub fn tier(self) -> Tier {
        match self {
            CredentialSource::Environment => Tier::Env,
            CredentialSource::Ec2InstanceMetadata => Tier::InstanceMetadata,
            CredentialSource::EcsContainer => Tier::Container,
        }
    }

    /// The name as written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialSource::Environment => "Environment",
            CredentialSource::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            CredentialSource::EcsContainer => "EcsContainer",
        }
    }
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One role to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleStep {
    /// The profile that names the role.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub session_name: Option<String>,
    /// `duration_seconds`; a value that is not a number is ignored, as the CLI ignores it.
    pub duration_seconds: Option<u32>,
    /// `mfa_serial`.
    pub mfa_serial: Option<String>,
}

/// Works out the plan for `profile`, as the CLI does when the profile is named explicitly
/// (`--profile`, `AWS_PROFILE`) and the web-identity environment variables are ignored.
///
/// Errors, with the CLI's messages:
/// * [`ErrorKind::NotConfigured`](awscred_core::ErrorKind::NotConfigured): the profile has nothing that yields credentials (the chain moves
///   on to the container and instance-metadata tiers, as the CLI does);
/// * [`ErrorKind::InvalidConfiguration`](awscred_core::ErrorKind::InvalidConfiguration): the profile does not exist; `role_arn` with both or
///   neither of `source_profile` and `credential_source`; an unknown `credential_source`; a
///   `source_profile` that does not exist or has no credentials; a cycle; partial static keys;
///   a web identity profile without `role_arn`; incomplete SSO settings.
pub fn resolve_chain(set: &ProfileSet, profile: &str) -> Result<ProfileChain, Error> {
    Planner::new(set, None).resolve(profile)
}

/// Works out the plan for the selected profile of `ctx`. Unlike [`resolve_chain`], when the
/// profile was not chosen with `--profile`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and
/// `AWS_ROLE_SESSION_NAME` take part (each overriding the profile's key, as botocore's
/// `AssumeRoleWithWebIdentityProvider` reads them), and a missing `default` profile that was not
/// asked for by name is [`ErrorKind::NotConfigured`](awscred_core::ErrorKind::NotConfigured) rather than an error.
pub fn resolve_for_context(ctx: &ProfileContext) -> Result<ProfileChain, Error> {
    let env_web_identity = if ctx.profile_explicit {
        None
    } else {
        let var = |name: &str| ctx.env.var(name);
        Some(WebIdentityEnv {
            token_file: var("AWS_WEB_IDENTITY_TOKEN_FILE"),
            role_arn: var("AWS_ROLE_ARN"),
            session_name: var("AWS_ROLE_SESSION_NAME"),
        })
    };
    let name = ctx.profile_name.as_str();
    if ctx.profiles.profile(name).is_none() {
        let named = ctx.profile_explicit
            || ctx.env.var("AWS_PROFILE").is_some()
            || ctx.env.var("AWS_DEFAULT_PROFILE").is_some();
        if name == "default" && !named {
            // botocore only complains about a missing profile that was asked for; the
            // web-identity variables still apply to an empty default profile.
            let planner = Planner::new(&ctx.profiles, env_web_identity);
            return match planner.web_identity(name, &|_| None, true)? {
                Some(base) => Ok(ProfileChain::new(base, Vec::new())),
                None => Err(Error::not_configured(
                    "The config profile (default) has no credentials",
                )),
            };
        }
    }
    Planner::new(&ctx.profiles, env_web_identity).resolve(name)
}

#[derive(Debug)]
struct WebIdentityEnv {
    token_file: Option<String>,
    role_arn: Option<String>,
    session_name: Option<String>,
}

/// The longest role chain a profile may describe (roles assumed one on top of another through
/// `source_profile`). The CLI has no limit of its own and fails with Python's `RecursionError`
/// near 1000; real chains are a few roles long, and each role is a network call.
pub const MAX_ROLE_CHAIN: usize = 64;

struct Planner<'a> {
    set: &'a ProfileSet,
    env: Option<WebIdentityEnv>,
    visited: Vec<String>,
    roles: usize,
}

impl<'a> Planner<'a> {
    fn new(set: &'a ProfileSet, env: Option<WebIdentityEnv>) -> Self {
        Planner {
            set,
            env,
            visited: Vec::new(),
            roles: 0,
        }
    }

    fn resolve(mut self, name: &str) -> Result<ProfileChain, Error> {
        let profile = self
            .set
            .profile(name)
            .ok_or_else(|| Error::profile_not_found(name))?;
        self.visited.push(name.to_owned());
        if is_assume_role(profile) {
            return self.assume_role(name, profile);
        }
        self.profile_providers(name, profile, true)?.ok_or_else(|| {
            Error::not_configured(format!("The config profile ({name}) has no credentials"))
        })
    }

    /// botocore's `_load_creds_via_assume_role`: the role of `name`, on top of its source.
    fn assume_role(&mut self, name: &str, profile: &Section) -> Result<ProfileChain, Error> {
        // Also bounds the recursion below: a long enough generated chain would overflow the stack.
        self.roles += 1;
        if self.roles > MAX_ROLE_CHAIN {
            return Err(Error::invalid_config(format!(
                "The role chain of profile \"{}\" is longer than {MAX_ROLE_CHAIN} roles \
                 (source_profile links, last seen at profile \"{name}\")",
                self.visited.first().map_or(name, String::as_str)
            )));
        }
        let step = role_step(name, profile);
        let source_profile = profile.get("source_profile");
        let credential_source = profile.get("credential_source");
        let mut chain = match (source_profile, credential_source) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_config(format!(
                    "The profile \"{name}\" contains both source_profile and credential_source."
                )));
            }
            (None, None) => {
                return Err(Error::invalid_config(
                    "Partial credentials found in assume-role, missing: source_profile or credential_source",
                )
                .context(format!("profile {name}")));
            }
            (None, Some(source)) => {
                let source = CredentialSource::parse(source).ok_or_else(|| {
                    Error::invalid_config(format!(
                        "The credential source \"{source}\" referenced in profile \"{name}\" is not valid."
                    ))
                })?;
                ProfileChain {
                    base: BaseCredentials::CredentialSource {
                        profile: name.to_owned(),
                        source,
                    },
                    roles: Vec::new(),
                }
            }
            (Some(source_name), None) => {
                let source = self.validate_source_profile(name, source_name)?;
                self.visited.push(source_name.to_owned());
                self.source_profile_chain(source_name, source)?
            }
        };
        chain.roles.push(step);
        Ok(chain)
    }

    /// botocore's `_validate_source_profile`.
    fn validate_source_profile(
        &self,
        parent: &str,
        source_name: &str,
    ) -> Result<&'a Section, Error> {
        let source = self.set.profile(source_name).ok_or_else(|| {
            Error::invalid_config(format!(
                "The source_profile \"{source_name}\" referenced in the profile \"{parent}\" does not exist."
            ))
        })?;
        if !self.visited.iter().any(|v| v == source_name) {
            return Ok(source);
        }
        // A profile may name itself so that one section holds the keys and the role; anything
        // else seen twice is a loop.
        if source_name == parent && has_static_keys(source) {
            return Ok(source);
        }
        let visited: Vec<String> = self.visited.iter().map(|v| python_repr(v)).collect();
        Err(Error::invalid_config(format!(
            "Infinite loop in credential configuration detected. Attempting to load from profile \
             {source_name} which has already been visited. Visited profiles: [{}]",
            visited.join(", ")
        )))
    }

    /// botocore's `_resolve_credentials_from_profile`.
    fn source_profile_chain(
        &mut self,
        name: &str,
        profile: &'a Section,
    ) -> Result<ProfileChain, Error> {
        if has_static_keys(profile) || !is_assume_role(profile) {
            return self
                .profile_providers(name, profile, false)?
                .ok_or_else(|| {
                    Error::invalid_config(format!(
                        "The source profile \"{name}\" must have credentials."
                    ))
                });
        }
        self.assume_role(name, profile)
    }

    /// The profile providers of botocore's `ProfileProviderBuilder`, in order: web identity, SSO,
    /// credentials-file keys, `login_session`, `credential_process`, config-file keys. `None`
    /// when none applies.
    fn profile_providers(
        &self,
        name: &str,
        profile: &Section,
        selected: bool,
    ) -> Result<Option<ProfileChain>, Error> {
        let single = |base| {
            Ok(Some(ProfileChain {
                base,
                roles: Vec::new(),
            }))
        };
        if let Some(base) = self.web_identity(name, &|key| profile.get(key), selected)? {
            return single(base);
        }
        if let Some(settings) = sso::read_credential_config(self.set, name, profile)? {
            return single(BaseCredentials::Sso {
                profile: name.to_owned(),
                settings,
            });
        }
        let credentials_file = self.set.credentials_file();
        let keys = |in_credentials_file| {
            Ok(
                static_keys::read(name, profile, credentials_file, in_credentials_file)?.map(
                    |keys| BaseCredentials::AccessKey {
                        profile: name.to_owned(),
                        keys,
                    },
                ),
            )
        };
        if let Some(base) = keys(true)? {
            return single(base);
        }
        if let Some(session) = profile.get("login_session") {
            return single(BaseCredentials::Login {
                profile: name.to_owned(),
                session: session.to_owned(),
            });
        }
        if let Some(command) = profile.get("credential_process").filter(|c| !c.is_empty()) {
            return single(BaseCredentials::CredentialProcess {
                profile: name.to_owned(),
                command: command.to_owned(),
                account_id: profile.get("aws_account_id").map(str::to_owned),
                disk_cache: crate::opt_in(self.set, name, PROCESS_CACHE_KEY)?,
            });
        }
        if let Some(base) = keys(false)? {
            return single(base);
        }
        Ok(None)
    }

    fn web_identity<'b>(
        &self,
        name: &str,
        profile: &dyn Fn(&str) -> Option<&'b str>,
        selected: bool,
    ) -> Result<Option<BaseCredentials>, Error> {
        // The variables take part for the selected profile only, and each one wins over the
        // profile's key on its own (botocore's `_get_config`).
        let env = self.env.as_ref().filter(|_| selected);
        let pick = |env_value: Option<&Option<String>>, key: &str| -> Option<String> {
            match env_value {
                Some(Some(v)) => Some(v.clone()),
                _ => profile(key).map(str::to_owned),
            }
        };
        let token_file = pick(env.map(|e| &e.token_file), "web_identity_token_file");
        let Some(token_file) = token_file.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let role_arn = pick(env.map(|e| &e.role_arn), "role_arn").filter(|r| !r.is_empty());
        let Some(role_arn) = role_arn else {
            return Err(Error::invalid_config(format!(
                "The provided profile or the current environment is configured to assume role with \
                 web identity but has no role ARN configured. Ensure that the profile has the \
                 role_arn configuration set or the AWS_ROLE_ARN env var is set. (profile {name})"
            )));
        };
        Ok(Some(BaseCredentials::WebIdentity {
            profile: name.to_owned(),
            role_arn,
            token_file,
            session_name: pick(env.map(|e| &e.session_name), "role_session_name"),
        }))
    }
}

/// `role_arn` without `web_identity_token_file` (botocore's `_has_assume_role_config_vars`).
fn is_assume_role(profile: &Section) -> bool {
    profile.get("role_arn").is_some() && profile.get("web_identity_token_file").is_none()
}

fn has_static_keys(profile: &Section) -> bool {
    profile.get("aws_access_key_id").is_some() || profile.get("aws_secret_access_key").is_some()
}

/// awscred's opt-in key for caching a `credential_process`'s output on disk (the CLI ignores it).
pub const PROCESS_CACHE_KEY: &str = "awscred_credential_process_cache";

impl RoleStep {
    /// Assume `role_arn`, named by `profile`, with no other setting (set the fields to add
    /// them).
    pub fn new(profile: impl Into<String>, role_arn: impl Into<String>) -> Self {
        RoleStep {
            profile: profile.into(),
            role_arn: role_arn.into(),
            external_id: None,
            session_name: None,
            duration_seconds: None,
            mfa_serial: None,
        }
    }
}

fn role_step(name: &str, profile: &Section) -> RoleStep {
    let owned = |key: &str| profile.get(key).map(str::to_owned);
    RoleStep {
        profile: name.to_owned(),
        role_arn: owned("role_arn").unwrap_or_default(),
        external_id: owned("external_id"),
        session_name: owned("role_session_name"),
        duration_seconds: profile
            .get("duration_seconds")
            .and_then(|d| d.trim().parse().ok()),
        mfa_serial: owned("mfa_serial"),
    }
}

/// How Python prints a string in a list, which the CLI's loop message shows.
fn python_repr(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', "\\'"))
    }
}

#[cfg(test)]
mod tests;

/// More inputs run through botocore 1.44.8, with the outcome it gave.
#[cfg(test)]
mod botocore_checked;
