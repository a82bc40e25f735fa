//! Reading a profile's IAM Identity Center settings, with the CLI's validation and messages.

use awscred_core::{Error, Result};
use awscred_profile::{ProfileSet, Section};

/// The IAM Identity Center session a token belongs to: an `[sso-session NAME]`, or the legacy
/// `sso_start_url` / `sso_region` keys of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The token cache file's name: SHA-1 of the session name, or of the start URL for a legacy
    /// profile, as the CLI names it.
    pub fn token_cache_key(&self) -> String {
        crate::util::sha1_hex(
            self.session_name
                .as_deref()
                .unwrap_or(&self.start_url)
                .as_bytes(),
        )
    }

    /// The name the CLI uses in messages: the session's, or the start URL.
    pub fn display_name(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }
}

/// A profile's complete SSO credential settings.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The CLI's role-credential cache key (`~/.aws/cli/cache/<key>.json`): SHA-1 of the
    /// compact, sorted JSON of `accountId`, `roleName` and `sessionName` (sso-session) or
    /// `startUrl` (legacy).
    pub fn role_cache_key(&self) -> String {
        use crate::util::PyJson;
        let mut args = vec![
            ("roleName".to_owned(), PyJson::Str(self.role_name.clone())),
            ("accountId".to_owned(), PyJson::Str(self.account_id.clone())),
        ];
        match &self.session.session_name {
            Some(name) => args.push(("sessionName".to_owned(), PyJson::Str(name.clone()))),
            None => args.push((
                "startUrl".to_owned(),
                PyJson::Str(self.session.start_url.clone()),
            )),
        }
        let json = PyJson::Object(args).sorted().dumps(true);
        // `_make_file_safe` has nothing to replace in a hex digest.
        crate::util::sha1_hex(json.as_bytes())
    }
}

/// The text the token-provider profiles and the conformance suite share.
const TOKEN_ONLY: &str = "selected profile will resolve an access token instead of credentials";

/// Reads the SSO credential settings of `profile` as botocore's `SSOProvider` does.
///
/// Not configured (the chain moves on) when the profile has neither `sso_account_id` nor
/// `sso_role_name`; invalid when keys are missing (all listed), when a key differs between the
/// profile and its sso-session, or when the sso-session does not exist.
pub fn credential_config(set: &ProfileSet, profile: &str) -> Result<SsoProfile> {
    let section = set.profile(profile).ok_or_else(|| {
        Error::not_configured(format!("The config profile ({profile}) could not be found"))
    })?;
    if section.get("sso_account_id").is_none() && section.get("sso_role_name").is_none() {
        if section.get("sso_session").is_some() {
            return Err(Error::not_configured(format!(
                "profile {profile}: sso_session without sso_account_id and sso_role_name: the \
                 {TOKEN_ONLY}"
            )));
        }
        return Err(Error::not_configured(format!(
            "profile {profile} has no SSO settings"
        )));
    }

    let mut values: Vec<(&'static str, Option<String>)> = Vec::new();
    let mut session_name = None;
    let mut scopes = None;
    let mut location = section
        .property("sso_start_url")
        .map(|p| p.location().to_string());
    let keys = [
        "sso_role_name",
        "sso_account_id",
        "sso_start_url",
        "sso_region",
    ];
    for key in keys {
        values.push((key, section.get(key).map(str::to_owned)));
    }
    if let Some(name) = section.get("sso_session") {
        let session = set.sso_session(name).ok_or_else(|| {
            Error::invalid_config(format!(
                "The specified sso-session does not exist: \"{name}\" (profile {profile})"
            ))
        })?;
        for (key, property) in session.properties() {
            if let Some(mine) = section.get(key)
                && mine != property.value()
            {
                return Err(Error::invalid_config(format!(
                    "The value for {key} is inconsistent between profile ({mine}) and \
                     sso-session ({}) (profile {profile}, sso-session {name})",
                    property.value()
                )));
            }
        }
        for (key, value) in values.iter_mut() {
            if let Some(v) = session.get(key) {
                *value = Some(v.to_owned());
            }
        }
        if let Some(p) = session.property("sso_start_url") {
            location = Some(p.location().to_string());
        }
        scopes = session.get("sso_registration_scopes").map(parse_scopes);
        session_name = Some(name.to_owned());
    }
    let missing: Vec<&str> = values
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid_config(format!(
            "The profile \"{profile}\" is configured to use SSO but is missing required \
             configuration: {}",
            missing.join(", ")
        )));
    }
    let take = |key: &str| {
        values
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok(SsoProfile {
        profile: profile.to_owned(),
        session: SsoSession {
            session_name,
            start_url: take("sso_start_url"),
            region: take("sso_region"),
            registration_scopes: scopes,
            start_url_location: location,
        },
        account_id: take("sso_account_id"),
        role_name: take("sso_role_name"),
    })
}

/// Reads the sso-session of a token profile as botocore's `SSOTokenProvider` does: not
/// configured without `sso_session`; invalid when the session is missing or lacks
/// `sso_start_url` / `sso_region`.
pub fn token_config(set: &ProfileSet, profile: &str) -> Result<SsoSession> {
    let section = set.profile(profile).ok_or_else(|| {
        Error::not_configured(format!("The config profile ({profile}) could not be found"))
    })?;
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
    let missing = missing_keys(session);
    if !missing.is_empty() {
        return Err(Error::invalid_config(format!(
            "The profile \"{profile}\" is configured to use the SSO token provider but is \
             missing the following configuration: {}.",
            missing.join(", ")
        )));
    }
    Ok(session_of(name, session))
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
        let missing = missing_keys(session);
        if !missing.is_empty() {
            return Err(Error::invalid_config(format!(
                "Missing the following required SSO configuration values: {}. (sso-session \
                 {name} in {}; run `awscred configure sso-session` to set them)",
                missing.join(", "),
                config_file(set)
            )));
        }
        return Ok(session_of(name, session));
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
    Ok(SsoSession {
        session_name: None,
        start_url: section.get("sso_start_url").unwrap_or_default().to_owned(),
        region: section.get("sso_region").unwrap_or_default().to_owned(),
        registration_scopes: None,
        start_url_location: section
            .property("sso_start_url")
            .map(|p| p.location().to_string()),
    })
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

fn session_of(name: &str, session: &Section) -> SsoSession {
    SsoSession {
        session_name: Some(name.to_owned()),
        start_url: session.get("sso_start_url").unwrap_or_default().to_owned(),
        region: session.get("sso_region").unwrap_or_default().to_owned(),
        registration_scopes: session.get("sso_registration_scopes").map(parse_scopes),
        start_url_location: session
            .property("sso_start_url")
            .map(|p| p.location().to_string()),
    }
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
mod tests {
    use super::*;
    use std::path::Path;

    fn set(config: &str) -> ProfileSet {
        ProfileSet::parse(Some((Path::new("/h/.aws/config"), config)), None)
    }

    #[test]
    fn legacy_profile() {
        let s = set(
            "[profile a]\nsso_start_url = https://x/start\nsso_region = us-east-2\n\
                     sso_account_id = 123\nsso_role_name = R\n",
        );
        let c = credential_config(&s, "a").unwrap();
        assert_eq!(c.session.session_name, None);
        assert_eq!(
            c.session.token_cache_key(),
            crate::util::sha1_hex(b"https://x/start")
        );
        assert_eq!(
            c.session.start_url_location.as_deref(),
            Some("/h/.aws/config:2")
        );
        assert_eq!((c.account_id.as_str(), c.role_name.as_str()), ("123", "R"));
    }

    #[test]
    fn missing_keys_are_listed_in_order() {
        let s = set("[profile a]\nsso_account_id = 123\n");
        let e = credential_config(&s, "a").unwrap_err();
        assert_eq!(e.kind(), awscred_core::ErrorKind::InvalidConfiguration);
        assert!(
            e.message().ends_with(
                "missing required configuration: sso_role_name, sso_start_url, sso_region"
            ),
            "{e}"
        );
        let s = set(
            "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n[sso-session s]\nsso_region = x\n",
        );
        let e = credential_config(&s, "a").unwrap_err();
        assert!(e.message().ends_with("configuration: sso_start_url"), "{e}");
    }

    #[test]
    fn session_conflicts_and_unknown_sessions() {
        let s = set(
            "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n\
                     sso_region = us-west-2\n[sso-session s]\nsso_region = us-east-1\nsso_start_url = u\n",
        );
        let e = credential_config(&s, "a").unwrap_err();
        assert!(e.message().starts_with(
            "The value for sso_region is inconsistent between profile (us-west-2) and sso-session (us-east-1)"
        ), "{e}");
        // Several conflicts: the first in the sso-session's file order is named, as botocore
        // walks the section's keys in order.
        let session_lines = [
            "sso_start_url = https://y",
            "sso_region = us-west-2",
            "sso_registration_scopes = b",
        ];
        for order in [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ] {
            let lines: Vec<&str> = order.iter().map(|&i| session_lines[i]).collect();
            let s = set(&format!(
                "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n\
                 sso_start_url = https://x\nsso_region = us-east-1\nsso_registration_scopes = a\n\
                 [sso-session s]\n{}\n",
                lines.join("\n")
            ));
            let first = lines[0].split(' ').next().unwrap();
            let e = credential_config(&s, "a").unwrap_err();
            assert!(
                e.message()
                    .starts_with(&format!("The value for {first} is inconsistent")),
                "{order:?}: {e}"
            );
        }
        let s = set("[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = nope\n");
        let e = credential_config(&s, "a").unwrap_err();
        assert!(
            e.message()
                .starts_with("The specified sso-session does not exist: \"nope\""),
            "{e}"
        );
        // The same value in both places is fine.
        let s = set(
            "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n\
                     sso_region = us-east-1\n[sso-session s]\nsso_region = us-east-1\nsso_start_url = u\n\
                     sso_registration_scopes = a, ,b\n",
        );
        let c = credential_config(&s, "a").unwrap();
        assert_eq!(c.session.session_name.as_deref(), Some("s"));
        assert_eq!(
            c.session.registration_scopes,
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn not_configured_cases() {
        let s = set("[profile a]\nregion = x\n[profile t]\nsso_session = s\n");
        assert!(credential_config(&s, "a").unwrap_err().is_not_configured());
        let e = credential_config(&s, "t").unwrap_err();
        assert!(e.is_not_configured());
        assert!(e.message().contains(TOKEN_ONLY));
        assert!(
            credential_config(&s, "missing")
                .unwrap_err()
                .is_not_configured()
        );
        assert!(token_config(&s, "a").unwrap_err().is_not_configured());
        let e = token_config(&s, "t").unwrap_err();
        assert!(
            e.message()
                .contains("\"s\" sso_session configuration does not exist"),
            "{e}"
        );
    }

    #[test]
    fn login_lookup() {
        let s = set(
            "[profile a]\nsso_session = s\n[profile l]\nsso_region = r\n\
                     [sso-session s]\nsso_region = r\nsso_start_url = u\n[sso-session bad]\nsso_region = r\n",
        );
        assert_eq!(
            login_config(&s, "a", None).unwrap().session_name.as_deref(),
            Some("s")
        );
        assert_eq!(login_config(&s, "zzz", Some("s")).unwrap().start_url, "u");
        let e = login_config(&s, "l", None).unwrap_err();
        assert!(
            e.message().starts_with(
                "Missing the following required SSO configuration values: sso_start_url."
            ),
            "{e}"
        );
        let e = login_config(&s, "a", Some("bad")).unwrap_err();
        assert!(e.message().contains("sso_start_url"), "{e}");
        assert!(login_config(&s, "a", Some("nope")).is_err());
    }
}
