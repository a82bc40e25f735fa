//! The credential providers: a role assumed with source credentials, and a role assumed with a
//! web identity token.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use awscred_core::fs::ReadLimit;
use awscred_core::provider::BoxFuture;
use awscred_core::{
    Credentials, Env, Error, ErrorKind, ProvideCredentials, Secret, Tier, timestamp,
};
use awscred_profile::plan::{BaseCredentials, RoleStep};

use crate::cache::{self, EXPIRY_WINDOW, RoleCache};
use crate::client::{AssumeRoleRequest, StsClient, WebIdentityRequest};
pub use crate::mfa::{MfaCallback, MfaPrompt};
use crate::xml::StsCredentials;

/// Credentials kept between calls: reused while they have [`EXPIRY_WINDOW`] left.
#[derive(Default)]
pub(crate) struct Memo(Mutex<Option<StsCredentials>>);

impl Memo {
    pub(crate) fn get(&self, now: SystemTime) -> Option<StsCredentials> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|c| c.expiration.duration_since(now).unwrap_or_default() >= EXPIRY_WINDOW)
            .cloned()
    }

    pub(crate) fn set(&self, creds: &StsCredentials) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(creds.clone());
    }
}

/// Where an assumed role's credentials came from, for `explain` and the debug log.
enum Answer<'a> {
    /// This provider's memory of an earlier call.
    Memo,
    /// The CLI's cache, `~/.aws/cli/cache/KEY.json`.
    Cache(Option<PathBuf>),
    /// A call to STS.
    Sts(&'a StsClient),
}

impl Answer<'_> {
    fn describe(&self, expiration: SystemTime) -> String {
        let expires = timestamp::format_z(expiration);
        match self {
            Answer::Memo => format!("kept from an earlier call (expires {expires})"),
            Answer::Cache(Some(path)) => {
                format!("cache hit {} (expires {expires})", path.display())
            }
            Answer::Cache(None) => format!("cache hit (expires {expires})"),
            Answer::Sts(client) => format!(
                "STS {} (signing region {}; expires {expires})",
                client.endpoint().url,
                client.endpoint().signing_region
            ),
        }
    }
}

fn to_credentials(
    c: &StsCredentials,
    provider: &'static str,
    role_arn: &str,
    from: &str,
    answer: Answer<'_>,
) -> Credentials {
    let answered = answer.describe(c.expiration);
    tracing::debug!(role_arn, from, answered = %answered, "role credentials");
    Credentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        Some(c.session_token.clone()),
        Some(c.expiration),
        provider,
    )
    .with_account_id(c.account_id())
    .with_origin("role_arn", format!("{role_arn} ({from})"))
    .with_origin("credentials", answered)
}

/// Assumes one role with credentials from a source provider (botocore's `AssumeRoleProvider` and
/// `AssumeRoleCredentialFetcher`). Results are kept in memory and in the CLI's cache
/// (`~/.aws/cli/cache`), and reused while they have at least 15 minutes left.
///
/// The source is only asked when STS has to be called, so a cached chain makes no request and
/// no prompt at all. Unlike the CLI, which refuses to refresh an MFA-backed session within one
/// process, this provider asks for a new code when the session runs out.
pub struct AssumeRoleProvider {
    source: Arc<dyn ProvideCredentials>,
    step: RoleStep,
    client: StsClient,
    env: Env,
    cache: Option<RoleCache>,
    mfa: MfaPrompt,
    session_name: String,
    session_name_generated: bool,
    memo: Memo,
}

impl fmt::Debug for AssumeRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProvider")
            .field("role_arn", &self.step.role_arn)
            .field("profile", &self.step.profile)
            .field("source", &self.source)
            .field("endpoint", &self.client.endpoint().url)
            .finish()
    }
}

impl AssumeRoleProvider {
    /// Assumes `step.role_arn` with `source`'s credentials through `client`. The cache is
    /// `~/.aws/cli/cache` of `env` (its file system and clock); MFA codes are read from the
    /// terminal. Without `role_session_name` the session is named as botocore names it,
    /// `botocore-session-<epoch seconds>`.
    pub fn new(
        source: Arc<dyn ProvideCredentials>,
        step: RoleStep,
        client: StsClient,
        env: &Env,
    ) -> Self {
        // botocore generates a name for an empty one too (`if not self._role_session_name`).
        let (session_name, session_name_generated) =
            match step.session_name.as_deref().filter(|n| !n.is_empty()) {
                Some(name) => (name.to_owned(), false),
                None => (
                    format!("botocore-session-{}", timestamp::to_unix(env.now())),
                    true,
                ),
            };
        AssumeRoleProvider {
            source,
            client: client.with_clock(env.clock()),
            cache: RoleCache::from_env(env),
            env: env.clone(),
            mfa: MfaPrompt::default(),
            session_name,
            session_name_generated,
            step,
            memo: Memo::default(),
        }
    }

    /// The same provider with another cache (`None`: no disk cache).
    pub fn with_cache(mut self, cache: Option<RoleCache>) -> Self {
        self.cache = cache;
        self
    }

    /// The same provider with another way of getting MFA codes.
    pub fn with_mfa_prompt(mut self, mfa: MfaPrompt) -> Self {
        self.mfa = mfa;
        self
    }

    /// The CLI's cache key for this role.
    pub fn cache_key(&self) -> String {
        let configured_name = (!self.session_name_generated).then_some(self.session_name.as_str());
        cache::assume_role_cache_key(
            &self.step.role_arn,
            configured_name,
            self.step.external_id.as_deref(),
            self.step.mfa_serial.as_deref(),
            self.step.duration_seconds,
        )
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        let now = self.env.now();
        let from = format!("profile {}", self.step.profile);
        if let Some(hit) = self.memo.get(now) {
            return Ok(to_credentials(
                &hit,
                Tier::AssumeRole.name(),
                &self.step.role_arn,
                &from,
                Answer::Memo,
            ));
        }
        let key = self.cache_key();
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.load(&key, now)) {
            tracing::debug!(role_arn = %self.step.role_arn, "role credentials from the CLI cache");
            self.memo.set(&hit);
            return Ok(to_credentials(
                &hit,
                Tier::AssumeRole.name(),
                &self.step.role_arn,
                &from,
                Answer::Cache(self.cache.as_ref().map(|c| c.path(&key))),
            ));
        }
        let _lock = match lock_or_hit(self.cache.as_ref(), &key, now).await {
            Ok(lock) => lock,
            Err(hit) => {
                self.memo.set(&hit);
                return Ok(to_credentials(
                    &hit,
                    Tier::AssumeRole.name(),
                    &self.step.role_arn,
                    &from,
                    Answer::Cache(self.cache.as_ref().map(|c| c.path(&key))),
                ));
            }
        };
        tracing::debug!(
            profile = %self.step.profile,
            role_arn = %self.step.role_arn,
            endpoint = %self.client.endpoint().url,
            signing_region = %self.client.endpoint().signing_region,
            "no cached role credentials: calling STS AssumeRole"
        );
        let context = || {
            format!(
                "profile {}: assuming role {}",
                self.step.profile, self.step.role_arn
            )
        };
        let source = self.source.provide_credentials().await.map_err(|e| {
            // A source that turns out not to be configured is a broken role profile, not a
            // reason for the chain to move on.
            let kind = if e.is_not_configured() {
                ErrorKind::InvalidConfiguration
            } else {
                e.kind()
            };
            Error::new(
                kind,
                format!("{}: getting the source credentials", context()),
            )
            .with_source(e)
        })?;
        // botocore asks for the MFA code and calls STS when the deferred credentials are first
        // read: failures from here on are met there, not while locating credentials.
        let token_code = match &self.step.mfa_serial {
            Some(serial) => Some(
                self.mfa
                    .ask(serial, &format!("role {}", self.step.role_arn))
                    .await
                    .map_err(Error::deferred)?,
            ),
            None => None,
        };
        let request = AssumeRoleRequest {
            role_arn: self.step.role_arn.clone(),
            role_session_name: self.session_name.clone(),
            external_id: self.step.external_id.clone(),
            serial_number: self.step.mfa_serial.clone(),
            token_code,
            duration_seconds: self.step.duration_seconds,
        };
        let fresh = self
            .client
            .assume_role(&source, &request)
            .await
            .map_err(|e| e.context(context()).deferred())?;
        if let Some(cache) = &self.cache {
            cache.store(&key, &fresh);
        }
        self.memo.set(&fresh);
        Ok(to_credentials(
            &fresh,
            Tier::AssumeRole.name(),
            &self.step.role_arn,
            &from,
            Answer::Sts(&self.client),
        ))
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.fetch())
    }
}

/// What a web identity role needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebIdentitySettings {
    /// The role.
    pub role_arn: String,
    /// The file holding the token, read on every call to STS.
    pub token_file: PathBuf,
    /// `role_session_name` / `AWS_ROLE_SESSION_NAME`, when set.
    pub session_name: Option<String>,
    /// Where the settings came from (`profile dev`, `environment`), for messages.
    pub source: String,
}

impl WebIdentitySettings {
    /// From `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and `AWS_ROLE_SESSION_NAME` alone.
    /// Not configured without a token file; an error with a token file but no role.
    pub fn from_env(env: &Env) -> Result<Self, Error> {
        let Some(token_file) = env.non_empty_var("AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return Err(Error::not_configured(
                "AWS_WEB_IDENTITY_TOKEN_FILE is not set",
            ));
        };
        let role_arn = env.non_empty_var("AWS_ROLE_ARN").ok_or_else(|| {
            Error::invalid_config(
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: a web identity \
                 token needs a role to assume",
            )
        })?;
        Ok(WebIdentitySettings {
            role_arn,
            token_file: PathBuf::from(token_file),
            session_name: env.var("AWS_ROLE_SESSION_NAME"),
            source: "environment".into(),
        })
    }

    /// From a plan's [`BaseCredentials::WebIdentity`] (which already merged the environment
    /// variables, see `awscred_profile::plan::resolve_for_context`). `None` for other bases.
    pub fn from_base(base: &BaseCredentials) -> Option<Self> {
        match base {
            BaseCredentials::WebIdentity {
                profile,
                role_arn,
                token_file,
                session_name,
            } => Some(WebIdentitySettings {
                role_arn: role_arn.clone(),
                token_file: PathBuf::from(token_file),
                session_name: session_name.clone(),
                source: format!("profile {profile}"),
            }),
            _ => None,
        }
    }
}

/// Assumes a role with a web identity token read from a file (botocore's
/// `AssumeRoleWithWebIdentityProvider`): unsigned, cached like [`AssumeRoleProvider`].
pub struct WebIdentityProvider {
    settings: WebIdentitySettings,
    client: StsClient,
    env: Env,
    cache: Option<RoleCache>,
    session_name: String,
    memo: Memo,
}

impl fmt::Debug for WebIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityProvider")
            .field("settings", &self.settings)
            .field("endpoint", &self.client.endpoint().url)
            .finish()
    }
}

impl WebIdentityProvider {
    /// Assumes `settings.role_arn` with the token in `settings.token_file`, read through `env`'s
    /// file system; cached in `env`'s `~/.aws/cli/cache`.
    pub fn new(mut settings: WebIdentitySettings, client: StsClient, env: &Env) -> Self {
        settings.session_name = settings.session_name.filter(|n| !n.is_empty());
        let session_name = settings
            .session_name
            .clone()
            .unwrap_or_else(|| format!("botocore-session-{}", timestamp::to_unix(env.now())));
        WebIdentityProvider {
            settings,
            client: client.with_clock(env.clock()),
            cache: RoleCache::from_env(env),
            env: env.clone(),
            session_name,
            memo: Memo::default(),
        }
    }

    /// The same provider with another cache (`None`: no disk cache).
    pub fn with_cache(mut self, cache: Option<RoleCache>) -> Self {
        self.cache = cache;
        self
    }

    /// The CLI's cache key for this role.
    pub fn cache_key(&self) -> String {
        cache::web_identity_cache_key(
            &self.settings.role_arn,
            self.settings.session_name.as_deref(),
        )
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        let now = self.env.now();
        let role_arn = &self.settings.role_arn;
        let from = self.settings.source.as_str();
        if let Some(hit) = self.memo.get(now) {
            return Ok(to_credentials(
                &hit,
                Tier::WebIdentity.name(),
                role_arn,
                from,
                Answer::Memo,
            ));
        }
        let key = self.cache_key();
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.load(&key, now)) {
            self.memo.set(&hit);
            return Ok(to_credentials(
                &hit,
                Tier::WebIdentity.name(),
                role_arn,
                from,
                Answer::Cache(self.cache.as_ref().map(|c| c.path(&key))),
            ));
        }
        let _lock = match lock_or_hit(self.cache.as_ref(), &key, now).await {
            Ok(lock) => lock,
            Err(hit) => {
                self.memo.set(&hit);
                return Ok(to_credentials(
                    &hit,
                    Tier::WebIdentity.name(),
                    role_arn,
                    from,
                    Answer::Cache(self.cache.as_ref().map(|c| c.path(&key))),
                ));
            }
        };
        tracing::debug!(
            from,
            role_arn = %role_arn,
            token_file = %self.settings.token_file.display(),
            endpoint = %self.client.endpoint().url,
            "no cached role credentials: calling STS AssumeRoleWithWebIdentity"
        );
        let context = || format!("{from}: assuming role {role_arn} with a web identity");
        // botocore's web identity credentials are deferred: the token file is read and STS
        // called when the CLI first reads them, so these failures are met there.
        let path = &self.settings.token_file;
        let token = self.env.read_file(path, ReadLimit::TOKEN).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "{}: cannot read the token file {}",
                    context(),
                    path.display()
                ),
            )
            .with_source(e)
            .deferred()
        })?;
        let token = String::from_utf8(token).map_err(|_| {
            Error::provider_failed(format!(
                "{}: the token file {} is not UTF-8",
                context(),
                path.display()
            ))
            .deferred()
        })?;
        let request = WebIdentityRequest {
            role_arn: role_arn.clone(),
            role_session_name: self.session_name.clone(),
            web_identity_token: Secret::new(token),
        };
        let fresh = self
            .client
            .assume_role_with_web_identity(&request)
            .await
            .map_err(|e| e.context(context()).deferred())?;
        if let Some(cache) = &self.cache {
            cache.store(&key, &fresh);
        }
        self.memo.set(&fresh);
        Ok(to_credentials(
            &fresh,
            Tier::WebIdentity.name(),
            role_arn,
            from,
            Answer::Sts(&self.client),
        ))
    }
}

/// After a cache miss: the credentials another process stored while this one waited for the
/// cache lock (`Err`), or the lock to hold while calling STS (`Ok`, `None` without one).
pub(crate) async fn lock_or_hit(
    cache: Option<&RoleCache>,
    key: &str,
    now: SystemTime,
) -> Result<Option<cache::CacheLock>, StsCredentials> {
    let Some(cache) = cache else {
        return Ok(None);
    };
    match cache.lock(key, now).await {
        cache::LockOutcome::Cached(hit) => {
            tracing::debug!("role credentials stored by another process meanwhile");
            Err(hit)
        }
        cache::LockOutcome::Locked(lock) => Ok(Some(lock)),
        cache::LockOutcome::Unlocked => Ok(None),
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.fetch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::StsEndpoint;
    use awscred_core::clock::ManualClock;
    use awscred_core::fs::MemFs;
    use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, Timeouts};

    const GOOD: &str = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>\
<AssumedRoleUser><Arn>arn:aws:sts::210987654321:assumed-role/web/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>\
<Credentials><AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>wsecret</SecretAccessKey>\
<SessionToken>wtoken</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>\
</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

    /// Answers every request with `GOOD` and keeps the requests.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<HttpRequest>>);

    impl HttpClient for Recorder {
        fn send(
            &self,
            request: HttpRequest,
            _: Timeouts,
        ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
            self.0.lock().unwrap().push(request);
            Box::pin(std::future::ready(Ok(::http::Response::new(
                GOOD.as_bytes().to_vec(),
            ))))
        }
    }

    fn env(files: MemFs) -> Env {
        Env::from_vars([(awscred_testkit::HOME_VAR, "/home/u")])
            .with_fs(Arc::new(files))
            .with_clock(Arc::new(ManualClock::new(
                timestamp::parse("2029-12-31T00:00:00Z").unwrap(),
            )))
    }

    #[tokio::test]
    async fn web_identity_is_unsigned_reads_the_token_each_time_and_caches() {
        let env = env(MemFs::default().with_file("/t/token", "first-token"));
        let http = Arc::new(Recorder::default());
        let client = StsClient::new(
            http.clone(),
            StsEndpoint::for_region(Some("eu-west-1"), false, false),
        );
        let base = BaseCredentials::WebIdentity {
            profile: "web".into(),
            role_arn: "arn:aws:iam::210987654321:role/web".into(),
            token_file: "/t/token".into(),
            session_name: None,
        };
        let settings = WebIdentitySettings::from_base(&base).unwrap();
        let provider = WebIdentityProvider::new(settings.clone(), client.clone(), &env);
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(
            (creds.access_key_id(), creds.account_id()),
            ("ASIAWEB", Some("210987654321"))
        );
        {
            let seen = http.0.lock().unwrap();
            let request = &seen[0];
            assert_eq!(
                request.uri().to_string(),
                "https://sts.eu-west-1.amazonaws.com/"
            );
            assert!(
                request.headers().get("authorization").is_none(),
                "web identity is unsigned"
            );
            let body = String::from_utf8(request.body().clone()).unwrap();
            assert!(
                body.starts_with("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="),
                "{body}"
            );
            assert!(
                body.ends_with(
                    "&RoleSessionName=botocore-session-1893369600&WebIdentityToken=first-token"
                ),
                "{body}"
            );
        }
        let key = provider.cache_key();
        assert!(
            env.read_file(
                &PathBuf::from(format!("/home/u/.aws/cli/cache/{key}.json")),
                ReadLimit::CACHE_ENTRY,
            )
            .is_ok()
        );

        // Without the cache, a new provider reads the token file again.
        env.fs()
            .write_atomic(std::path::Path::new("/t/token"), b"second-token")
            .unwrap();
        let fresh = WebIdentityProvider::new(settings, client, &env).with_cache(None);
        fresh.provide_credentials().await.unwrap();
        let seen = http.0.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(
            String::from_utf8(seen[1].body().clone())
                .unwrap()
                .ends_with("WebIdentityToken=second-token")
        );
        let debug = format!("{provider:?} {creds:?}");
        assert!(
            !debug.contains("wsecret")
                && !debug.contains("wtoken")
                && !debug.contains("first-token")
        );
    }

    #[tokio::test]
    async fn a_source_that_is_not_configured_breaks_the_role() {
        #[derive(Debug)]
        struct Nothing;
        impl ProvideCredentials for Nothing {
            fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
                Box::pin(std::future::ready(Err(Error::not_configured("no keys"))))
            }
        }
        let env = env(MemFs::default());
        let client = StsClient::new(
            Arc::new(Recorder::default()),
            StsEndpoint::for_region(None, false, false),
        );
        let mut step = RoleStep::new("dev", "arn:aws:iam::1:role/r");
        step.session_name = Some(String::new());
        let provider = AssumeRoleProvider::new(Arc::new(Nothing), step, client, &env);
        // An empty session name is generated, and so left out of the key, as in botocore.
        assert_eq!(
            provider.cache_key(),
            cache::assume_role_cache_key("arn:aws:iam::1:role/r", None, None, None, None)
        );
        let err = provider.provide_credentials().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
        assert!(
            err.to_string()
                .starts_with("profile dev: assuming role arn:aws:iam::1:role/r"),
            "{err}"
        );
    }
}
