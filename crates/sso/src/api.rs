//! The service calls: SSO-OIDC (`RegisterClient`, `StartDeviceAuthorization`, `CreateToken`) and
//! the portal (`GetRoleCredentials`, `Logout`). REST-JSON over the shared [`HttpClient`], each
//! call retried as the CLI's standard retry mode does ([`awscred_core::retry`]).

use std::time::Duration;

use awscred_core::http::{HttpClient, HttpRequest, HttpResponse, Timeouts, endpoint_of};
use awscred_core::retry::{self, Attempt, RetryConfig};
use awscred_core::{Error, ErrorKind, Result, Secret};
use serde_json::{Map, Value};

use crate::util::percent_encode;

/// An error answer from a service: its HTTP status, the error code (`authorization_pending`,
/// `UnauthorizedException`...) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The HTTP status.
    pub status: u16,
    /// The OAuth `error` code, or the AWS error type without its namespace.
    pub code: String,
    /// The AWS exception name (`x-amzn-ErrorType`, else the body's `__type`), without its
    /// namespace; empty when the answer names none.
    pub exception: String,
    /// The service's description, if any.
    pub message: String,
}

impl ServiceError {
    /// Whether the error is the OAuth code `code` (or its AWS exception name).
    pub fn is(&self, code: &str) -> bool {
        let exception = match code {
            "authorization_pending" => "AuthorizationPendingException",
            "slow_down" => "SlowDownException",
            "expired_token" => "ExpiredTokenException",
            "invalid_grant" => "InvalidGrantException",
            "invalid_client" => "InvalidClientException",
            "unauthorized" => "UnauthorizedException",
            other => other,
        };
        self.code == code || self.code == exception
    }
}

/// What a call can fail with.
#[derive(Debug)]
pub enum CallError {
    /// The service answered with an error.
    Service(ServiceError),
    /// Anything else, already phrased for the user.
    Other(Error),
}

impl CallError {
    /// The error as botocore words a service's refusal (`An error occurred (<code>) when
    /// calling the <operation> operation: <message>`, the code being the AWS exception name when
    /// the answer gives one), then where it came from and the HTTP status.
    pub fn into_error(self, operation: &str, endpoint: &str) -> Error {
        match self {
            CallError::Other(e) => e,
            CallError::Service(s) => {
                let code = if s.exception.is_empty() {
                    &s.code
                } else {
                    &s.exception
                };
                // botocore falls back on the status's reason phrase.
                let message = if s.message.is_empty() {
                    http::StatusCode::from_u16(s.status)
                        .ok()
                        .and_then(|c| c.canonical_reason())
                        .unwrap_or("Unknown")
                } else {
                    &s.message
                };
                Error::provider_failed(format!(
                    "An error occurred ({code}) when calling the {operation} operation: {message} \
                     ({endpoint}, HTTP {}{})",
                    s.status,
                    if s.code == *code {
                        String::new()
                    } else {
                        format!(", error {}", s.code)
                    }
                ))
                .refused_by_service()
            }
        }
    }
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Other(e)
    }
}

/// A call's answer or why it failed.
pub type CallResult<T> = std::result::Result<T, CallError>;

/// Where a call goes and how it is retried.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The HTTP client.
    pub http: &'a dyn HttpClient,
    /// The retry policy.
    pub retry: RetryConfig,
}

/// Sends a request, retrying transport failures, 5xx and throttling answers, and returns the
/// parsed JSON object of a 2xx answer. The OAuth polling answers (`authorization_pending`,
/// `slow_down`) are never retried here: they are answers the login loop acts on.
pub(crate) async fn call(
    client: Client<'_>,
    request: HttpRequest,
    operation: &str,
) -> CallResult<Map<String, Value>> {
    call_with(client, operation, &|| Ok(duplicate(&request))).await
}

/// `call` with the request made afresh for each attempt by `make` (a request carrying a
/// one-time proof, such as a DPoP header, must not be sent twice). `make` is a trait object so
/// that the retry loop is compiled once for every caller.
pub async fn call_with(
    client: Client<'_>,
    operation: &str,
    make: &(dyn Fn() -> Result<HttpRequest> + Sync),
) -> CallResult<Map<String, Value>> {
    // Where the last attempt went, for the messages (the same place each time).
    let endpoint = std::sync::Mutex::new(String::new());
    let response = retry::run(client.retry, operation, || async {
        let request = match make() {
            Ok(request) => request,
            Err(e) => return Attempt::Done(Err(CallError::Other(e))),
        };
        *endpoint.lock().unwrap_or_else(|p| p.into_inner()) = endpoint_of(request.uri());
        match client.http.send(request, Timeouts::default()).await {
            Ok(response) if response.status().is_success() => Attempt::Done(Ok(response)),
            Ok(response) => {
                let error = service_error(&response);
                let polling = error.is("authorization_pending") || error.is("slow_down");
                let retryable = retry::is_retryable_status(error.status)
                    || retry::is_retryable_code(&error.code);
                if retryable && !polling {
                    Attempt::Retry(CallError::Service(error))
                } else {
                    Attempt::Done(Err(CallError::Service(error)))
                }
            }
            Err(e) => {
                let retryable = retry::is_retryable_transport(&e);
                let error = CallError::Other(
                    Error::new(ErrorKind::Network, format!("{operation}: {e}"))
                        .with_detail(e.detail())
                        .with_source(e),
                );
                if retryable {
                    Attempt::Retry(error)
                } else {
                    Attempt::Done(Err(error))
                }
            }
        }
    })
    .await?;
    let endpoint = endpoint.into_inner().unwrap_or_else(|p| p.into_inner());
    let body = response.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        // The parser's message may quote the body, which can hold a secret: say only where.
        Ok(_) => Err(Error::provider_failed(format!(
            "{operation}: the response from {endpoint} is not a JSON object"
        ))
        .into()),
        Err(e) => Err(Error::provider_failed(format!(
            "{operation}: the response from {endpoint} is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
        .into()),
    }
}

/// The same request again, for another attempt (`http::Request` is not `Clone`: extensions).
fn duplicate(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

fn service_error(response: &HttpResponse) -> ServiceError {
    let status = response.status().as_u16();
    let body: Map<String, Value> = match serde_json::from_slice(response.body()) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let header_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Strip namespaces (`aws.sso#UnauthorizedException`) and the header's `:http://...` suffix.
    let bare = |c: String| {
        let c = c.split(':').next().unwrap_or_default();
        c.rsplit('#').next().unwrap_or_default().to_owned()
    };
    let exception = header_type
        .clone()
        .or_else(|| text("__type"))
        .map(bare)
        .unwrap_or_default();
    // OAuth errors carry `error`; other AWS errors `__type` or the header.
    let code = text("error")
        .or_else(|| text("__type"))
        .or(header_type)
        .map(bare)
        .filter(|c| !c.is_empty())
        // botocore's code for an answer that names none: the status.
        .unwrap_or_else(|| status.to_string());
    let message = text("error_description")
        .or_else(|| text("message"))
        .or_else(|| text("Message"))
        .unwrap_or_default();
    // A message is the service's prose; cap it so a hostile endpoint cannot flood the terminal.
    let message: String = message.chars().take(300).collect();
    ServiceError {
        status,
        code,
        exception,
        message,
    }
}

fn json_request(url: &str, body: &Value) -> Result<HttpRequest> {
    http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap_or_default())
        .map_err(|e| Error::invalid_config(format!("invalid endpoint URL {url}: {e}")))
}

/// `what` is `"{operation} at {endpoint}"`: messages name the call and where it went.
fn required_str(map: &Map<String, Value>, key: &str, what: &str) -> CallResult<String> {
    map.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::provider_failed(format!("{what}: the response has no string `{key}`")).into()
        })
}

fn required_int(map: &Map<String, Value>, key: &str, what: &str) -> CallResult<i64> {
    map.get(key)
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        })
        .ok_or_else(|| {
            Error::provider_failed(format!("{what}: the response has no number `{key}`")).into()
        })
}

/// A client registration (`RegisterClient`).
#[derive(Debug, Clone)]
pub struct Registration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: Secret,
    /// `clientSecretExpiresAt`, seconds since the epoch.
    pub expires_at: i64,
}

/// `RegisterClient` parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegisterParams {
    pub client_name: String,
    pub scopes: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub issuer_url: Option<String>,
}

pub(crate) async fn register_client(
    client: Client<'_>,
    oidc: &str,
    p: &RegisterParams,
) -> CallResult<Registration> {
    const OP: &str = "RegisterClient";
    let mut body = Map::new();
    body.insert("clientName".into(), p.client_name.clone().into());
    body.insert("clientType".into(), "public".into());
    let list = |v: &Vec<String>| Value::Array(v.iter().cloned().map(Value::String).collect());
    if let Some(s) = &p.scopes {
        body.insert("scopes".into(), list(s));
    }
    if let Some(g) = &p.grant_types {
        body.insert("grantTypes".into(), list(g));
    }
    if let Some(r) = &p.redirect_uris {
        body.insert("redirectUris".into(), list(r));
    }
    if let Some(i) = &p.issuer_url {
        body.insert("issuerUrl".into(), i.clone().into());
    }
    let req = json_request(&format!("{oidc}/client/register"), &Value::Object(body))?;
    let what = format!("{OP} at {}", endpoint_of(req.uri()));
    let map = call(client, req, OP).await?;
    Ok(Registration {
        client_id: required_str(&map, "clientId", &what)?,
        client_secret: Secret::new(required_str(&map, "clientSecret", &what)?),
        expires_at: required_int(&map, "clientSecretExpiresAt", &what)?,
    })
}

/// `StartDeviceAuthorization`'s answer.
#[derive(Debug, Clone)]
pub(crate) struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: i64,
    pub interval: Option<i64>,
}

pub(crate) async fn start_device_authorization(
    client: Client<'_>,
    oidc: &str,
    registration: &Registration,
    start_url: &str,
) -> CallResult<DeviceAuthorization> {
    const OP: &str = "StartDeviceAuthorization";
    let body = serde_json::json!({
        "clientId": registration.client_id,
        "clientSecret": registration.client_secret.expose(),
        "startUrl": start_url,
    });
    let req = json_request(&format!("{oidc}/device_authorization"), &body)?;
    let what = format!("{OP} at {}", endpoint_of(req.uri()));
    let map = call(client, req, OP).await?;
    Ok(DeviceAuthorization {
        device_code: Secret::new(required_str(&map, "deviceCode", &what)?),
        user_code: required_str(&map, "userCode", &what)?,
        verification_uri: required_str(&map, "verificationUri", &what)?,
        verification_uri_complete: required_str(&map, "verificationUriComplete", &what)?,
        expires_in: required_int(&map, "expiresIn", &what)?,
        interval: map.get("interval").and_then(Value::as_i64),
    })
}

/// The grant a `CreateToken` call presents.
#[derive(Debug)]
pub(crate) enum Grant<'a> {
    DeviceCode(&'a Secret),
    AuthorizationCode {
        code: &'a Secret,
        redirect_uri: &'a str,
        code_verifier: &'a Secret,
    },
    RefreshToken(&'a Secret),
}

/// `CreateToken`'s answer.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// `accessToken`.
    pub access_token: Secret,
    /// `expiresIn`, seconds.
    pub expires_in: i64,
    /// `refreshToken`, when issued.
    pub refresh_token: Option<Secret>,
}

pub(crate) async fn create_token(
    client: Client<'_>,
    oidc: &str,
    client_id: &str,
    client_secret: &Secret,
    grant: Grant<'_>,
) -> CallResult<NewToken> {
    const OP: &str = "CreateToken";
    let mut body = Map::new();
    body.insert("clientId".into(), client_id.into());
    body.insert("clientSecret".into(), client_secret.expose().into());
    match grant {
        Grant::DeviceCode(code) => {
            body.insert(
                "grantType".into(),
                "urn:ietf:params:oauth:grant-type:device_code".into(),
            );
            body.insert("deviceCode".into(), code.expose().into());
        }
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            body.insert("grantType".into(), "authorization_code".into());
            body.insert("code".into(), code.expose().into());
            body.insert("redirectUri".into(), redirect_uri.into());
            body.insert("codeVerifier".into(), code_verifier.expose().into());
        }
        Grant::RefreshToken(token) => {
            body.insert("grantType".into(), "refresh_token".into());
            body.insert("refreshToken".into(), token.expose().into());
        }
    }
    let req = json_request(&format!("{oidc}/token"), &Value::Object(body))?;
    let what = format!("{OP} at {}", endpoint_of(req.uri()));
    let map = call(client, req, OP).await?;
    Ok(NewToken {
        access_token: Secret::new(required_str(&map, "accessToken", &what)?),
        expires_in: required_int(&map, "expiresIn", &what)?,
        refresh_token: map
            .get("refreshToken")
            .and_then(Value::as_str)
            .map(Secret::from),
    })
}

/// `GetRoleCredentials`' answer.
#[derive(Debug, Clone)]
pub(crate) struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// Milliseconds since the epoch.
    pub expiration_ms: i64,
}

pub(crate) async fn get_role_credentials(
    client: Client<'_>,
    portal: &str,
    role_name: &str,
    account_id: &str,
    token: &Secret,
) -> CallResult<RoleCredentials> {
    const OP: &str = "GetRoleCredentials";
    // Query order as botocore serializes it (the shape's member order).
    let url = format!(
        "{portal}/federation/credentials?role_name={}&account_id={}",
        percent_encode(role_name),
        percent_encode(account_id)
    );
    let req = http::Request::builder()
        .method("GET")
        .uri(&url)
        .header("x-amz-sso_bearer_token", token.expose())
        .body(Vec::new())
        .map_err(|e| {
            Error::invalid_config(format!(
                "invalid portal endpoint {portal}, or an SSO access token that cannot be sent in \
                 a header: {e}"
            ))
        })?;
    let what = format!("{OP} at {}", endpoint_of(req.uri()));
    let map = call(client, req, OP).await?;
    let creds = match map.get("roleCredentials") {
        Some(Value::Object(c)) => c,
        _ => {
            return Err(Error::provider_failed(format!(
                "{what}: the response has no `roleCredentials` object"
            ))
            .into());
        }
    };
    Ok(RoleCredentials {
        access_key_id: required_str(creds, "accessKeyId", &what)?,
        secret_access_key: Secret::new(required_str(creds, "secretAccessKey", &what)?),
        session_token: Secret::new(required_str(creds, "sessionToken", &what)?),
        expiration_ms: required_int(creds, "expiration", &what)?,
    })
}

pub(crate) async fn logout(client: Client<'_>, portal: &str, token: &Secret) -> CallResult<()> {
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("{portal}/logout"))
        .header("x-amz-sso_bearer_token", token.expose())
        .body(Vec::new())
        .map_err(|e| {
            Error::invalid_config(format!(
                "invalid portal endpoint {portal}, or an SSO access token that cannot be sent in \
                 a header: {e}"
            ))
        })?;
    call(client, req, "Logout").await.map(|_| ())
}

/// How long one polling step or retry waits: `seconds` of the service's clock, scaled for tests.
pub(crate) fn scaled(seconds: i64, unit: Duration) -> Duration {
    unit.saturating_mul(u32::try_from(seconds.max(0)).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::http::HttpError;
    use awscred_core::provider::BoxFuture;
    use std::sync::Mutex;

    /// Answers from a script, the last one forever; counts requests.
    #[derive(Debug)]
    struct Scripted(Mutex<(Vec<(u16, &'static str)>, usize)>);

    impl Scripted {
        fn new(answers: &[(u16, &'static str)]) -> Self {
            Scripted(Mutex::new((answers.to_vec(), 0)))
        }
        fn requests(&self) -> usize {
            self.0.lock().unwrap().1
        }
    }

    impl HttpClient for Scripted {
        fn send(
            &self,
            _: HttpRequest,
            _: Timeouts,
        ) -> BoxFuture<'_, std::result::Result<HttpResponse, HttpError>> {
            let mut state = self.0.lock().unwrap();
            let (status, body) = state.0[state.1.min(state.0.len() - 1)];
            state.1 += 1;
            let response = http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec())
                .unwrap();
            Box::pin(async move { Ok(response) })
        }
    }

    fn client(http: &Scripted) -> Client<'_> {
        Client {
            http,
            retry: RetryConfig::new(3, Duration::from_millis(1), Duration::from_millis(5)),
        }
    }

    async fn device_poll(http: &Scripted) -> CallResult<NewToken> {
        create_token(
            client(http),
            "http://127.0.0.1:9",
            "cid",
            &Secret::new("cs"),
            Grant::DeviceCode(&Secret::new("dc")),
        )
        .await
    }

    #[tokio::test]
    async fn oauth_polling_answers_are_returned_at_once_whatever_their_status() {
        for (status, body) in [
            (400, r#"{"error":"authorization_pending"}"#),
            (400, r#"{"error":"slow_down"}"#),
            (429, r#"{"error":"slow_down"}"#),
            (503, r#"{"__type":"com.amazonaws#SlowDownException"}"#),
            (500, r#"{"error":"authorization_pending"}"#),
        ] {
            let http = Scripted::new(&[(status, body)]);
            let Err(CallError::Service(e)) = device_poll(&http).await else {
                panic!("{status} {body}: a service error");
            };
            assert!(e.is("slow_down") || e.is("authorization_pending"), "{e:?}");
            assert_eq!(http.requests(), 1, "{status} {body}");
        }
        let ok = r#"{"accessToken":"a","expiresIn":60}"#;
        let http = Scripted::new(&[
            (500, "{}"),
            (429, r#"{"__type":"TooManyRequestsException"}"#),
            (200, ok),
        ]);
        assert!(device_poll(&http).await.is_ok());
        assert_eq!(http.requests(), 3);
    }

    #[tokio::test]
    async fn logout_is_retried() {
        let http = Scripted::new(&[(503, ""), (200, "{}")]);
        logout(client(&http), "http://127.0.0.1:9", &Secret::new("t"))
            .await
            .unwrap();
        assert_eq!(http.requests(), 2);
        let http = Scripted::new(&[(504, "")]);
        let Err(CallError::Service(e)) =
            logout(client(&http), "http://127.0.0.1:9", &Secret::new("t")).await
        else {
            panic!("a service error");
        };
        assert_eq!((e.status, http.requests()), (504, 3));
    }
}
