//! The SSO token cache (`~/.aws/sso/cache/*.json`) and the bearer-token provider that refreshes
//! sso-session tokens through SSO-OIDC, as botocore's `SSOTokenProvider`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::fs::ReadLimit;
use awscred_core::http::HttpClient;
use awscred_core::lock::{self, LockOutcome, LockTiming};
use awscred_core::retry::RetryConfig;
use awscred_core::timestamp;
use awscred_core::{Env, Error, ErrorKind, Result, Secret};
use awscred_profile::ProfileContext;
use serde_json::Value;

use crate::api::{self, Grant};
use crate::config::{self, SsoSession};
use crate::endpoint::{self, Service};
use crate::util::PyJson;

/// One token cache file, in the CLI's format. Only `accessToken` and `expiresAt` are required;
/// the rest is what a refresh needs.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachedToken {
    /// `accessToken`.
    pub access_token: Secret,
    /// `expiresAt`.
    pub expires_at: SystemTime,
    /// `refreshToken`.
    pub refresh_token: Option<Secret>,
    /// `clientId` of the registration that issued the token.
    pub client_id: Option<String>,
    /// `clientSecret` of that registration.
    pub client_secret: Option<Secret>,
    /// `registrationExpiresAt`, kept as written (the CLI copies it verbatim).
    pub registration_expires_at: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `startUrl`.
    pub start_url: Option<String>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &self.access_token)
            .field("expires_at", &timestamp::format_z(self.expires_at))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| awscred_core::REDACTED),
            )
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| awscred_core::REDACTED),
            )
            .field("registration_expires_at", &self.registration_expires_at)
            .field("region", &self.region)
            .field("start_url", &self.start_url)
            .finish()
    }
}

impl CachedToken {
    /// Parses a cache file's contents. `name` (the session name or start URL) and `path` are
    /// for messages, which never quote the file's contents.
    pub fn parse(bytes: &[u8], name: &str, path: &Path) -> Result<CachedToken> {
        let invalid = |why: String| {
            Error::provider_failed(format!(
                "Error loading SSO Token: Token for {name} is invalid: {why} ({})",
                path.display()
            ))
        };
        let map = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(invalid("the file is not a JSON object".into())),
            Err(e) => {
                return Err(invalid(format!(
                    "the file is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )));
            }
        };
        let text = |key: &str| -> Result<Option<String>> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(format!("`{key}` is not a string"))),
            }
        };
        let access_token =
            text("accessToken")?.ok_or_else(|| invalid("no `accessToken`".into()))?;
        // It goes into the `x-amz-sso_bearer_token` header: a CR or LF there would be a header
        // of its own (and http refuses to send it, with an error about the portal's address).
        if access_token.chars().any(|c| c.is_control() && c != '\t') {
            let _ = Secret::new(access_token);
            return Err(invalid(
                "`accessToken` holds a control character (CR, LF, ...), which a token never \
                 holds and which cannot be sent in a header"
                    .into(),
            ));
        }
        let expires_raw = text("expiresAt")?.ok_or_else(|| invalid("no `expiresAt`".into()))?;
        let expires_at = timestamp::parse(&expires_raw)
            .ok_or_else(|| invalid("`expiresAt` is not an ISO 8601 timestamp".into()))?;
        Ok(CachedToken {
            access_token: Secret::new(access_token),
            expires_at,
            refresh_token: text("refreshToken")?.map(Secret::new),
            client_id: text("clientId")?,
            client_secret: text("clientSecret")?.map(Secret::new),
            registration_expires_at: text("registrationExpiresAt")?,
            region: text("region")?,
            start_url: text("startUrl")?,
        })
    }

    /// The file contents the CLI writes: Python's `json.dumps` of the token dictionary, keys in
    /// the CLI's order, timestamps as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_json(&self) -> String {
        let mut entries = Vec::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                entries.push((k.to_owned(), PyJson::Str(v.to_owned())));
            }
        };
        put("startUrl", self.start_url.as_deref());
        put("region", self.region.as_deref());
        put("accessToken", Some(self.access_token.expose()));
        put("expiresAt", Some(&timestamp::format_z(self.expires_at)));
        put("clientId", self.client_id.as_deref());
        put(
            "clientSecret",
            self.client_secret.as_ref().map(Secret::expose),
        );
        put(
            "registrationExpiresAt",
            self.registration_expires_at.as_deref(),
        );
        put(
            "refreshToken",
            self.refresh_token.as_ref().map(Secret::expose),
        );
        PyJson::Object(entries).dumps(false)
    }
}

/// `~/.aws/sso/cache`.
pub(crate) fn token_dir(env: &Env) -> Result<PathBuf> {
    env.aws_dir()
        .map(|d| d.join("sso").join("cache"))
        .ok_or_else(|| Error::invalid_config("cannot find the SSO token cache: HOME is not set"))
}

/// The cache file of `session`.
pub fn token_path(env: &Env, session: &SsoSession) -> Result<PathBuf> {
    Ok(token_dir(env)?.join(format!("{}.json", config::token_cache_key(session))))
}

/// The lock file taken while fetching what `path` caches: `<file>.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The command that fixes an expired or missing token.
pub(crate) fn login_hint(profile: &str) -> String {
    format!("run `awscred sso login --profile {profile}`")
}

/// Reads the cached token of `session` (`SSOTokenLoader`).
pub fn load_token(env: &Env, session: &SsoSession, profile: &str) -> Result<CachedToken> {
    let path = token_path(env, session)?;
    let name = session.display_name();
    let bytes = env.read_file(&path, ReadLimit::CACHE_ENTRY).map_err(|e| {
        let (kind, what) = if e.kind() == std::io::ErrorKind::NotFound {
            (ErrorKind::ProviderFailed, "does not exist".to_owned())
        } else {
            (ErrorKind::Io, format!("could not be read ({e})"))
        };
        Error::new(
            kind,
            format!(
                "Error loading SSO Token: Token for {name} {what} ({}): {}",
                path.display(),
                login_hint(profile)
            ),
        )
    })?;
    CachedToken::parse(&bytes, name, &path)
        .map_err(|e| e.context(format!("profile {profile}")).with_hint(profile))
}

/// A valid access token of `session` from the CLI's cache, for calls to the portal: an
/// sso-session token is refreshed first when due (as [`SsoTokenProvider`]); a legacy token is
/// used as cached, and an expired one is an error naming `awscred sso login`. `profile` names
/// the profile in messages.
pub async fn session_token(
    ctx: &ProfileContext,
    session: &SsoSession,
    profile: &str,
    http: Arc<dyn HttpClient>,
) -> Result<Secret> {
    if session.session_name.is_some() {
        let provider = SsoTokenProvider::for_session(ctx, profile, session.clone(), http);
        return Ok(provider.token().await?.token);
    }
    let cached = load_token(&ctx.env, session, profile)?;
    if cached.expires_at <= ctx.env.now() {
        return Err(Error::provider_failed(format!(
            "the SSO token for {} has expired: {}",
            session.display_name(),
            login_hint(profile)
        )));
    }
    Ok(cached.access_token)
}

trait WithHint {
    fn with_hint(self, profile: &str) -> Self;
}

impl WithHint for Error {
    fn with_hint(self, profile: &str) -> Self {
        let message = format!("{}: {}", self.message(), login_hint(profile));
        Error::new(self.kind(), message)
    }
}

/// A bearer token and when it stops working.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoToken {
    /// The access token.
    pub token: Secret,
    /// When it expires.
    pub expiration: SystemTime,
}

impl std::fmt::Debug for SsoToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoToken")
            .field("token", &self.token)
            .field("expiration", &timestamp::format_z(self.expiration))
            .finish()
    }
}

/// Refresh windows and pacing, botocore's `DeferredRefreshableToken` and `SSOTokenProvider`.
const ADVISORY: Duration = Duration::from_secs(15 * 60);
const MANDATORY: Duration = Duration::from_secs(10 * 60);
const ATTEMPT_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct State {
    frozen: Option<SsoToken>,
    next_refresh: Option<SystemTime>,
}

/// The bearer token of an `sso-session` profile: read from the CLI's token cache and refreshed
/// through SSO-OIDC `CreateToken` (refresh-token grant) when less than 15 minutes remain, at
/// most one attempt a minute, with the new token written back for the CLI to use.
///
/// Of several processes refreshing the same token at once, one calls `CreateToken`: the refresh
/// is done holding `<token file>.lock` (see [`awscred_core::lock`]), and a process finding the
/// lock held waits for the refreshed token to appear in the file (up to 5 s) and uses it.
///
/// A refresh that fails while the old token is still valid keeps the old token (logged); an
/// expired token that cannot be refreshed is an error naming `awscred sso login --profile NAME`.
#[derive(Debug, Clone)]
pub struct SsoTokenProvider {
    inner: Arc<TokenInner>,
}

#[derive(Debug)]
struct TokenInner {
    ctx: ProfileContext,
    profile: String,
    session: SsoSession,
    http: Arc<dyn HttpClient>,
    retry: RetryConfig,
    state: tokio::sync::Mutex<State>,
}

impl SsoTokenProvider {
    /// The token provider of `profile` (which must have `sso_session`). Not configured without
    /// `sso_session`; invalid when the session is missing or incomplete.
    pub fn new(ctx: &ProfileContext, profile: &str, http: Arc<dyn HttpClient>) -> Result<Self> {
        let session = config::token_config(&ctx.profiles, profile)?;
        Ok(Self::for_session(ctx, profile, session, http))
    }

    pub(crate) fn for_session(
        ctx: &ProfileContext,
        profile: &str,
        session: SsoSession,
        http: Arc<dyn HttpClient>,
    ) -> Self {
        SsoTokenProvider {
            inner: Arc::new(TokenInner {
                ctx: ctx.clone(),
                profile: profile.to_owned(),
                session,
                http,
                retry: RetryConfig::default(),
                state: tokio::sync::Mutex::new(State::default()),
            }),
        }
    }

    /// The same provider with another retry policy for the refresh (`CreateToken`); the default
    /// is the CLI's standard mode (three attempts, backoff with full jitter from 1 s up to 20 s).
    /// A builder step: the result starts with no token in memory, shared with no earlier clone.
    pub fn with_retry(self, retry: RetryConfig) -> Self {
        let inner = &self.inner;
        SsoTokenProvider {
            inner: Arc::new(TokenInner {
                ctx: inner.ctx.clone(),
                profile: inner.profile.clone(),
                session: inner.session.clone(),
                http: inner.http.clone(),
                retry,
                state: tokio::sync::Mutex::new(State::default()),
            }),
        }
    }

    /// The session the token belongs to.
    pub fn session(&self) -> &SsoSession {
        &self.inner.session
    }

    /// A valid token, refreshed when due.
    pub async fn token(&self) -> Result<SsoToken> {
        let inner = &*self.inner;
        let mut state = inner.state.lock().await;
        let now = inner.ctx.env.now();
        if let Some(kind) = should_refresh(&state, now) {
            state.next_refresh = Some(now + ATTEMPT_EVERY);
            match inner.refresher().await {
                Ok(token) => state.frozen = Some(token),
                Err(e) if kind == Refresh::Mandatory => return Err(e),
                Err(e) => tracing::warn!(
                    "Refreshing token failed during the advisory refresh period: {e}"
                ),
            }
        }
        let frozen = state.frozen.clone().ok_or_else(|| {
            Error::provider_failed(format!("no SSO token for profile {}", inner.profile))
        })?;
        if frozen.expiration <= inner.ctx.env.now() {
            return Err(Error::provider_failed(format!(
                "Error when retrieving token from sso: Token has expired and refresh failed \
                 (sso-session {}, profile {}): {}",
                inner.session.display_name(),
                inner.profile,
                login_hint(&inner.profile)
            )));
        }
        Ok(frozen)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refresh {
    Advisory,
    Mandatory,
}

fn should_refresh(state: &State, now: SystemTime) -> Option<Refresh> {
    let Some(frozen) = state.frozen.as_ref() else {
        return Some(Refresh::Mandatory);
    };
    if state.next_refresh.is_some_and(|next| now < next) {
        return None;
    }
    let remaining = frozen.expiration.duration_since(now).unwrap_or_default();
    if remaining < MANDATORY {
        Some(Refresh::Mandatory)
    } else if remaining < ADVISORY {
        Some(Refresh::Advisory)
    } else {
        None
    }
}

/// What a refresh-token `CreateToken` needs from the cached token.
struct RefreshInputs<'a> {
    refresh_token: &'a Secret,
    client_id: &'a String,
    client_secret: &'a Secret,
    registration_expires_at: &'a String,
}

impl From<CachedToken> for SsoToken {
    fn from(cached: CachedToken) -> Self {
        SsoToken {
            token: cached.access_token,
            expiration: cached.expires_at,
        }
    }
}

impl TokenInner {
    /// Loads the cached token and refreshes it when less than 15 minutes remain (botocore's
    /// `SSOTokenProvider._refresher`), holding the token file's lock so that of several
    /// processes only one calls `CreateToken`.
    async fn refresher(&self) -> Result<SsoToken> {
        let env = &self.ctx.env;
        let token = load_token(env, &self.session, &self.profile)?;
        let remaining = token
            .expires_at
            .duration_since(env.now())
            .unwrap_or_default();
        if remaining >= ADVISORY {
            return Ok(token.into());
        }
        let Some(inputs) = self.refresh_inputs(&token) else {
            return Ok(token.into());
        };
        let path = token_path(env, &self.session)?;
        let ready = || self.refreshed_meanwhile(&path, &token);
        let fs = env.fs_arc();
        let timing = LockTiming::default();
        let _held =
            match lock::acquire(&fs, &lock_path(&path), timing, ready, tokio::time::sleep).await {
                LockOutcome::Ready(fresh) => {
                    tracing::debug!("SSO token refreshed by another process meanwhile");
                    return Ok(fresh);
                }
                LockOutcome::Locked(held) => Some(held),
                // Unlocked (or an outcome added later): on without the lock.
                _ => None,
            };
        let Some(new) = self.refresh(inputs).await else {
            return Ok(token.into());
        };
        // Written before the lock is released (`_held` is dropped on return), so that a process
        // waiting for the lock finds the new token instead of refreshing again.
        if let Err(e) = env.fs().write_atomic(&path, new.to_json().as_bytes()) {
            // The new token still works for this process; the next run refreshes again.
            tracing::warn!(
                "could not write the refreshed SSO token to {}: {e}",
                path.display()
            );
        }
        Ok(new.into())
    }

    /// The token in `path` when another process has refreshed it since this one read `seen`:
    /// it now expires later, or lies outside the refresh window.
    fn refreshed_meanwhile(&self, path: &Path, seen: &CachedToken) -> Option<SsoToken> {
        let env = &self.ctx.env;
        let bytes = env.read_file(path, ReadLimit::CACHE_ENTRY).ok()?;
        let now = CachedToken::parse(&bytes, self.session.display_name(), path).ok()?;
        let remaining = now.expires_at.duration_since(env.now()).unwrap_or_default();
        (now.expires_at > seen.expires_at || remaining >= ADVISORY).then(|| now.into())
    }

    /// The cached token's refresh keys, or `None` (logged) when it cannot be refreshed.
    fn refresh_inputs<'a>(&self, token: &'a CachedToken) -> Option<RefreshInputs<'a>> {
        let (Some(refresh_token), Some(client_id), Some(client_secret), Some(reg_expires)) = (
            token.refresh_token.as_ref(),
            token.client_id.as_ref(),
            token.client_secret.as_ref(),
            token.registration_expires_at.as_ref(),
        ) else {
            tracing::info!(
                "Unable to refresh SSO token for {}: missing keys",
                self.session.display_name()
            );
            return None;
        };
        match timestamp::parse(reg_expires) {
            Some(t) if t > self.ctx.env.now() => Some(RefreshInputs {
                refresh_token,
                client_id,
                client_secret,
                registration_expires_at: reg_expires,
            }),
            _ => {
                tracing::info!("SSO token registration expired at {reg_expires}");
                None
            }
        }
    }

    /// One `CreateToken` call (retried as the client's policy says), or `None` (logged) when
    /// it fails.
    async fn refresh(&self, inputs: RefreshInputs<'_>) -> Option<CachedToken> {
        let oidc = endpoint::resolve(&self.ctx, Service::Oidc, &self.session.region);
        let client = api::Client {
            http: &*self.http,
            retry: self.retry,
        };
        let answer = api::create_token(
            client,
            &oidc,
            inputs.client_id,
            inputs.client_secret,
            Grant::RefreshToken(inputs.refresh_token),
        )
        .await;
        match answer {
            Ok(new) => {
                tracing::info!("SSO Token refresh succeeded");
                Some(CachedToken {
                    access_token: new.access_token,
                    expires_at: self.ctx.env.now()
                        + Duration::from_secs(new.expires_in.max(0) as u64),
                    // As the CLI: a refresh token is kept only when the service issues one.
                    refresh_token: new.refresh_token,
                    client_id: Some(inputs.client_id.clone()),
                    client_secret: Some(inputs.client_secret.clone()),
                    registration_expires_at: Some(inputs.registration_expires_at.clone()),
                    region: Some(self.session.region.clone()),
                    start_url: Some(self.session.start_url.clone()),
                })
            }
            Err(e) => {
                let e = e.into_error("CreateToken", &oidc);
                tracing::warn!("SSO token refresh attempt failed: {e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_both_timestamp_forms_and_round_trips() {
        let p = Path::new("/h/.aws/sso/cache/x.json");
        let a = CachedToken::parse(
            br#"{"accessToken":"tok","expiresAt":"2030-01-02T03:04:05UTC","region":"r"}"#,
            "s",
            p,
        )
        .unwrap();
        let b = CachedToken::parse(
            br#"{"accessToken":"tok","expiresAt":"2030-01-02T03:04:05Z","region":"r"}"#,
            "s",
            p,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.to_json(),
            r#"{"region": "r", "accessToken": "tok", "expiresAt": "2030-01-02T03:04:05Z"}"#
        );
        assert_eq!(
            CachedToken::parse(a.to_json().as_bytes(), "s", p).unwrap(),
            a
        );
    }

    #[test]
    fn parse_errors_name_the_file_and_never_the_contents() {
        let p = Path::new("/h/.aws/sso/cache/x.json");
        for (bad, why) in [
            (&br#"{"accessToken":"topsecret""#[..], "not valid JSON"),
            (br#"["topsecret"]"#, "not a JSON object"),
            (
                br#"{"expiresAt":"2030-01-02T03:04:05Z","refreshToken":"topsecret"}"#,
                "no `accessToken`",
            ),
            (br#"{"accessToken":"topsecret"}"#, "no `expiresAt`"),
            (
                br#"{"accessToken":"top\r\nX-Evil: 1","expiresAt":"2030-01-02T03:04:05Z"}"#,
                "`accessToken` holds a control character",
            ),
            (
                br#"{"accessToken":"topsecret","expiresAt":"soon"}"#,
                "not an ISO 8601",
            ),
            (
                br#"{"accessToken":7,"expiresAt":"2030-01-02T03:04:05Z"}"#,
                "`accessToken` is not a string",
            ),
        ] {
            let e = CachedToken::parse(bad, "sess", p).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(why), "{text}");
            assert!(text.contains("/h/.aws/sso/cache/x.json"), "{text}");
            assert!(text.contains("Token for sess"), "{text}");
            assert!(!text.contains("topsecret"), "{text}");
        }
    }

    #[test]
    fn debug_redacts() {
        let t = CachedToken::parse(
            br#"{"accessToken":"AT","expiresAt":"2030-01-02T03:04:05Z","refreshToken":"RT","clientSecret":"CS","clientId":"cid"}"#,
            "s",
            Path::new("/x"),
        )
        .unwrap();
        let d = format!("{t:?}");
        assert!(
            !d.contains("\"AT\"") && !d.contains("RT") && !d.contains("CS"),
            "{d}"
        );
        assert!(d.contains("cid"));
        let s = SsoToken {
            token: Secret::new("AT"),
            expiration: t.expires_at,
        };
        assert!(!format!("{s:?}").contains("AT\""));
    }

    #[test]
    fn windows() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut state = State::default();
        assert_eq!(should_refresh(&state, now), Some(Refresh::Mandatory));
        let token = |mins: u64| SsoToken {
            token: Secret::new("t"),
            expiration: now + Duration::from_secs(mins * 60),
        };
        state.frozen = Some(token(20));
        assert_eq!(should_refresh(&state, now), None);
        state.frozen = Some(token(14));
        assert_eq!(should_refresh(&state, now), Some(Refresh::Advisory));
        state.frozen = Some(token(9));
        assert_eq!(should_refresh(&state, now), Some(Refresh::Mandatory));
        state.next_refresh = Some(now + Duration::from_secs(1));
        assert_eq!(should_refresh(&state, now), None);
    }
}
