//! A profile's IAM Identity Center settings, read once with the CLI's validation and messages.
//!
//! The plan's SSO base ([`BaseCredentials::Sso`](crate::plan::BaseCredentials::Sso)) carries
//! them, so the SSO tier never reads the files again. `aws sso login` and the setup commands,
//! which look an sso-session up by name, use [`login_config`] and [`token_config`]: the rules
//! live here once.
//!
//! ```
//! use std::path::Path;
//! use awscred_profile::ProfileSet;
//! use awscred_profile::sso::credential_config;
//!
//! let set = ProfileSet::parse(
//!     Some((Path::new("/h/.aws/config"), "[profile dev]\nsso_session = s\n\
//!         sso_account_id = 1\nsso_role_name = R\n\
//!         [sso-session s]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n")),
//!     None,
//! );
//! let dev = credential_config(&set, "dev")?;
//! assert_eq!((dev.session.display_name(), dev.session.region.as_str()), ("s", "eu-west-1"));
//! # Ok::<(), awscred_core::Error>(())
//! ```

use awscred_core::{Error, Result};

use crate::{ProfileSet, Section};

/// The IAM Identity Center session a token belongs to: an `[sso-session NAME]`, or the legacy
/// `sso_start_url` / `sso_region` keys of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoSession {
    /// The `[sso-session]` name; `None` for a legacy profile.
    pub session_name: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`: where SSO-OIDC and the portal are called.
    pub region: String,
    /// `sso_registration_scopes`, split on commas (sso-session only).
    pub registration_scopes: Option<Vec<String>>,
    /// Where the start URL was written (`file:line`), for `explain`.
    pub start_url_location: Option<String>,
}

impl SsoSession {
    /// A session named `session_name` (`None`: a legacy profile's keys) with its start URL and
    /// region, no registration scopes and no known location.
    pub fn new(
        session_name: Option<String>,
        start_url: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        SsoSession {
            session_name,
            start_url: start_url.into(),
            region: region.into(),
            registration_scopes: None,
            start_url_location: None,
        }
    }

    /// Sets `sso_registration_scopes`.
    pub fn with_registration_scopes(mut self, scopes: Option<Vec<String>>) -> Self {
        self.registration_scopes = scopes;
        self
    }

    /// Sets where the start URL was written (`file:line`).
    pub fn with_start_url_location(mut self, location: Option<String>) -> Self {
        self.start_url_location = location;
        self
    }

    /// The name the CLI uses in messages: the session's, or the start URL.
    pub fn display_name(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }
}

/// A profile's complete SSO credential settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoProfile {
    /// The profile holding them.
    pub profile: String,
    /// The session.
    pub session: SsoSession,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
}

impl SsoProfile {
    /// The settings of `profile`: `role_name` in `account_id` through `session`.
    pub fn new(
        profile: impl Into<String>,
        session: SsoSession,
        account_id: impl Into<String>,
        role_name: impl Into<String>,
    ) -> Self {
        SsoProfile {
            profile: profile.into(),
            session,
            account_id: account_id.into(),
            role_name: role_name.into(),
        }
    }
}

/// The text the token-provider profiles and the conformance suite share.
const TOKEN_ONLY: &str = "selected profile will resolve an access token instead of credentials";

/// Reads the SSO credential settings of `profile` as botocore's `SSOProvider` does.
///
/// Not configured (the chain moves on) when the profile has neither `sso_account_id` nor
/// `sso_role_name`; invalid when keys are missing (all listed), when a key differs between the
/// profile and its sso-session, when the sso-session does not exist, or when the profile does
/// not exist ([`Error::profile_not_found`]).
pub fn credential_config(set: &ProfileSet, profile: &str) -> Result<SsoProfile> {
    let section = set
        .profile(profile)
        .ok_or_else(|| Error::profile_not_found(profile))?;
    match read_credential_config(set, profile, section)? {
        Some(settings) => Ok(settings),
        None if section.get("sso_session").is_some() => Err(Error::not_configured(format!(
            "profile {profile}: sso_session without sso_account_id and sso_role_name: the \
             {TOKEN_ONLY}"
        ))),
        None => Err(Error::not_configured(format!(
            "profile {profile} has no SSO settings"
        ))),
    }
}

/// botocore's `SSOProvider._load_sso_config` on `section` (the profile `name`): `None` when
/// neither `sso_role_name` nor `sso_account_id` is set; then every required key must be there,
/// in the profile or its sso-session, and the two must agree.
pub(crate) fn read_credential_config(
    set: &ProfileSet,
    name: &str,
    section: &Section,
) -> Result<Option<SsoProfile>> {
    if section.get("sso_role_name").is_none() && section.get("sso_account_id").is_none() {
        return Ok(None);
    }
    let session = match section.get("sso_session") {
        None => None,
        Some(session_name) => {
            let session = set.sso_session(session_name).ok_or_else(|| {
                Error::invalid_config(format!(
                    "The specified sso-session does not exist: \"{session_name}\""
                ))
            })?;
            // The first conflict in the sso-session's file order is named, as botocore walks
            // the section's keys in order.
            for (key, prop) in session.properties() {
                if let Some(own) = section.get(key)
                    && own != prop.value()
                {
                    return Err(Error::invalid_config(format!(
                        "The value for {key} is inconsistent between profile ({own}) and \
                         sso-session ({}).",
                        prop.value()
                    )));
                }
            }
            Some((session_name, session))
        }
    };
    let get = |key: &str| {
        session
            .and_then(|(_, s)| s.get(key))
            .or_else(|| section.get(key))
    };
    let required = [
        "sso_role_name",
        "sso_account_id",
        "sso_start_url",
        "sso_region",
    ];
    let missing: Vec<&str> = required
        .into_iter()
        .filter(|key| get(key).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid_config(format!(
            "The profile \"{name}\" is configured to use SSO but is missing required \
             configuration: {}",
            missing.join(", ")
        )));
    }
    let owned = |key: &str| get(key).unwrap_or_default().to_owned();
    let start_url_location = session
        .and_then(|(_, s)| s.property("sso_start_url"))
        .or_else(|| section.property("sso_start_url"))
        .map(|p| p.location().to_string());
    let session = SsoSession {
        session_name: session.map(|(n, _)| n.to_owned()),
        start_url: owned("sso_start_url"),
        region: owned("sso_region"),
        registration_scopes: session
            .and_then(|(_, s)| s.get("sso_registration_scopes"))
            .map(parse_scopes),
        start_url_location,
    };
    Ok(Some(SsoProfile::new(
        name,
        session,
        owned("sso_account_id"),
        owned("sso_role_name"),
    )))
}

/// Reads the sso-session of a token profile as botocore's `SSOTokenProvider` does: not
/// configured without `sso_session`; invalid when the profile does not exist, or the session is
/// missing or lacks `sso_start_url` / `sso_region`.
pub fn token_config(set: &ProfileSet, profile: &str) -> Result<SsoSession> {
    let section = set
        .profile(profile)
        .ok_or_else(|| Error::profile_not_found(profile))?;
    let Some(name) = section.get("sso_session") else {
        return Err(Error::not_configured(format!(
            "profile {profile} has no sso_session"
        )));
    };
    let session = set.sso_session(name).ok_or_else(|| {
        Error::invalid_config(format!(
            "The profile \"{profile}\" is configured to use the SSO token provider but the \
             \"{name}\" sso_session configuration does not exist."
        ))
    })?;
    read_session(name, session).map_err(|missing| {
        Error::invalid_config(format!(
            "The profile \"{profile}\" is configured to use the SSO token provider but is \
             missing the following configuration: {}.",
            missing.join(", ")
        ))
    })
}

/// The session `awscred sso login` works with, as the CLI's `BaseSSOCommand._get_sso_config`:
/// the `--sso-session` given, else the profile's `sso_session`, else the profile's legacy keys.
pub fn login_config(
    set: &ProfileSet,
    profile: &str,
    sso_session: Option<&str>,
) -> Result<SsoSession> {
    let section = set.profile(profile);
    let name = sso_session.or_else(|| section.and_then(|s| s.get("sso_session")));
    if let Some(name) = name {
        let session = set.sso_session(name).ok_or_else(|| {
            Error::invalid_config(format!(
                "The specified sso-session does not exist: \"{name}\" (no [sso-session {name}] \
                 section in {}; run `awscred configure sso-session` to add one)",
                config_file(set)
            ))
        })?;
        return read_session(name, session).map_err(|missing| {
            Error::invalid_config(format!(
                "Missing the following required SSO configuration values: {}. (sso-session \
                 {name} in {}; run `awscred configure sso-session` to set them)",
                missing.join(", "),
                config_file(set)
            ))
        });
    }
    let section = section.ok_or_else(|| Error::profile_not_found(profile))?;
    let missing = missing_keys(section);
    if !missing.is_empty() {
        return Err(Error::invalid_config(format!(
            "Missing the following required SSO configuration values: {}. To make sure this \
             profile is properly configured to use SSO, please run: awscred configure sso \
             (profile {profile} in {})",
            missing.join(", "),
            config_file(set)
        )));
    }
    Ok(SsoSession::new(
        None,
        section.get("sso_start_url").unwrap_or_default(),
        section.get("sso_region").unwrap_or_default(),
    )
    .with_start_url_location(
        section
            .property("sso_start_url")
            .map(|p| p.location().to_string()),
    ))
}

/// The config file, for messages.
fn config_file(set: &ProfileSet) -> String {
    set.config_file()
        .map_or_else(|| "the config file".to_owned(), |p| p.display().to_string())
}

fn missing_keys(section: &Section) -> Vec<&'static str> {
    ["sso_start_url", "sso_region"]
        .into_iter()
        .filter(|k| section.get(k).is_none())
        .collect()
}

/// The `[sso-session NAME]` section `session`, or the required keys it lacks (`sso_start_url`,
/// `sso_region`, in that order) for the caller's message.
pub fn read_session(name: &str, session: &Section) -> Result<SsoSession, Vec<&'static str>> {
    let missing = missing_keys(session);
    if !missing.is_empty() {
        return Err(missing);
    }
    Ok(SsoSession::new(
        Some(name.to_owned()),
        session.get("sso_start_url").unwrap_or_default(),
        session.get("sso_region").unwrap_or_default(),
    )
    .with_registration_scopes(session.get("sso_registration_scopes").map(parse_scopes))
    .with_start_url_location(
        session
            .property("sso_start_url")
            .map(|p| p.location().to_string()),
    ))
}

/// `sso_registration_scopes` as the CLI splits it: on commas, trimmed, empties dropped.
pub fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests;
