//! Credentials of an `aws login` (console sign-in) session: a profile with `login_session = <name>`
//! uses the credentials the CLI cached in `~/.aws/login/cache/<SHA-256 of the name>.json`, and
//! refreshes them through the sign-in service as botocore's `LoginProvider` /
//! `LoginCredentialFetcher` do.
//!
//! The refresh is `CreateOAuth2Token` with the refresh-token grant, unsigned, proved with a DPoP
//! header signed by the file's `dpopKey` (see `dpop.rs`); the answer is written back into the
//! file (the other keys kept in their places, mode 0600, atomically) so that the CLI and other
//! processes use the new refresh token. Of several processes refreshing at once, the one holding
//! `<token file>.lock` calls the service and the others use what it writes: the service rotates
//! refresh tokens, so a second call with the old one would fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::fs::ReadLimit;
use awscred_core::http::HttpClient;
use awscred_core::provider::BoxFuture;
use awscred_core::retry::RetryConfig;
use awscred_core::timestamp;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, Result};
use awscred_profile::{ProfileContext, ProfileSet};

use awscred_sso::internal::sha256_hex;

use crate::dpop::DpopKey;
use cache_file::{Invalid, TokenFile};

mod cache_file;
mod refresh;

/// The tier's name in [`Credentials::provider`]: botocore's `LoginProvider.METHOD`.
pub const LOGIN_PROVIDER_NAME: &str = awscred_core::Tier::Login.name();

/// The CLI's fetcher hands back the cached credentials, without calling the sign-in service,
/// while more than this remains (`LoginCredentialFetcher._REFRESH_THRESHOLD`).
const REFRESH_THRESHOLD: Duration = Duration::from_secs(5 * 60);

/// Below this, botocore's `RefreshableCredentials` refresh is mandatory (its errors reach the
/// caller); between this and the 15-minute advisory window a failed refresh is ignored.
const MANDATORY_REFRESH: Duration = Duration::from_secs(10 * 60);

/// `LoginCredentialFetcher._REQUIRED_TOKEN_FIELDS`, in its order (the error lists them so).
const REQUIRED_FIELDS: [&str; 4] = ["accessToken", "refreshToken", "dpopKey", "clientId"];

const OPERATION: &str = "CreateOAuth2Token";

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

/// The credentials of a `login_session` profile: read from the `aws login` token cache, and
/// refreshed through the sign-in service when 5 minutes or less remain (given an HTTP client).
///
/// ```
/// use std::sync::Arc;
/// use awscred_core::{Env, fs::MemFs};
/// use awscred_login::{LoginSessionProvider, login_token_path};
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
    ctx: ProfileContext,
    profile: String,
    session: String,
    http: Option<Arc<dyn HttpClient>>,
    retry: RetryConfig,
}

/// What the cached token allows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// More than 10 minutes left: the cached credentials.
    Nothing,
    /// 5 to 10 minutes: the cached credentials once the key loads (the CLI's mandatory refresh
    /// loads it first, and its failure reaches the caller; earlier it is swallowed).
    KeyCheck,
    /// 5 minutes or less: a refresh through the sign-in service.
    Refresh,
}

impl LoginSessionProvider {
    /// The provider of `profile`, whose `login_session` is `session`, in `ctx`'s environment.
    /// It reads the cache only until given an HTTP client ([`LoginSessionProvider::with_http`]).
    pub fn new(ctx: &ProfileContext, profile: &str, session: &str) -> Self {
        LoginSessionProvider {
            ctx: ctx.clone(),
            profile: profile.to_owned(),
            session: session.to_owned(),
            http: None,
            retry: RetryConfig::default(),
        }
    }

    /// The same, from an environment alone (no profile files: the profile name is only used in
    /// messages, and a refresh needs `AWS_REGION` or the token's `signInRegion`).
    pub fn from_parts(env: Env, profile: &str, session: &str) -> Self {
        let ctx = ProfileContext::new(
            env.clone(),
            Arc::new(ProfileSet::default()),
            profile.to_owned(),
        )
        .chosen_explicitly(true);
        Self::new(&ctx, profile, session)
    }

    /// The same provider, refreshing through the sign-in service with `http`.
    pub fn with_http(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.http = Some(http);
        self
    }

    /// The same provider with another retry policy for `CreateOAuth2Token`; the default is the
    /// CLI's standard mode (three attempts).
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The sign-in session name.
    pub fn session(&self) -> &str {
        &self.session
    }

    fn env(&self) -> &Env {
        &self.ctx.env
    }

    /// The cached credentials, where the CLI would use them without calling the sign-in
    /// service; never touches the network.
    ///
    /// Errors: no token file, or one without the required fields (the CLI's messages); a file
    /// that is not valid (which field, never the contents); a key that does not load when 10
    /// minutes or less remain; 5 minutes or less remaining (a refresh is due: see
    /// [`ProvideCredentials::provide_credentials`]).
    pub fn load(&self) -> Result<Credentials> {
        let path = login_token_path(self.env(), &self.session)?;
        let file = self.read(&path)?;
        self.cached_or_due(&file, &path)?
            .ok_or_else(|| self.cannot_refresh(&path, file.expires_at).deferred())
    }

    /// The credentials as the CLI would use them now: the cached ones, or refreshed ones.
    ///
    /// The errors the CLI meets while reading the credentials it located (a key that does not
    /// load, a refresh that fails: botocore's refresh runs then) are [deferred](Error::deferred);
    /// a missing or invalid token file is met while locating them.
    pub async fn credentials(&self) -> Result<Credentials> {
        let path = login_token_path(self.env(), &self.session)?;
        let file = self.read(&path)?;
        if let Some(credentials) = self.cached_or_due(&file, &path)? {
            return Ok(credentials);
        }
        match &self.http {
            Some(http) => self
                .refresh(http.as_ref(), &path, file)
                .await
                .map_err(Error::deferred),
            None => Err(self.cannot_refresh(&path, file.expires_at).deferred()),
        }
    }

    /// The cached credentials when no refresh is due (`None` when one is), the key checked in
    /// the mandatory window.
    fn cached_or_due(&self, file: &TokenFile, path: &Path) -> Result<Option<Credentials>> {
        match self.due(file) {
            Due::Nothing => Ok(Some(file.credentials(path))),
            Due::KeyCheck => {
                self.key(file, path).map_err(Error::deferred)?;
                Ok(Some(file.credentials(path)))
            }
            Due::Refresh => Ok(None),
        }
    }

    fn due(&self, file: &TokenFile) -> Due {
        let left = file
            .expires_at
            .duration_since(self.env().now())
            .unwrap_or(Duration::ZERO);
        if left <= REFRESH_THRESHOLD {
            Due::Refresh
        } else if left < MANDATORY_REFRESH {
            Due::KeyCheck
        } else {
            Due::Nothing
        }
    }

    /// The DPoP key, or botocore's message with the reason and where.
    fn key(&self, file: &TokenFile, path: &Path) -> Result<DpopKey> {
        let pem = file.doc.get_str("dpopKey").unwrap_or_default();
        DpopKey::from_pem(pem).map_err(|why| {
            Error::provider_failed(format!(
                "Error loading login session token: Unable to load private key from cached \
                 token. ({why}; {}): run `aws login`",
                self.whose(path)
            ))
        })
    }

    /// "`aws login` session 'S' of profile P, FILE": where a message comes from.
    fn whose(&self, path: &Path) -> String {
        format!(
            "`aws login` session '{}' of profile {}, {}",
            self.session,
            self.profile,
            path.display()
        )
    }

    fn cannot_refresh(&self, path: &Path, expires_at: SystemTime) -> Error {
        let (session, profile) = (&self.session, &self.profile);
        Error::provider_failed(format!(
            "the `aws login` session '{session}' of profile {profile} needs a refresh (its \
             credentials expire at {}; token file {}), and this provider was built without an \
             HTTP client to make it: run `aws login` (or any AWS CLI command with --profile \
             {profile}), then try again",
            timestamp::format_z(expires_at),
            path.display()
        ))
    }

    fn read(&self, path: &Path) -> Result<TokenFile> {
        let bytes = self
            .env()
            .read_file(path, ReadLimit::CACHE_ENTRY)
            .map_err(|e| {
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
        let bytes = zeroize::Zeroizing::new(bytes);
        TokenFile::parse(&bytes).map_err(|why| {
            let message = match why {
                Invalid::Missing(fields) => format!(
                    "Failed to load access token from token cache, missing required fields: {}.",
                    fields.join(", ")
                ),
                Invalid::Other(why) => {
                    format!("the `aws login` token file is not valid: {why}")
                }
            };
            Error::provider_failed(format!("{message} ({}): run `aws login`", self.whose(path)))
        })
    }
}

impl ProvideCredentials for LoginSessionProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.credentials())
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use awscred_core::clock::ManualClock;
    use awscred_core::fs::MemFs;

    use awscred_core::Secret;

    use super::*;

    /// The cross-SDK suite's key (login-provider-test-cases.json).
    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\n\
        MHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\n\
        AwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\n\
        ffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";

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
        let name = format!("{}.json", sha256_hex(session.as_bytes()));
        PathBuf::from_iter(["/home/u", ".aws", "login", "cache", &name]) // `\` on Windows
    }

    fn load(expires_at: &str, dpop_key: &str) -> Result<Credentials> {
        let env = env(
            &[(awscred_testkit::HOME_VAR, "/home/u")],
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
            "u8InPLpQeQLJ",
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
        let env = env(&[(awscred_testkit::HOME_VAR, "/home/u")], &[]);
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
            &[(awscred_testkit::HOME_VAR, "/home/u")],
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
                &[(awscred_testkit::HOME_VAR, "/home/u")],
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
        let env = env(&[(awscred_testkit::HOME_VAR, "/home/u")], &[]).with_fs(Arc::new(fs));
        let err = LoginSessionProvider::from_parts(env, "dev", "sess")
            .load()
            .unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn cache_directory_variable_is_expanded_as_botocore() {
        let vars = [
            (awscred_testkit::HOME_VAR, "/home/u"),
            ("LOGIN_ROOT", "/srv"),
            ("AWS_LOGIN_CACHE_DIRECTORY", "${LOGIN_ROOT}/$USERX/login"),
        ];
        let dir = login_cache_dir(&env(&vars, &[])).unwrap();
        assert_eq!(dir, Path::new("/srv/$USERX/login"));
        let vars = [
            (awscred_testkit::HOME_VAR, "/home/u/"),
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
        let env = env(&[(awscred_testkit::HOME_VAR, "/home/u")], &[]);
        let p = LoginSessionProvider::from_parts(env, "dev", "sess");
        assert_eq!(p.session(), "sess");
        assert_no_secret(&format!("{p:?}"));
    }

    #[test]
    fn a_key_that_does_not_load_fails_in_the_mandatory_window_only() {
        let broken = "-----BEGIN EC PRIVATE KEY-----\nMAMCAQI=\n-----END EC PRIVATE KEY-----\n";
        assert!(load("2026-11-28T09:12:00Z", broken).is_ok());
        let err = load("2026-11-28T09:07:00Z", broken)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "Error loading login session token: Unable to load private key from cached \
                 token. (the key is neither SEC1 nor PKCS#8; `aws login` session 'sess' of \
                 profile dev"
            ),
            "{err}"
        );
    }
}
