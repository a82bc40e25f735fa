//! Credentials of an `aws login` (console sign-in) session: a profile with `login_session = <name>`
//! uses the credentials the CLI cached in `~/.aws/login/cache/<SHA-256 of the name>.json`, as
//! botocore's `LoginProvider` / `LoginCredentialFetcher`.
//!
//! What is not done: refreshing through the sign-in service (`signin` `CreateOAuth2Token`, with a
//! DPoP proof signed by the cached `dpopKey`). Where the CLI would have to make that call, this
//! provider fails with a message saying how to get fresh credentials instead of answering
//! differently from the CLI or falling through to another tier.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use awscred_core::provider::BoxFuture;
use awscred_core::timestamp;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, Result, Secret};
use awscred_profile::ProfileContext;
use serde_json::{Map, Value};

use crate::util::sha256_hex;

/// The tier's name in [`Credentials::provider`]: botocore's `LoginProvider.METHOD`.
pub const LOGIN_PROVIDER_NAME: &str = "login";

/// The CLI's fetcher hands back the cached credentials, without calling the sign-in service,
/// while more than this remains (`LoginCredentialFetcher._REFRESH_THRESHOLD`).
const REFRESH_THRESHOLD: Duration = Duration::from_secs(5 * 60);

/// Below this, botocore's `RefreshableCredentials` refresh is mandatory (its errors reach the
/// caller); between this and the 15-minute advisory window a failed refresh is ignored.
const MANDATORY_REFRESH: Duration = Duration::from_secs(10 * 60);

/// `LoginCredentialFetcher._REQUIRED_TOKEN_FIELDS`, in its order (the error lists them so).
const REQUIRED_FIELDS: [&str; 4] = ["accessToken", "refreshToken", "dpopKey", "clientId"];

/// The directory of the login token cache: `AWS_LOGIN_CACHE_DIRECTORY` (with `$VAR`, `${VAR}`
/// and a leading `~` expanded, as botocore's `get_login_token_cache_directory`), else
/// `~/.aws/login/cache`.
pub fn login_cache_dir(env: &Env) -> Result<PathBuf> {
    if let Some(dir) = env.var("AWS_LOGIN_CACHE_DIRECTORY") {
        return Ok(awscred_profile::expand_path(&dir, env));
    }
    env.aws_dir()
        .map(|d| d.join("login").join("cache"))
        .ok_or_else(|| {
            Error::invalid_config("cannot find the `aws login` token cache: HOME is not set")
        })
}

/// The token file of sign-in session `session`: `<cache dir>/<SHA-256 hex of the name>.json`
/// (botocore's `generate_login_cache_key`).
pub fn login_token_path(env: &Env, session: &str) -> Result<PathBuf> {
    Ok(login_cache_dir(env)?.join(format!("{}.json", sha256_hex(session.as_bytes()))))
}

/// The credentials of a `login_session` profile, read from the `aws login` token cache.
///
/// ```
/// use std::sync::Arc;
/// use awscred_core::{Env, fs::MemFs};
/// use awscred_sso::{LoginSessionProvider, login_token_path};
///
/// let env = Env::from_vars([("HOME", "/home/u")]).with_fs(Arc::new(MemFs::default()));
/// let provider = LoginSessionProvider::from_parts(env.clone(), "dev", "my-session");
/// assert_eq!(
///     login_token_path(&env, "my-session")?,
///     std::path::Path::new("/home/u/.aws/login/cache")
///         .join("01165fb3732a6968358f6f573df34230271c76c22850a80e5fb47f4543804fdd.json")
/// );
/// // No token file: the CLI's message.
/// let err = provider.load().unwrap_err();
/// assert!(err.to_string().contains(
///     "Unable to load a existing login session for session my-session. \
///      Please reauthenticate with 'aws login'."));
/// # Ok::<(), awscred_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LoginSessionProvider {
    env: Env,
    profile: String,
    session: String,
}

impl LoginSessionProvider {
    /// The provider of `profile`, whose `login_session` is `session`, in `ctx`'s environment.
    pub fn new(ctx: &ProfileContext, profile: &str, session: &str) -> Self {
        Self::from_parts(ctx.env.clone(), profile, session)
    }

    /// The same, from an environment alone (the profile name is only used in messages).
    pub fn from_parts(env: Env, profile: &str, session: &str) -> Self {
        LoginSessionProvider {
            env,
            profile: profile.to_owned(),
            session: session.to_owned(),
        }
    }

    /// The sign-in session name.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Reads the token file and returns its credentials, as the CLI would use them now.
    ///
    /// Errors: no token file, or one without the required fields (the CLI's messages); a file
    /// that is not valid (which field, never the contents); credentials with 5 minutes or less
    /// left, which the CLI would refresh through the sign-in service (not implemented: the
    /// message says to run `aws login`).
    pub fn load(&self) -> Result<Credentials> {
        let path = login_token_path(&self.env, &self.session)?;
        let token = self.read(&path)?;
        let now = self.env.now();
        let left = token
            .expires_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO);
        if left <= REFRESH_THRESHOLD {
            return Err(self.needs_refresh(&path, token.expires_at));
        }
        if left < MANDATORY_REFRESH && !token.dpop_key_looks_valid {
            // The CLI's mandatory refresh loads the key before anything else, and that
            // failure reaches the caller (in the advisory window it is swallowed).
            return Err(Error::provider_failed(format!(
                "Unable to load private key from cached token. (`aws login` session '{}' of \
                 profile {}, {})",
                self.session,
                self.profile,
                path.display()
            )));
        }
        Ok(Credentials::new(
            token.access_key_id,
            token.secret_access_key,
            Some(token.session_token),
            Some(token.expires_at),
            LOGIN_PROVIDER_NAME,
        )
        .with_account_id(Some(token.account_id))
        .with_origin("credentials", path.display().to_string()))
    }

    fn needs_refresh(&self, path: &Path, expires_at: SystemTime) -> Error {
        let (session, profile) = (&self.session, &self.profile);
        Error::provider_failed(format!(
            "the `aws login` session '{session}' of profile {profile} needs a refresh (its \
             credentials expire at {}; token file {}), which awscred cannot do yet: run \
             `aws login` (or any AWS CLI command with --profile {profile}), then try again",
            timestamp::format_z(expires_at),
            path.display()
        ))
    }

    fn read(&self, path: &Path) -> Result<LoginToken> {
        let bytes = self.env.read_file(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::provider_failed(format!(
                    "Unable to load a existing login session for session {}. Please \
                     reauthenticate with 'aws login'. (profile {}, {})",
                    self.session,
                    self.profile,
                    path.display()
                ))
            } else {
                Error::new(
                    ErrorKind::Io,
                    format!(
                        "the `aws login` token file {} of profile {} could not be read: {e}",
                        path.display(),
                        self.profile
                    ),
                )
            }
        })?;
        // The buffer holds every secret of the file: wiped when dropped.
        let file = zeroize::Zeroizing::new(bytes);
        LoginToken::parse(&file).map_err(|why| {
            let message = match why {
                Invalid::Missing(fields) => format!(
                    "Failed to load access token from token cache, missing required fields: {}.",
                    fields.join(", ")
                ),
                Invalid::Other(why) => {
                    format!("the `aws login` token file is not valid: {why}")
                }
            };
            Error::provider_failed(format!(
                "{message} (`aws login` session '{}' of profile {}, {}): run `aws login`",
                self.session,
                self.profile,
                path.display()
            ))
        })
    }
}

impl ProvideCredentials for LoginSessionProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

/// What the token file gave: only what the credentials need (the refresh fields are checked for
/// presence, as the CLI checks them, and dropped as secrets).
struct LoginToken {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    account_id: String,
    expires_at: SystemTime,
    /// `dpopKey` is a PEM block whose body starts like a DER structure.
    dpop_key_looks_valid: bool,
}

enum Invalid {
    Missing(Vec<&'static str>),
    Other(String),
}

impl LoginToken {
    fn parse(bytes: &[u8]) -> std::result::Result<LoginToken, Invalid> {
        let mut map = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            Ok(other) => {
                wipe(other);
                return Err(Invalid::Other("the file is not a JSON object".into()));
            }
            Err(e) => {
                return Err(Invalid::Other(format!(
                    "the file is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )));
            }
        };
        let result = Self::from_map(&mut map);
        wipe(Value::Object(map));
        result
    }

    fn from_map(map: &mut Map<String, Value>) -> std::result::Result<LoginToken, Invalid> {
        let missing: Vec<&'static str> = REQUIRED_FIELDS
            .into_iter()
            .filter(|key| !map.contains_key(*key))
            .collect();
        if !missing.is_empty() {
            return Err(Invalid::Missing(missing));
        }
        let dpop_key = take_secret(map, "dpopKey", "")?;
        let Some(Value::Object(mut access)) = map.remove("accessToken") else {
            return Err(Invalid::Other("`accessToken` is not an object".into()));
        };
        let result = (|| {
            let access = &mut access;
            let expires_raw = take_plain(access, "expiresAt")?;
            let expires_at = timestamp::parse(&expires_raw).ok_or_else(|| {
                Invalid::Other("`accessToken.expiresAt` is not an ISO 8601 timestamp".into())
            })?;
            Ok(LoginToken {
                access_key_id: take_plain(access, "accessKeyId")?,
                secret_access_key: take_secret(access, "secretAccessKey", "accessToken.")?,
                session_token: take_secret(access, "sessionToken", "accessToken.")?,
                account_id: take_plain(access, "accountId")?,
                expires_at,
                dpop_key_looks_valid: pem_body_is_der(dpop_key.expose()),
            })
        })();
        wipe(Value::Object(access));
        result
    }
}

fn take_plain(map: &mut Map<String, Value>, key: &str) -> std::result::Result<String, Invalid> {
    match map.remove(key) {
        Some(Value::String(s)) => Ok(s),
        None => Err(Invalid::Other(format!("`accessToken` has no `{key}`"))),
        Some(other) => {
            wipe(other);
            Err(Invalid::Other(format!(
                "`accessToken.{key}` is not a string"
            )))
        }
    }
}

/// Moves a secret string out of the map without copying it.
fn take_secret(
    map: &mut Map<String, Value>,
    key: &str,
    parent: &str,
) -> std::result::Result<Secret, Invalid> {
    match map.remove(key) {
        Some(Value::String(s)) => Ok(Secret::new(s)),
        None => Err(Invalid::Other(format!(
            "`{}` has no `{key}`",
            parent.trim_end_matches('.')
        ))),
        Some(other) => {
            wipe(other);
            Err(Invalid::Other(format!("`{parent}{key}` is not a string")))
        }
    }
}

/// Drops a parsed value with every string it holds moved into a [`Secret`], which zeroes them:
/// the refresh token, the DPoP key and the ID token never linger in freed memory.
fn wipe(value: Value) {
    match value {
        Value::String(s) => drop(Secret::new(s)),
        Value::Array(items) => items.into_iter().for_each(wipe),
        Value::Object(map) => {
            for (key, value) in map {
                drop(Secret::new(key));
                wipe(value);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Whether `pem` looks like what botocore's `_load_private_key` accepts: the lines other than
/// `-----BEGIN`/`-----END` hold base64 whose first byte is a DER SEQUENCE. Only the first bytes
/// are decoded, so no copy of the key is made; the full EC key parse of the CLI's CRT binding is
/// not repeated here.
fn pem_body_is_der(pem: &str) -> bool {
    let mut sextets = pem
        .lines()
        .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
        .flat_map(str::bytes)
        .filter(|b| !b.is_ascii_whitespace())
        .map(base64_value);
    match (sextets.next(), sextets.next()) {
        (Some(Some(a)), Some(Some(b))) => (a << 2) | (b >> 4) == 0x30,
        _ => false,
    }
}

fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use awscred_core::clock::ManualClock;
    use awscred_core::fs::MemFs;

    use super::*;

    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBVsecretDPOPkeyMaterial\n-----END EC PRIVATE KEY-----\n";

    fn now() -> SystemTime {
        timestamp::parse("2026-11-28T09:00:00Z").unwrap()
    }

    fn token(expires_at: &str, dpop_key: &str) -> String {
        serde_json::json!({
            "accessToken": {
                "accessKeyId": "ASIALOGIN",
                "secretAccessKey": "SECRETloginKEY",
                "sessionToken": "SESSIONloginTOKEN",
                "accountId": "123456789012",
                "expiresAt": expires_at,
            },
            "tokenType": "aws_sigv4",
            "refreshToken": "REFRESHloginTOKEN",
            "idToken": "IDloginTOKEN",
            "clientId": "arn:aws:signin:::devtools/same-device",
            "dpopKey": dpop_key,
        })
        .to_string()
    }

    fn env(vars: &[(&str, &str)], files: &[(PathBuf, String)]) -> Env {
        let fs = MemFs::default();
        for (path, text) in files {
            fs.insert(path.clone(), text.clone());
        }
        Env::from_vars(vars.iter().copied())
            .with_fs(Arc::new(fs))
            .with_clock(Arc::new(ManualClock::new(now())))
    }

    fn default_path(session: &str) -> PathBuf {
        Path::new("/home/u/.aws/login/cache")
            .join(format!("{}.json", sha256_hex(session.as_bytes())))
    }

    fn load(expires_at: &str, dpop_key: &str) -> Result<Credentials> {
        let env = env(
            &[("HOME", "/home/u")],
            &[(default_path("sess"), token(expires_at, dpop_key))],
        );
        LoginSessionProvider::from_parts(env, "dev", "sess").load()
    }

    fn assert_no_secret(text: &str) {
        for secret in [
            "SECRETloginKEY",
            "SESSIONloginTOKEN",
            "REFRESHloginTOKEN",
            "IDloginTOKEN",
            "DPOPkey",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    #[test]
    fn cache_key_is_botocores_sha256() {
        // hashlib.sha256(b'arn:aws:iam::123456789012:user/u').hexdigest()
        assert_eq!(
            sha256_hex(b"arn:aws:iam::123456789012:user/u"),
            "88929adfce05bf7ccf2ae7272cfbb0b23141302ba0339a173f53232e95660515"
        );
    }

    #[test]
    fn fresh_cache_gives_the_cached_credentials() {
        let creds = load("2026-11-28T10:00:00Z", KEY).unwrap();
        assert_eq!(creds.access_key_id(), "ASIALOGIN");
        assert_eq!(creds.secret_access_key().expose(), "SECRETloginKEY");
        assert_eq!(
            creds.session_token().map(Secret::expose),
            Some("SESSIONloginTOKEN")
        );
        assert_eq!(creds.account_id(), Some("123456789012"));
        assert_eq!(creds.expiration(), timestamp::parse("2026-11-28T10:00:00Z"));
        assert_eq!(creds.provider(), LOGIN_PROVIDER_NAME);
        assert_no_secret(&format!("{creds:?}"));
    }

    #[test]
    fn refresh_windows_follow_the_cli() {
        // 15+ and 10-15 minutes: the cached credentials, whatever the key (an advisory refresh
        // failure is ignored by the CLI).
        for expiry in ["2026-11-28T09:20:00Z", "2026-11-28T09:12:00Z"] {
            assert!(load(expiry, KEY).is_ok(), "{expiry}");
            assert!(load(expiry, "not a key").is_ok(), "{expiry}");
        }
        // 5-10 minutes: the fetcher returns the cached token once the key has loaded.
        assert!(load("2026-11-28T09:07:00Z", KEY).is_ok());
        let bad_key = load(
            "2026-11-28T09:07:00Z",
            "-----BEGIN EC PRIVATE KEY-----\n!!\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_key.contains("Unable to load private key from cached token."),
            "{bad_key}"
        );
        // 5 minutes or less, and expired: the CLI calls the sign-in service.
        for expiry in [
            "2026-11-28T09:05:00Z",
            "2026-11-28T09:01:00Z",
            "2026-11-27T09:00:00Z",
        ] {
            let err = load(expiry, KEY).unwrap_err();
            let text = err.to_string();
            assert_eq!(err.kind(), ErrorKind::ProviderFailed);
            assert!(
                text.contains("the `aws login` session 'sess' of profile dev needs a refresh"),
                "{text}"
            );
            assert!(text.contains(&format!("expire at {expiry}")), "{text}");
            assert!(
                text.contains(&default_path("sess").display().to_string()),
                "{text}"
            );
            assert!(text.contains("--profile dev"), "{text}");
            assert_no_secret(&text);
        }
    }

    #[test]
    fn missing_file_gives_the_clis_message() {
        let env = env(&[("HOME", "/home/u")], &[]);
        let err = LoginSessionProvider::from_parts(env, "dev", "sess")
            .load()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProviderFailed);
        assert!(err.to_string().contains(
            "Unable to load a existing login session for session sess. Please reauthenticate \
             with 'aws login'."
        ));
    }

    #[test]
    fn missing_fields_are_listed_in_the_clis_order() {
        let text = r#"{"accessToken": {"accessKeyId": "A"}, "clientId": "c",
            "secretThing": "REFRESHloginTOKEN"}"#;
        let env = env(
            &[("HOME", "/home/u")],
            &[(default_path("sess"), text.to_owned())],
        );
        let err = LoginSessionProvider::from_parts(env, "dev", "sess")
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "Failed to load access token from token cache, missing required fields: \
                 refreshToken, dpopKey."
            ),
            "{err}"
        );
        assert_no_secret(&err);
    }

    #[test]
    fn invalid_files_name_the_field_never_the_contents() {
        let cases = [
            ("REFRESHloginTOKEN", "not valid JSON (line 1, column 1)"),
            ("[\"REFRESHloginTOKEN\"]", "not a JSON object"),
            (
                r#"{"accessToken": "SESSIONloginTOKEN", "refreshToken": "r", "dpopKey": "k", "clientId": "c"}"#,
                "`accessToken` is not an object",
            ),
            (
                r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "SECRETloginKEY", "accountId": "1", "expiresAt": "2030-01-01T00:00:00Z"}, "refreshToken": "r", "dpopKey": "k", "clientId": "c"}"#,
                "`accessToken` has no `sessionToken`",
            ),
            (
                r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": "SECRETloginKEY", "sessionToken": "SESSIONloginTOKEN", "accountId": "1", "expiresAt": "soon"}, "refreshToken": "r", "dpopKey": "k", "clientId": "c"}"#,
                "`accessToken.expiresAt` is not an ISO 8601 timestamp",
            ),
            (
                r#"{"accessToken": {"accessKeyId": "A", "secretAccessKey": 5, "sessionToken": "SESSIONloginTOKEN", "accountId": "1", "expiresAt": "2030-01-01T00:00:00Z"}, "refreshToken": "r", "dpopKey": "k", "clientId": "c"}"#,
                "`accessToken.secretAccessKey` is not a string",
            ),
        ];
        for (text, want) in cases {
            let env = env(
                &[("HOME", "/home/u")],
                &[(default_path("sess"), text.to_owned())],
            );
            let err = LoginSessionProvider::from_parts(env, "dev", "sess")
                .load()
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{want}: {err}");
            assert!(err.contains("run `aws login`"), "{err}");
            assert_no_secret(&err);
        }
        // Bytes that are not UTF-8: an error, not a panic.
        let fs = MemFs::default();
        fs.insert(default_path("sess"), vec![0xff, 0xfe, b'{']);
        let env = env(&[("HOME", "/home/u")], &[]).with_fs(Arc::new(fs));
        let err = LoginSessionProvider::from_parts(env, "dev", "sess")
            .load()
            .unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn cache_directory_variable_is_expanded_as_botocore() {
        let vars = [
            ("HOME", "/home/u"),
            ("LOGIN_ROOT", "/srv"),
            ("AWS_LOGIN_CACHE_DIRECTORY", "${LOGIN_ROOT}/$USERX/login"),
        ];
        let dir = login_cache_dir(&env(&vars, &[])).unwrap();
        assert_eq!(dir, Path::new("/srv/$USERX/login"));
        let vars = [
            ("HOME", "/home/u/"),
            ("AWS_LOGIN_CACHE_DIRECTORY", "~/elsewhere"),
        ];
        let env_tilde = env(&vars, &[]);
        assert_eq!(
            login_cache_dir(&env_tilde).unwrap(),
            Path::new("/home/u/elsewhere")
        );
        let path = Path::new("/home/u/elsewhere").join(format!("{}.json", sha256_hex(b"sess")));
        let env = env(&vars, &[(path, token("2030-01-01T00:00:00Z", KEY))]);
        let creds = LoginSessionProvider::from_parts(env, "dev", "sess")
            .load()
            .unwrap();
        assert_eq!(creds.access_key_id(), "ASIALOGIN");
        // No HOME and no variable: a clear error.
        let err = login_cache_dir(&Env::from_vars([("X", "1")])).unwrap_err();
        assert!(err.to_string().contains("HOME is not set"), "{err}");
        let expand = |p: &str| awscred_profile::expand_path(p, &env_tilde);
        assert_eq!(expand("~user/x"), Path::new("~user/x"));
        assert_eq!(expand("$"), Path::new("$"));
        assert_eq!(expand("a${HOME"), Path::new("a${HOME"));
    }

    #[test]
    fn debug_shows_no_secret() {
        let env = env(&[("HOME", "/home/u")], &[]);
        let p = LoginSessionProvider::from_parts(env, "dev", "sess");
        assert_eq!(p.session(), "sess");
        assert_no_secret(&format!("{p:?}"));
    }

    #[test]
    fn pem_check() {
        assert!(pem_body_is_der(KEY));
        assert!(!pem_body_is_der(
            "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----"
        ));
        assert!(!pem_body_is_der("AAAA"));
    }
}
