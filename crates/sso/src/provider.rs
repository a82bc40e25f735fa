//! Role credentials from IAM Identity Center (botocore's `SSOProvider` / `SSOCredentialFetcher`),
//! shared with the CLI through `~/.aws/cli/cache`.

use std::sync::Arc;
use std::time::SystemTime;

use awscred_core::cli_cache::CliCache;
use awscred_core::http::HttpClient;
use awscred_core::lock::LockOutcome;
use awscred_core::provider::BoxFuture;
use awscred_core::retry::RetryConfig;
use awscred_core::timestamp;
use awscred_core::{Credentials, Error, ProvideCredentials, Result, Secret};
use awscred_profile::ProfileContext;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::api;
use crate::config::{self, SsoProfile};
use crate::endpoint::{self, Service};
use crate::token::{self, SsoTokenProvider, login_hint};
use crate::util::PyJson;

/// The tier's name in [`Credentials::provider`].
pub const PROVIDER_NAME: &str = awscred_core::Tier::Sso.name();

/// Credentials of an IAM Identity Center role: `sso_account_id` + `sso_role_name` with either an
/// `sso_session` or the legacy `sso_start_url` / `sso_region` keys.
///
/// Each call reuses the CLI's cached role credentials (`~/.aws/cli/cache/<key>.json`) while
/// more than 15 minutes remain, else exchanges the SSO token for new ones with
/// `GetRoleCredentials` and writes them back in the CLI's format. The call is made holding
/// `<key>.json.lock` (see [`awscred_core::lock`]): of several processes missing the cache at
/// once, one calls the portal and the others use what it writes.
#[derive(Debug, Clone)]
pub struct SsoProvider {
    ctx: ProfileContext,
    config: SsoProfile,
    http: Arc<dyn HttpClient>,
    retry: RetryConfig,
    token: Option<SsoTokenProvider>,
}

impl SsoProvider {
    /// The provider for `profile` (the selected profile or the base of a role chain), its
    /// settings read from `ctx`'s files ([`config::credential_config`]): the tier on its own.
    /// The chain uses [`SsoProvider::from_settings`] with the settings its plan already read.
    ///
    /// Not configured when the profile has neither `sso_account_id` nor `sso_role_name`;
    /// invalid configuration (missing keys, listed; a value that differs between the profile and
    /// its sso-session; an unknown sso-session) is reported with the CLI's message.
    pub fn new(ctx: &ProfileContext, profile: &str, http: Arc<dyn HttpClient>) -> Result<Self> {
        let config = config::credential_config(&ctx.profiles, profile)?;
        Ok(Self::from_settings(ctx, config, http))
    }

    /// The provider for settings already read (the plan's
    /// [`BaseCredentials::Sso`](awscred_profile::plan::BaseCredentials::Sso)). `ctx` gives the
    /// environment (cache folders, clock) and the endpoint settings of the selected profile; the
    /// SSO settings are never read from it again.
    pub fn from_settings(
        ctx: &ProfileContext,
        config: SsoProfile,
        http: Arc<dyn HttpClient>,
    ) -> Self {
        let token = config.session.session_name.is_some().then(|| {
            SsoTokenProvider::for_session(
                ctx,
                &config.profile,
                config.session.clone(),
                http.clone(),
            )
        });
        SsoProvider {
            ctx: ctx.clone(),
            config,
            http,
            retry: RetryConfig::default(),
            token,
        }
    }

    /// The same provider with another retry policy for `GetRoleCredentials` and, for an
    /// sso-session profile, the token refresh (`CreateToken`). The default is the CLI's standard
    /// mode: three attempts, backoff with full jitter from 1 s up to 20 s.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self.token = self.token.map(|t| t.with_retry(retry));
        self
    }

    /// The settings in use.
    pub fn config(&self) -> &SsoProfile {
        &self.config
    }

    /// The CLI's cache key for these role credentials: SHA-1 of the compact, sorted JSON of
    /// `accountId`, `roleName` and `sessionName` (sso-session) or `startUrl` (legacy).
    pub fn cache_key(&self) -> String {
        config::role_cache_key(&self.config)
    }

    async fn credentials(&self) -> Result<Credentials> {
        let cache = CliCache::from_env(&self.ctx.env);
        let key = self.cache_key();
        if let Some(cache) = &cache
            && let Some(creds) = self.cached(cache, &key)
        {
            return Ok(creds);
        }
        // Of several processes missing the cache at once, the one holding `<key>.json.lock`
        // calls the portal (written before the lock is released, when `_held` is dropped) and
        // the others use what it stores, as the role cache of assume role does.
        let _held = match &cache {
            Some(cache) => {
                let ready = || self.cached(cache, &key);
                match cache.lock(&key, ready, tokio::time::sleep).await {
                    LockOutcome::Ready(creds) => return Ok(creds),
                    LockOutcome::Locked(held) => Some(held),
                    // Unlocked (or an outcome added later): on without the lock.
                    _ => None,
                }
            }
            None => None,
        };
        let (access_token, token_origin) = self.access_token().await?;
        let c = &self.config;
        let portal = endpoint::try_resolve(&self.ctx, Service::Portal, &c.session.region)?;
        tracing::debug!(
            profile = %c.profile,
            role = %c.role_name,
            account = %c.account_id,
            portal = %portal,
            "no cached SSO role credentials: calling GetRoleCredentials"
        );
        let client = api::Client {
            http: &*self.http,
            retry: self.retry,
        };
        let role =
            api::get_role_credentials(client, &portal, &c.role_name, &c.account_id, &access_token)
                .await
                .map_err(|e| self.portal_error(e, &portal))?;
        // Years 1970..=9999: what the CLI's cache format (and any real answer) can hold.
        let expiration = (0..=253_402_300_799_999)
            .contains(&role.expiration_ms)
            .then(|| timestamp::from_unix(role.expiration_ms / 1000, 0))
            .flatten()
            .ok_or_else(|| {
                Error::provider_failed(format!(
                    "GetRoleCredentials at {portal}: `expiration` is out of range"
                ))
            })?;
        if let Some(cache) = &cache {
            let file = Zeroizing::new(role_cache_json(
                &role.access_key_id,
                &role.secret_access_key,
                &role.session_token,
                expiration,
                &c.account_id,
            ));
            cache.store(&key, file.as_bytes(), "SSO credential");
        }
        Ok(self
            .finish(Credentials::new(
                role.access_key_id,
                role.secret_access_key,
                Some(role.session_token),
                Some(expiration),
                PROVIDER_NAME,
            ))
            .with_origin("access_key_id", format!("GetRoleCredentials {portal}"))
            .with_origin("sso_token", token_origin))
    }

    fn finish(&self, creds: Credentials) -> Credentials {
        let c = &self.config;
        let mut creds = creds
            .with_account_id(Some(c.account_id.clone()))
            .with_origin("sso_role_name", format!("profile {}", c.profile))
            .with_origin("sso_account_id", format!("profile {}", c.profile));
        if let Some(loc) = &c.session.start_url_location {
            creds = creds.with_origin("sso_start_url", loc.clone());
        }
        creds
    }

    /// Cached role credentials with more than 15 minutes left; anything unreadable is a miss,
    /// as in the CLI.
    fn cached(&self, cache: &CliCache, key: &str) -> Option<Credentials> {
        let creds = cache.load(key, self.ctx.env.now(), parse_role_cache)?;
        let path = cache.path(key);
        tracing::debug!(
            "SSO role credentials retrieved from cache {}",
            path.display()
        );
        Some(
            self.finish(creds)
                .with_origin("access_key_id", path.display().to_string()),
        )
    }

    /// The access token, and where it came from for `explain`: `PATH (expires ...)`.
    async fn access_token(&self) -> Result<(Secret, String)> {
        let c = &self.config;
        let path = token::token_path(&self.ctx.env, &c.session)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "the SSO token cache".into());
        let origin = |expires: std::time::SystemTime| {
            format!("{path} (expires {})", timestamp::format_z(expires))
        };
        if let Some(provider) = &self.token {
            let token = provider.token().await?;
            return Ok((token.token, origin(token.expiration)));
        }
        // Legacy tokens are never refreshed; an expired one saves the GetRoleCredentials call.
        let cached = token::load_token(&self.ctx.env, &c.session, &c.profile)?;
        if cached.expires_at <= self.ctx.env.now() {
            return Err(self.expired_session());
        }
        Ok((cached.access_token, origin(cached.expires_at)))
    }

    fn portal_error(&self, error: api::CallError, portal: &str) -> Error {
        match error {
            api::CallError::Service(s) if s.is("unauthorized") => self.expired_session(),
            other => other
                .into_error("GetRoleCredentials", portal)
                .context(format!(
                    "profile {}: an error occurred while loading credentials from IAM Identity \
                     Center",
                    self.config.profile
                )),
        }
    }

    fn expired_session(&self) -> Error {
        Error::provider_failed(format!(
            "The SSO session associated with this profile ({}) has expired or is otherwise \
             invalid. To refresh this SSO session {}",
            self.config.profile,
            login_hint(&self.config.profile)
        ))
    }
}

impl ProvideCredentials for SsoProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        // botocore's SSO credentials are deferred: the token and the portal are first touched
        // when the CLI reads them, so each failure here is met there (the configuration was
        // checked by `new`).
        Box::pin(async { self.credentials().await.map_err(Error::deferred) })
    }
}

/// The CLI's role-credential cache file: `{"ProviderType": "sso", "Credentials": {...}}`.
fn role_cache_json(
    access_key_id: &str,
    secret: &Secret,
    session_token: &Secret,
    expiration: SystemTime,
    account_id: &str,
) -> String {
    let s = |v: &str| PyJson::Str(v.to_owned());
    PyJson::Object(vec![
        ("ProviderType".into(), s("sso")),
        (
            "Credentials".into(),
            PyJson::Object(vec![
                ("AccessKeyId".into(), s(access_key_id)),
                ("SecretAccessKey".into(), s(secret.expose())),
                ("SessionToken".into(), s(session_token.expose())),
                ("Expiration".into(), s(&timestamp::format_z(expiration))),
                ("AccountId".into(), s(account_id)),
            ]),
        ),
    ])
    .dumps(false)
}

/// Reads a role-credential cache file (the CLI's format); `None` when it is not one.
pub(crate) fn parse_role_cache(bytes: &[u8]) -> Option<(Credentials, SystemTime)> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let c = value.get("Credentials")?;
    let text = |k: &str| c.get(k).and_then(Value::as_str);
    let expiration = timestamp::parse(text("Expiration")?)?;
    let creds = Credentials::new(
        text("AccessKeyId")?,
        Secret::new(text("SecretAccessKey")?),
        Some(Secret::new(text("SessionToken")?)),
        Some(expiration),
        PROVIDER_NAME,
    );
    Some((creds, expiration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_file_round_trip() {
        let exp = timestamp::parse("2022-05-02T18:36:00Z").unwrap();
        let json = role_cache_json("AKID", &Secret::new("S"), &Secret::new("T"), exp, "0123");
        assert_eq!(
            json,
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "AKID", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2022-05-02T18:36:00Z", "AccountId": "0123"}}"#
        );
        let (creds, e) = parse_role_cache(json.as_bytes()).unwrap();
        assert_eq!(e, exp);
        assert_eq!(creds.access_key_id(), "AKID");
        assert_eq!(creds.secret_access_key().expose(), "S");
        assert!(parse_role_cache(b"{\"Credentials\": {}}").is_none());
        assert!(parse_role_cache(b"not json").is_none());
    }
}
