//! Long-term keys made into a session (`GetSessionToken`), for what needs temporary credentials
//! (a container-credentials endpoint requires a `Token`), and MFA sessions: one code per session
//! for every role assumed from it.

use std::fmt;
use std::sync::Arc;

use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ProvideCredentials};

use crate::cache::{self, RoleCache};
use crate::client::{SessionTokenRequest, StsClient};
use crate::provider::{Memo, MfaPrompt, lock_or_hit};
use crate::xml::StsCredentials;

/// Passes temporary credentials from `source` through; turns long-term keys (no session token)
/// into a session with one `GetSessionToken`, signed with them. The session is kept in memory
/// and in the CLI's cache directory (`~/.aws/cli/cache/<key>.json`, the key a hash of the access
/// key id and the request's arguments, never the secret) under the cache's lock, and reused
/// while it has at least [`EXPIRY_WINDOW`](crate::EXPIRY_WINDOW) left; so many processes and
/// restarts make one call per session.
pub struct SessionTokenProvider {
    source: Arc<dyn ProvideCredentials>,
    client: StsClient,
    env: Env,
    cache: Option<RoleCache>,
    duration_seconds: Option<u32>,
    mfa: Option<Mfa>,
    memo: Memo,
}

/// The MFA device a session is opened with, how its code is had, and the profile named in the
/// cache entry's mark and in errors.
#[derive(Debug)]
struct Mfa {
    serial: String,
    prompt: MfaPrompt,
    profile: String,
}

impl fmt::Debug for SessionTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionTokenProvider")
            .field("source", &self.source)
            .field("endpoint", &self.client.endpoint().url)
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

impl SessionTokenProvider {
    /// Sessions for `source`'s long-term keys through `client`, cached in `~/.aws/cli/cache` of
    /// `env` (its file system and clock), of STS's default length (12 hours).
    pub fn new(source: Arc<dyn ProvideCredentials>, client: StsClient, env: &Env) -> Self {
        SessionTokenProvider {
            source,
            client: client.with_clock(env.clock()),
            env: env.clone(),
            cache: RoleCache::from_env(env),
            duration_seconds: None,
            mfa: None,
            memo: Memo::default(),
        }
    }

    /// The same provider asking for sessions of `seconds` (900 to 129600).
    pub fn with_duration(mut self, seconds: Option<u32>) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// The same provider opening MFA sessions: `GetSessionToken` with the device `serial` and a
    /// code from `prompt`, asked only when no cached session has at least
    /// [`EXPIRY_WINDOW`](crate::EXPIRY_WINDOW) left. The cache entry carries the mark
    /// `"Awscred": {"Kind": "mfa-session", "Profile": profile}`.
    pub fn with_mfa(mut self, serial: String, prompt: MfaPrompt, profile: String) -> Self {
        self.mfa = Some(Mfa {
            serial,
            prompt,
            profile,
        });
        self
    }

    /// The same provider with another cache (`None`: no disk cache).
    pub fn with_cache(mut self, cache: Option<RoleCache>) -> Self {
        self.cache = cache;
        self
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        let keys = self.source.provide_credentials().await?;
        if keys.session_token().is_some() {
            return Ok(keys);
        }
        let now = self.env.now();
        let from = keys.provider();
        if let Some(hit) = self.memo.get(now) {
            return Ok(session_credentials(&hit, from));
        }
        let key = cache::session_token_cache_key(keys.access_key_id(), None, self.duration_seconds);
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.load(&key, now)) {
            tracing::debug!("session credentials from the CLI cache");
            self.memo.set(&hit);
            return Ok(session_credentials(&hit, from));
        }
        let _lock = match lock_or_hit(self.cache.as_ref(), &key, now).await {
            Ok(lock) => lock,
            Err(hit) => {
                self.memo.set(&hit);
                return Ok(session_credentials(&hit, from));
            }
        };
        let mut request = SessionTokenRequest {
            duration_seconds: self.duration_seconds,
            ..SessionTokenRequest::default()
        };
        if let Some(mfa) = &self.mfa {
            let what = format!("the MFA session of profile {}", mfa.profile);
            let code = mfa
                .prompt
                .ask(&mfa.serial, &what)
                .await
                .map_err(Error::deferred)?;
            request.serial_number = Some(mfa.serial.clone());
            request.token_code = Some(code);
        }
        let fresh = self
            .client
            .get_session_token(&keys, &request)
            .await
            .map_err(|e| {
                e.context(format!(
                    "making a session of the long-term keys {} (from {from})",
                    keys.access_key_id()
                ))
                .deferred()
            })?;
        match (&self.cache, &self.mfa) {
            (Some(cache), Some(mfa)) => {
                cache.store_marked(&key, &fresh, "mfa-session", &mfa.profile)
            }
            (Some(cache), None) => cache.store(&key, &fresh),
            (None, _) => {}
        }
        self.memo.set(&fresh);
        Ok(session_credentials(&fresh, from))
    }
}

fn session_credentials(c: &StsCredentials, from: &str) -> Credentials {
    Credentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        Some(c.session_token.clone()),
        Some(c.expiration),
        "session-token",
    )
    .with_origin(
        "session",
        format!("GetSessionToken with the keys from {from}"),
    )
}

impl ProvideCredentials for SessionTokenProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.fetch())
    }
}
