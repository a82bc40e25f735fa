//! Finding the cached sessions: every file of the CLI's caches (`~/.aws/sso/cache`,
//! `~/.aws/cli/cache`, `~/.aws/login/cache`), what kind of session it holds, when it expires and
//! which profiles use it.
//!
//! Profiles are matched to files by recomputing each file's name from the configuration, as the
//! CLI names them: SHA-1 of the sso-session name (or legacy start URL) for SSO tokens, botocore's
//! `_create_cache_key` of the AssumeRole / AssumeRoleWithWebIdentity arguments and of the SSO
//! role for role credentials, SHA-256 of the `login_session` for `aws login` sessions. MFA
//! sessions and cached `credential_process` answers carry their profile in an `"Awscred"` object.
//!
//! Only names and times are kept: the secrets in the files are never copied out of the parsed
//! JSON, which is dropped at once.

use awscred_core::fs::ReadLimit;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use awscred_core::{Env, timestamp};
use awscred_profile::ProfileSet;
use awscred_profile::plan::{self, BaseCredentials};
use awscred_sso::SsoSession;
use serde_json::Value;

/// What a cache file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// An IAM Identity Center access token (`~/.aws/sso/cache`).
    SsoToken,
    /// SSO role credentials (`"ProviderType": "sso"` in `~/.aws/cli/cache`).
    SsoRole,
    /// AssumeRole credentials.
    AssumeRole,
    /// AssumeRoleWithWebIdentity credentials.
    WebIdentity,
    /// An `aws login` session (`~/.aws/login/cache`).
    Login,
    /// An awscred MFA session (GetSessionToken).
    MfaSession,
    /// A cached `credential_process` answer.
    CredentialProcess,
    /// Role credentials in the CLI's format that no configured profile's name matches.
    RoleCredentials,
    /// A file that cannot be read or is not in any known format.
    Unreadable,
}

impl Kind {
    /// The name in the output (`Kind` in `--json`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::SsoToken => "sso-token",
            Kind::SsoRole => "sso-role-credentials",
            Kind::AssumeRole => "assume-role",
            Kind::WebIdentity => "web-identity",
            Kind::Login => "login",
            Kind::MfaSession => "mfa-session",
            Kind::CredentialProcess => "credential-process",
            Kind::RoleCredentials => "role-credentials",
            Kind::Unreadable => "unreadable",
        }
    }
}

/// One cached session. Holds no secret.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// What it is.
    pub(crate) kind: Kind,
    /// The file.
    pub(crate) path: PathBuf,
    /// When its credentials or token expire, when the file says.
    pub(crate) expires_at: Option<SystemTime>,
    /// The profiles that use it.
    pub(crate) profiles: BTreeSet<String>,
    /// Kind-specific facts, by their `--json` key (`StartUrl`, `RoleArn`...).
    pub(crate) details: BTreeMap<&'static str, Detail>,
}

/// A fact about a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Text.
    Text(String),
    /// Yes or no.
    Flag(bool),
}

/// The cache files' names each profile's configuration leads to.
#[derive(Debug, Default)]
struct Index {
    /// `~/.aws/sso/cache` file stem -> (sso-session name, profiles).
    sso_tokens: BTreeMap<String, (Option<String>, BTreeSet<String>)>,
    /// `~/.aws/cli/cache` file stem -> (kind, profiles).
    roles: BTreeMap<String, (Kind, BTreeSet<String>)>,
    /// `~/.aws/login/cache` file name -> (session, profiles).
    logins: BTreeMap<String, (String, BTreeSet<String>)>,
}

impl Index {
    fn build(set: &ProfileSet, env: &Env) -> Index {
        let mut index = Index::default();
        for name in set.sso_session_names() {
            let session = SsoSession::new(Some(name.to_owned()), String::new(), String::new());
            index
                .sso_tokens
                .entry(awscred_sso::token_cache_key(&session))
                .or_insert_with(|| (Some(name.to_owned()), BTreeSet::new()));
        }
        for profile in set.profile_names() {
            // A profile whose configuration is broken uses nothing that can be told.
            let Ok(chain) = plan::resolve_chain(set, profile) else {
                continue;
            };
            let uses = |map: &mut BTreeMap<String, (Kind, BTreeSet<String>)>, key, kind| {
                map.entry(key)
                    .or_insert_with(|| (kind, BTreeSet::new()))
                    .1
                    .insert(profile.to_owned());
            };
            for step in &chain.roles {
                let key = awscred_sts::assume_role_cache_key(
                    &step.role_arn,
                    step.session_name.as_deref(),
                    step.external_id.as_deref(),
                    step.mfa_serial.as_deref(),
                    step.duration_seconds,
                );
                uses(&mut index.roles, key, Kind::AssumeRole);
            }
            match &chain.base {
                BaseCredentials::WebIdentity {
                    role_arn,
                    session_name,
                    ..
                } => {
                    let key =
                        awscred_sts::web_identity_cache_key(role_arn, session_name.as_deref());
                    uses(&mut index.roles, key, Kind::WebIdentity);
                }
                BaseCredentials::Sso { settings: sso, .. } => {
                    uses(
                        &mut index.roles,
                        awscred_sso::role_cache_key(sso),
                        Kind::SsoRole,
                    );
                    index
                        .sso_tokens
                        .entry(awscred_sso::token_cache_key(&sso.session))
                        .or_insert_with(|| (sso.session.session_name.clone(), BTreeSet::new()))
                        .1
                        .insert(profile.to_owned());
                }
                BaseCredentials::Login { session, .. } => {
                    if let Some(file) = awscred_login::login_token_path(env, session)
                        .ok()
                        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    {
                        index
                            .logins
                            .entry(file)
                            .or_insert_with(|| (session.clone(), BTreeSet::new()))
                            .1
                            .insert(profile.to_owned());
                    }
                }
                _ => {}
            }
        }
        index
    }
}

/// Every cached session, ordered by kind then file. `set` is the configuration the profiles are
/// read from (an empty one when the files cannot be read: the caches are listed all the same).
pub(crate) fn scan(env: &Env, set: &ProfileSet) -> Vec<Session> {
    let index = Index::build(set, env);
    let mut sessions = Vec::new();
    if let Some(aws) = env.aws_dir() {
        for (path, bytes) in json_files(env, &aws.join("sso").join("cache")) {
            sessions.extend(sso_token(&index, path, bytes));
        }
    }
    if let Some(dir) = awscred_core::cli_cache::CliCache::dir_of(env) {
        for (path, bytes) in json_files(env, &dir) {
            sessions.push(role_credentials(&index, path, bytes));
        }
    }
    if let Ok(dir) = awscred_login::login_cache_dir(env) {
        for (path, bytes) in json_files(env, &dir) {
            sessions.push(login(&index, path, bytes));
        }
    }
    sessions.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
    sessions
}

/// The largest cache file read: the CLI's are a few kilobytes.
const MAX_CACHE_FILE: u64 = 1024 * 1024;

/// The `*.json` files of `dir` (lock and temporary files left out), read through the
/// environment's file system; a file that cannot be read is `Err` with the reason. What is on
/// disk and is not a regular file (a directory, a FIFO that would block the read) or is larger
/// than [`MAX_CACHE_FILE`] is not read.
fn json_files(env: &Env, dir: &Path) -> Vec<(PathBuf, Result<Vec<u8>, String>)> {
    let names = env.fs().list(dir).unwrap_or_default();
    names
        .into_iter()
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .map(|n| {
            let path = dir.join(n);
            let refused = match std::fs::metadata(&path) {
                Ok(m) if !m.is_file() => Some("not a regular file".to_owned()),
                Ok(m) if m.len() > MAX_CACHE_FILE => {
                    Some(format!("larger than {} KiB", MAX_CACHE_FILE / 1024))
                }
                _ => None,
            };
            let bytes = match refused {
                Some(why) => Err(why),
                None => env
                    .read_file(&path, ReadLimit::CACHE_ENTRY)
                    .map_err(|e| e.to_string()),
            };
            (path, bytes)
        })
        .collect()
}

fn unreadable(path: PathBuf, why: String) -> Session {
    let mut details = BTreeMap::new();
    details.insert("Error", Detail::Text(why));
    Session {
        kind: Kind::Unreadable,
        path,
        expires_at: None,
        profiles: BTreeSet::new(),
        details,
    }
}

/// The file as a JSON object, or why not (never quoting it).
fn object(bytes: Result<Vec<u8>, String>) -> Result<serde_json::Map<String, Value>, String> {
    let bytes = bytes.map_err(|e| format!("cannot be read: {e}"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!(
            "not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    }
}

fn text<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn expiry(raw: Option<&str>) -> Result<SystemTime, String> {
    let raw = raw.ok_or("no expiration time")?;
    timestamp::parse(raw).ok_or_else(|| "the expiration time is not an ISO 8601 timestamp".into())
}

/// A token file; `None` for a client registration (`botocore-client-id-*`, or any file with a
/// client secret and no token), which is not a session.
fn sso_token(index: &Index, path: PathBuf, bytes: Result<Vec<u8>, String>) -> Option<Session> {
    let map = match object(bytes) {
        Ok(map) => map,
        Err(why) => return Some(unreadable(path, why)),
    };
    if !map.contains_key("accessToken") && map.contains_key("clientId") {
        return None;
    }
    if text(&map, "accessToken").is_none() {
        return Some(unreadable(path, "no `accessToken`".into()));
    }
    let expires_at = match expiry(text(&map, "expiresAt")) {
        Ok(t) => t,
        Err(why) => return Some(unreadable(path, why)),
    };
    let mut details = BTreeMap::new();
    let known = index.sso_tokens.get(&stem(&path));
    if let Some(name) = known.and_then(|(name, _)| name.clone()) {
        details.insert("SsoSession", Detail::Text(name));
    }
    for (json, key) in [("startUrl", "StartUrl"), ("region", "Region")] {
        if let Some(v) = text(&map, json) {
            details.insert(key, Detail::Text(v.to_owned()));
        }
    }
    details.insert(
        "RefreshToken",
        Detail::Flag(text(&map, "refreshToken").is_some_and(|t| !t.is_empty())),
    );
    Some(Session {
        kind: Kind::SsoToken,
        path,
        expires_at: Some(expires_at),
        profiles: known.map(|(_, p)| p.clone()).unwrap_or_default(),
        details,
    })
}

/// A `~/.aws/cli/cache` file: botocore's `{"Credentials": {...}, ...}` with, for SSO,
/// `"ProviderType": "sso"`, and for awscred's own entries an `"Awscred"` marker.
fn role_credentials(index: &Index, path: PathBuf, bytes: Result<Vec<u8>, String>) -> Session {
    let map = match object(bytes) {
        Ok(map) => map,
        Err(why) => return unreadable(path, why),
    };
    let Some(Value::Object(creds)) = map.get("Credentials") else {
        return unreadable(path, "no `Credentials` object".into());
    };
    let expires_at = match expiry(text(creds, "Expiration")) {
        Ok(t) => t,
        Err(why) => return unreadable(path, why),
    };
    let mut details = BTreeMap::new();
    if let Some(account) = text(creds, "AccountId") {
        details.insert("AccountId", Detail::Text(account.to_owned()));
    }
    if let Some(arn) = map
        .get("AssumedRoleUser")
        .and_then(|u| u.get("Arn"))
        .and_then(Value::as_str)
    {
        details.insert("RoleArn", Detail::Text(arn.to_owned()));
    }
    let (kind, profiles) = if let Some(marker) = map.get("Awscred") {
        let kind = match marker.get("Kind").and_then(Value::as_str) {
            Some("mfa-session") => Kind::MfaSession,
            Some("credential-process") => Kind::CredentialProcess,
            _ => return unreadable(path, "an `Awscred` entry of an unknown kind".into()),
        };
        let profiles = marker
            .get("Profile")
            .and_then(Value::as_str)
            .map(|p| BTreeSet::from([p.to_owned()]))
            .unwrap_or_default();
        (kind, profiles)
    } else if let Some((kind, profiles)) = index.roles.get(&stem(&path)) {
        (*kind, profiles.clone())
    } else if text(&map, "ProviderType") == Some("sso") {
        (Kind::SsoRole, BTreeSet::new())
    } else {
        (Kind::RoleCredentials, BTreeSet::new())
    };
    Session {
        kind,
        path,
        expires_at: Some(expires_at),
        profiles,
        details,
    }
}

/// An `aws login` token file: `accessToken` holds the credentials and their `expiresAt`.
fn login(index: &Index, path: PathBuf, bytes: Result<Vec<u8>, String>) -> Session {
    let map = match object(bytes) {
        Ok(map) => map,
        Err(why) => return unreadable(path, why),
    };
    let Some(Value::Object(access)) = map.get("accessToken") else {
        return unreadable(path, "no `accessToken` object".into());
    };
    let expires_at = match expiry(text(access, "expiresAt")) {
        Ok(t) => t,
        Err(why) => return unreadable(path, why),
    };
    let mut details = BTreeMap::new();
    if let Some(account) = text(access, "accountId") {
        details.insert("AccountId", Detail::Text(account.to_owned()));
    }
    details.insert(
        "RefreshToken",
        Detail::Flag(text(&map, "refreshToken").is_some_and(|t| !t.is_empty())),
    );
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let known = index.logins.get(&name);
    if let Some((session, _)) = known {
        details.insert("LoginSession", Detail::Text(session.clone()));
    }
    Session {
        kind: Kind::Login,
        path,
        expires_at: Some(expires_at),
        profiles: known.map(|(_, p)| p.clone()).unwrap_or_default(),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::fs::MemFs;
    use std::sync::Arc;

    #[test]
    fn legacy_tokens_and_expired_roles_are_matched() {
        let start_url = "https://legacy.awsapps.com/start";
        let config = format!(
            "[profile old]\nsso_start_url = {start_url}\nsso_region = eu-west-1\n\
             sso_account_id = 1\nsso_role_name = R\n\
             [profile r]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\n\
             duration_seconds = 900\n"
        );
        let session = SsoSession::new(None, start_url, String::new());
        let role_key = awscred_sts::assume_role_cache_key(
            "arn:aws:iam::1:role/x",
            None,
            None,
            None,
            Some(900),
        );
        let fs = MemFs::default()
            .with_file(
                format!("/h/.aws/sso/cache/{}.json", awscred_sso::token_cache_key(&session)),
                format!(
                    r#"{{"accessToken": "t", "expiresAt": "2030-01-01T00:00:00Z", "startUrl": "{start_url}"}}"#
                ),
            )
            .with_file(
                format!("/h/.aws/cli/cache/{role_key}.json"),
                r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2020-01-01T00:00:00UTC"}}"#,
            );
        // The cache paths are written with '/': the in-memory files compare paths part by
        // part, and `\\` and `/` both separate parts on Windows.
        let env = Env::from_vars([(awscred_testkit::HOME_VAR, "/h")]).with_fs(Arc::new(fs));
        let set = ProfileSet::parse(Some((Path::new("/h/.aws/config"), &config)), None);
        let sessions = scan(&env, &set);
        assert_eq!(sessions.len(), 2, "{sessions:?}");
        let token = &sessions[0];
        assert_eq!(token.kind, Kind::SsoToken);
        assert_eq!(token.profiles, BTreeSet::from(["old".to_owned()]));
        assert!(!token.details.contains_key("SsoSession"));
        assert_eq!(token.details["RefreshToken"], Detail::Flag(false));
        let role = &sessions[1];
        assert_eq!(role.kind, Kind::AssumeRole);
        assert_eq!(role.profiles, BTreeSet::from(["r".to_owned()]));
        assert!(role.expires_at.unwrap() < env.now());
    }
}
