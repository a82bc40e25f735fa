//! `awscred sso login` and `awscred sso logout`, as the CLI v2's commands: the authorization-code
//! flow with PKCE and a loopback redirect listener (sso-session profiles) or the device-code flow
//! (legacy profiles, `--use-device-code`), the cached client registration, and the token cache.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use awscred_core::fs::ReadLimit;
use awscred_core::http::HttpClient;
use awscred_core::retry::RetryConfig;
use awscred_core::timestamp;
use awscred_core::{Env, Error, ErrorKind, Result, Secret};
use awscred_profile::ProfileContext;
use serde_json::Value;

use crate::api::{self, CallError, Grant, Registration};
use crate::config::{self, SsoSession};
use crate::endpoint::{self, Service};
use crate::redirect::{open_browser, wait_for_redirect};
use crate::token::{CachedToken, token_dir, token_path};
use crate::util::{self, PyJson};

/// What `awscred sso login` was asked to do.
#[derive(Debug, Clone)]
pub struct SsoLoginOptions {
    /// `--profile`; `None` uses the context's selected profile.
    pub profile: Option<String>,
    /// `--sso-session`: log in to this session whatever the profile says.
    pub sso_session: Option<String>,
    /// `--use-device-code`: the device-code flow even for an sso-session.
    pub use_device_code: bool,
    /// `--no-browser`: print the URL only.
    pub no_browser: bool,
    /// The length of one second of the services' `interval` / `expiresIn` values. One second in
    /// production; tests shrink it to poll quickly.
    pub poll_unit: Duration,
    /// How long the loopback listener waits for the browser's redirect (the CLI: 10 minutes).
    pub callback_timeout: Duration,
    /// How `RegisterClient`, `StartDeviceAuthorization` and `CreateToken` are retried on
    /// transport failures, 5xx and throttling (the CLI's standard mode by default). The OAuth
    /// polling answers are not failures: the flow waits and polls again whatever this says.
    pub retry: RetryConfig,
}

impl Default for SsoLoginOptions {
    fn default() -> Self {
        SsoLoginOptions {
            profile: None,
            sso_session: None,
            use_device_code: false,
            no_browser: false,
            poll_unit: Duration::from_secs(1),
            callback_timeout: Duration::from_secs(600),
            retry: RetryConfig::default(),
        }
    }
}

/// The device flow RFC's defaults: a 5 s polling interval, 5 s more on every `slow_down`.
const DEFAULT_INTERVAL: i64 = 5;
const SLOW_DOWN_DELAY: i64 = 5;
/// A cached registration is reused while more than this remains, as the CLI.
const REGISTRATION_WINDOW: Duration = Duration::from_secs(15 * 60);
/// A cached token is reused without `force_refresh` while more than this remains
/// (botocore's `_EXPIRY_WINDOW`).
const TOKEN_EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);
const AUTH_GRANT_TYPES: [&str; 2] = ["authorization_code", "refresh_token"];
const DEFAULT_SCOPE: &str = "sso:account:access";
const REDIRECT_WITHOUT_PORT: &str = "http://127.0.0.1/oauth/callback";

fn io_error(e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("could not write to the terminal: {e}"),
    )
}

/// Logs in: obtains a new SSO token and writes it to the CLI's token cache
/// (`~/.aws/sso/cache/<sha1>.json`), so `aws` and awscred both use it. Prints the URL to visit
/// (and the user code), opens the browser unless `no_browser`, says that it waits, and ends with
/// `Successfully logged into Start URL: ...`.
pub async fn login(
    ctx: &ProfileContext,
    http: Arc<dyn HttpClient>,
    options: &SsoLoginOptions,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let profile = options
        .profile
        .clone()
        .unwrap_or_else(|| ctx.profile_name.clone());
    let session = config::login_config(&ctx.profiles, &profile, options.sso_session.as_deref())?;
    login_to_session(ctx, http, &session, options, true, out).await?;
    writeln!(
        out,
        "Successfully logged into Start URL: {}",
        session.start_url
    )
    .map_err(io_error)?;
    Ok(())
}

/// Logs in to `session`, which need not be in the config file yet (`awscred configure sso`
/// logs in before it writes the session), and writes the token to the CLI's token cache.
/// Without `force_refresh`, a cached token with more than 15 minutes left is returned as it is,
/// as botocore's token fetchers do. Prints what [`login`] prints, less its last line.
pub async fn login_to_session(
    ctx: &ProfileContext,
    http: Arc<dyn HttpClient>,
    session: &SsoSession,
    options: &SsoLoginOptions,
    force_refresh: bool,
    out: &mut (dyn Write + Send),
) -> Result<CachedToken> {
    let path = token_path(&ctx.env, session)?;
    if !force_refresh
        && let Ok(token) = crate::token::load_token(&ctx.env, session, &ctx.profile_name)
        && token
            .expires_at
            .duration_since(ctx.env.now())
            .is_ok_and(|left| left >= TOKEN_EXPIRY_WINDOW)
    {
        return Ok(token);
    }
    let oidc = endpoint::resolve(ctx, Service::Oidc, &session.region);
    let flow = Flow {
        ctx,
        client: api::Client {
            http: &*http,
            retry: options.retry,
        },
        oidc: &oidc,
        session,
        options,
    };
    let token = if session.session_name.is_some() && !options.use_device_code {
        flow.authorization_code(out).await?
    } else {
        flow.device_code(out).await?
    };
    ctx.env
        .fs()
        .write_atomic(&path, token.to_json().as_bytes())
        .map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "could not write the SSO token cache {}: {e}",
                    path.display()
                ),
            )
        })?;
    Ok(token)
}

struct Flow<'a> {
    ctx: &'a ProfileContext,
    client: api::Client<'a>,
    oidc: &'a str,
    session: &'a SsoSession,
    options: &'a SsoLoginOptions,
}

/// A registration as the CLI caches it.
struct CachedRegistration {
    registration: Registration,
    expires_at_text: String,
    for_auth_code: bool,
}

impl Flow<'_> {
    fn fail(&self, operation: &str) -> impl Fn(CallError) -> Error + '_ {
        let operation = operation.to_owned();
        move |e| e.into_error(&operation, self.oidc)
    }

    fn client_name(&self) -> String {
        match &self.session.session_name {
            Some(name) => format!("botocore-client-{name}"),
            None => format!("botocore-client-{}", timestamp::to_unix(self.ctx.env.now())),
        }
    }

    /// The registration cache file: SHA-1 of Python's `json.dumps(args, sort_keys=True)`.
    fn registration_path(&self) -> Result<std::path::PathBuf> {
        let scopes = match &self.session.registration_scopes {
            Some(s) => PyJson::List(s.iter().cloned().map(PyJson::Str).collect()),
            None => PyJson::Null,
        };
        let args = PyJson::Object(vec![
            ("tool".into(), PyJson::Str("botocore".into())),
            (
                "startUrl".into(),
                PyJson::Str(self.session.start_url.clone()),
            ),
            ("region".into(), PyJson::Str(self.session.region.clone())),
            ("scopes".into(), scopes),
            (
                "session_name".into(),
                self.session
                    .session_name
                    .clone()
                    .map_or(PyJson::Null, PyJson::Str),
            ),
        ]);
        let key = util::sha1_hex(args.sorted().dumps(false).as_bytes());
        Ok(token_dir(&self.ctx.env)?.join(format!("{key}.json")))
    }

    fn cached_registration(&self, path: &std::path::Path) -> Option<CachedRegistration> {
        let bytes = self.ctx.env.read_file(path, ReadLimit::CACHE_ENTRY).ok()?;
        let value: Value = serde_json::from_slice(&bytes).ok()?;
        let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
        let expires_at_text = text("expiresAt")?;
        let expires_at = timestamp::parse(&expires_at_text)?;
        let remaining = expires_at
            .duration_since(self.ctx.env.now())
            .unwrap_or_default();
        if remaining < REGISTRATION_WINDOW {
            return None;
        }
        let for_auth_code = value
            .get("grantTypes")
            .and_then(Value::as_array)
            .is_some_and(|g| g.iter().any(|v| v.as_str() == Some("authorization_code")));
        Some(CachedRegistration {
            registration: Registration {
                client_id: text("clientId")?,
                client_secret: Secret::new(text("clientSecret")?),
                expires_at: timestamp::to_unix(expires_at),
            },
            expires_at_text,
            for_auth_code,
        })
    }

    async fn registration(&self, auth_code: bool) -> Result<CachedRegistration> {
        let path = self.registration_path()?;
        if let Some(cached) = self.cached_registration(&path)
            && cached.for_auth_code == auth_code
        {
            return Ok(cached);
        }
        let scopes = self.session.registration_scopes.clone();
        let params = if auth_code {
            api::RegisterParams {
                client_name: self.client_name(),
                scopes: Some(scopes.unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()])),
                grant_types: Some(AUTH_GRANT_TYPES.iter().map(|s| (*s).to_owned()).collect()),
                redirect_uris: Some(vec![REDIRECT_WITHOUT_PORT.to_owned()]),
                issuer_url: Some(self.session.start_url.clone()),
            }
        } else {
            api::RegisterParams {
                client_name: self.client_name(),
                scopes: scopes.filter(|s| !s.is_empty()),
                ..Default::default()
            }
        };
        let registration = api::register_client(self.client, self.oidc, &params)
            .await
            .map_err(self.fail("RegisterClient"))?;
        let expires = timestamp::from_unix(registration.expires_at, 0).ok_or_else(|| {
            Error::provider_failed("RegisterClient: `clientSecretExpiresAt` is out of range")
        })?;
        let expires_at_text = timestamp::format_z(expires);
        let list = |v: &[String]| PyJson::List(v.iter().cloned().map(PyJson::Str).collect());
        let mut entries = vec![
            (
                "clientId".to_owned(),
                PyJson::Str(registration.client_id.clone()),
            ),
            (
                "clientSecret".to_owned(),
                PyJson::Str(registration.client_secret.expose().to_owned()),
            ),
            ("expiresAt".to_owned(), PyJson::Str(expires_at_text.clone())),
        ];
        if let Some(scopes) = &params.scopes {
            entries.push(("scopes".to_owned(), list(scopes)));
        }
        if let Some(grants) = &params.grant_types {
            entries.push(("grantTypes".to_owned(), list(grants)));
        }
        if let Err(e) = self
            .ctx
            .env
            .fs()
            .write_atomic(&path, PyJson::Object(entries).dumps(false).as_bytes())
        {
            tracing::warn!(
                "could not cache the SSO client registration in {}: {e}",
                path.display()
            );
        }
        Ok(CachedRegistration {
            registration,
            expires_at_text,
            for_auth_code: auth_code,
        })
    }

    fn new_token(&self, reg: &CachedRegistration, new: api::NewToken) -> CachedToken {
        CachedToken {
            access_token: new.access_token,
            expires_at: self.ctx.env.now() + Duration::from_secs(new.expires_in.max(0) as u64),
            refresh_token: new.refresh_token,
            client_id: Some(reg.registration.client_id.clone()),
            client_secret: Some(reg.registration.client_secret.clone()),
            registration_expires_at: Some(reg.expires_at_text.clone()),
            region: Some(self.session.region.clone()),
            start_url: Some(self.session.start_url.clone()),
        }
    }

    /// Prints the URL (and code) and opens the browser: the CLI's `OpenBrowserHandler` /
    /// `PrintOnlyHandler`.
    fn on_pending(
        &self,
        out: &mut (dyn Write + Send),
        uri: &str,
        code: Option<&str>,
        complete: &str,
    ) -> Result<()> {
        if self.options.no_browser {
            write!(out, "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{uri}\n")
                .map_err(io_error)?;
            if let Some(code) = code {
                write!(
                    out,
                    "\nThen enter the code:\n\n{code}\n\nAlternatively, you may visit the following \
                     URL which will autofill the code upon loading:\n{complete}\n"
                )
                .map_err(io_error)?;
            }
        } else {
            // The CLI's `OpenBrowserHandler`: the device code may be entered on another device;
            // the browser redirect cannot, so it points at `--use-device-code`.
            match code {
                Some(code) => write!(
                    out,
                    "Attempting to open your default browser.\nIf the browser does not open or you \
                     wish to use a different device to authorize this request, open the \
                     following URL:\n\n{uri}\n\nThen enter the code:\n\n{code}\n"
                ),
                None => write!(
                    out,
                    "Attempting to open your default browser. If the browser does not open, open \
                     the following URL.\nIf you are unable to open the URL on this device, run \
                     this command again with the '--use-device-code' option.\n\n{uri}\n\n"
                ),
            }
            .map_err(io_error)?;
            open_browser(complete);
        }
        writeln!(out, "\nWaiting for the authorization to complete...").map_err(io_error)?;
        out.flush().map_err(io_error)
    }

    /// The device-code grant (botocore's `SSOTokenFetcher`).
    async fn device_code(&self, out: &mut (dyn Write + Send)) -> Result<CachedToken> {
        let reg = self.registration(false).await?;
        let auth = api::start_device_authorization(
            self.client,
            self.oidc,
            &reg.registration,
            &self.session.start_url,
        )
        .await
        .map_err(self.fail("StartDeviceAuthorization"))?;
        let mut interval = auth.interval.unwrap_or(DEFAULT_INTERVAL);
        // The CLI trusts the service to end the loop with `expired_token`; a deadline a little
        // past `expiresIn` also ends it when an endpoint never does.
        let deadline = tokio::time::Instant::now()
            + api::scaled(auth.expires_in.max(0) + 60, self.options.poll_unit);
        let mut announced = false;
        loop {
            let attempt = api::create_token(
                self.client,
                self.oidc,
                &reg.registration.client_id,
                &reg.registration.client_secret,
                Grant::DeviceCode(&auth.device_code),
            )
            .await;
            match attempt {
                Ok(new) => return Ok(self.new_token(&reg, new)),
                Err(CallError::Service(e)) if e.is("slow_down") => interval += SLOW_DOWN_DELAY,
                Err(CallError::Service(e)) if e.is("authorization_pending") => {}
                Err(CallError::Service(e)) if e.is("expired_token") => {
                    return Err(pending_expired());
                }
                Err(e) => return Err(e.into_error("CreateToken", self.oidc)),
            }
            // A pre-authorized client gets its token on the first attempt, without a message.
            if !announced {
                self.on_pending(
                    out,
                    &auth.verification_uri,
                    Some(&auth.user_code),
                    &auth.verification_uri_complete,
                )?;
                announced = true;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(pending_expired());
            }
            tokio::time::sleep(api::scaled(interval, self.options.poll_unit)).await;
        }
    }

    /// The authorization-code grant with PKCE (botocore's `SSOTokenFetcherAuth`).
    async fn authorization_code(&self, out: &mut (dyn Write + Send)) -> Result<CachedToken> {
        // Loopback only: the CLI listens on every interface, which nothing needs.
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!("could not start the local listener for the SSO redirect: {e}"),
                )
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
        let reg = self.registration(true).await?;
        let state = util::uuid4()?;
        let verifier = Secret::new(util::code_verifier()?);
        let challenge = util::base64url(&util::sha256(verifier.expose().as_bytes()));
        let scopes = match &self.session.registration_scopes {
            Some(s) if !s.is_empty() => s.join(" "),
            _ => DEFAULT_SCOPE.to_owned(),
        };
        let query: Vec<String> = [
            ("response_type", "code"),
            ("client_id", reg.registration.client_id.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("state", state.as_str()),
            ("code_challenge_method", "S256"),
            ("scopes", scopes.as_str()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", util::percent_encode(v)))
        .collect();
        let url = format!(
            "{}/authorize?{}&code_challenge={challenge}",
            self.oidc,
            query.join("&")
        );
        self.on_pending(out, &url, None, &url)?;

        let (code, returned_state) =
            wait_for_redirect(&listener, self.options.callback_timeout, &state)
                .await
                .ok_or_else(pending_expired)?;
        let Some(code) = code else {
            return Err(Error::provider_failed(
                "Failed to retrieve an authorization code.",
            ));
        };
        if returned_state.as_deref() != Some(state.as_str()) {
            return Err(Error::provider_failed(
                "State parameter does not match expected value.",
            ));
        }
        let code = Secret::new(code);
        let answer = api::create_token(
            self.client,
            self.oidc,
            &reg.registration.client_id,
            &reg.registration.client_secret,
            Grant::AuthorizationCode {
                code: &code,
                redirect_uri: &redirect_uri,
                code_verifier: &verifier,
            },
        )
        .await;
        match answer {
            Ok(new) => Ok(self.new_token(&reg, new)),
            Err(CallError::Service(e)) if e.is("expired_token") => Err(pending_expired()),
            Err(e) => Err(e.into_error("CreateToken", self.oidc)),
        }
    }
}

fn pending_expired() -> Error {
    Error::provider_failed(
        "The pending authorization to retrieve an SSO token has expired. The device \
         authorization flow to retrieve an SSO token must be restarted.",
    )
}

/// What [`logout`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogoutSummary {
    /// Token cache files removed from `~/.aws/sso/cache`.
    pub tokens: usize,
    /// Role credential files removed from `~/.aws/cli/cache`.
    pub credentials: usize,
}

/// Logs out as `aws sso logout`: every cached SSO access token (files with `accessToken` in
/// `~/.aws/sso/cache`) is first invalidated with the portal's `Logout` call when it names its
/// region (failures ignored), then removed; every cached SSO role credential file
/// (`"ProviderType": "sso"` in `~/.aws/cli/cache`) is removed. Prints nothing, as the CLI.
pub async fn logout(ctx: &ProfileContext, http: Arc<dyn HttpClient>) -> Result<LogoutSummary> {
    let env: &Env = &ctx.env;
    let mut summary = LogoutSummary::default();
    let dir = token_dir(env)?;
    for name in list(env, &dir)? {
        let path = dir.join(&name);
        let Some(value) = read_json(env, &path) else {
            continue;
        };
        let Some(token) = value
            .get("accessToken")
            .map(|t| t.as_str().unwrap_or_default())
        else {
            continue;
        };
        if let Some(region) = value.get("region").and_then(Value::as_str) {
            let portal = endpoint::resolve(ctx, Service::Portal, region);
            let client = api::Client {
                http: &*http,
                retry: RetryConfig::default(),
            };
            if let Err(e) = api::logout(client, &portal, &Secret::new(token)).await {
                tracing::debug!(
                    "Failed to call logout API: {}",
                    e.into_error("Logout", &portal)
                );
            }
        }
        remove(env, &path)?;
        summary.tokens += 1;
    }
    if let Some(dir) = awscred_core::cli_cache::CliCache::dir_of(env) {
        for name in list(env, &dir)? {
            let path = dir.join(&name);
            let Some(value) = read_json(env, &path) else {
                continue;
            };
            if value.get("ProviderType").and_then(Value::as_str) == Some("sso") {
                remove(env, &path)?;
                summary.credentials += 1;
            }
        }
    }
    Ok(summary)
}

fn list(env: &Env, dir: &std::path::Path) -> Result<Vec<String>> {
    env.fs().list(dir).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("could not list {}: {e}", dir.display()),
        )
    })
}

fn read_json(env: &Env, path: &std::path::Path) -> Option<Value> {
    let bytes = env.read_file(path, ReadLimit::CACHE_ENTRY).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(v @ Value::Object(_)) => Some(v),
        _ => {
            tracing::debug!("Failed to load: {}", path.display());
            None
        }
    }
}

fn remove(env: &Env, path: &std::path::Path) -> Result<()> {
    env.fs().remove(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("could not remove {}: {e}", path.display()),
        )
    })
}
