//! The STS client: form-encoded query requests, SigV4, retries, XML responses.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use awscred_core::clock::{Clock, SystemClock};
use awscred_core::http::{HttpClient, HttpRequest, HttpResponse, Method, Timeouts, header};
use awscred_core::retry::{self, Attempt, RetryConfig};
use awscred_core::{Credentials, Detail, Error, ErrorKind, Secret};

use crate::endpoint::StsEndpoint;
use crate::validate::Check;
use crate::xml::{self, CallerIdentity, StsCredentials};

/// An error STS answered with: its `Code` and `Message`, shown verbatim. Attached as the
/// [`source`](std::error::Error::source) of the [`Error`] an operation returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StsServiceError {
    /// The operation (`AssumeRole`).
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// `Error/Code`.
    pub code: String,
    /// `Error/Message`.
    pub message: String,
}

impl fmt::Display for StsServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The CLI's wording, so messages read the same in both tools.
        write!(
            f,
            "An error occurred ({}) when calling the {} operation: {}",
            self.code, self.operation, self.message
        )
    }
}

impl std::error::Error for StsServiceError {}

/// The parameters of `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AssumeRoleRequest {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `SerialNumber` (the MFA device).
    pub serial_number: Option<String>,
    /// `TokenCode` (the MFA code).
    pub token_code: Option<Secret>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
}

/// The parameters of `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WebIdentityRequest {
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName`.
    pub role_session_name: String,
    /// `WebIdentityToken`.
    pub web_identity_token: Secret,
}

/// The parameters of `GetSessionToken`: a session for an IAM user's long-term keys, with an MFA
/// code when the user's policies ask for one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SessionTokenRequest {
    /// `DurationSeconds` (900 to 129600; STS's default is 43200).
    pub duration_seconds: Option<u32>,
    /// `SerialNumber` (the MFA device).
    pub serial_number: Option<String>,
    /// `TokenCode` (the MFA code).
    pub token_code: Option<Secret>,
}

/// The parameters of `GetFederationToken`: a federated user's session for an IAM user's
/// long-term keys, limited by `policy` (what the console sign-in uses).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FederationTokenRequest {
    /// `Name` (2 to 32 characters of `[\w+=,.@-]`).
    pub name: String,
    /// `Policy`: an inline session policy (JSON).
    pub policy: Option<String>,
    /// `PolicyArns.member.N`: managed session policies.
    pub policy_arns: Vec<String>,
    /// `DurationSeconds` (900 to 129600).
    pub duration_seconds: Option<u32>,
}

impl AssumeRoleRequest {
    /// `RoleArn` and `RoleSessionName`, no other parameter.
    pub fn new(role_arn: String, role_session_name: String) -> Self {
        AssumeRoleRequest {
            role_arn,
            role_session_name,
            ..AssumeRoleRequest::default()
        }
    }
}

impl SessionTokenRequest {
    /// Sets `DurationSeconds`.
    pub fn with_duration_seconds(mut self, duration_seconds: Option<u32>) -> Self {
        self.duration_seconds = duration_seconds;
        self
    }

    /// Sets the MFA device (`SerialNumber`) and its code (`TokenCode`).
    pub fn with_mfa(mut self, serial_number: String, token_code: Secret) -> Self {
        self.serial_number = Some(serial_number);
        self.token_code = Some(token_code);
        self
    }
}

impl FederationTokenRequest {
    /// `Name`, no other parameter.
    pub fn new(name: String) -> Self {
        FederationTokenRequest {
            name,
            ..FederationTokenRequest::default()
        }
    }

    /// Sets `Policy`.
    pub fn with_policy(mut self, policy: Option<String>) -> Self {
        self.policy = policy;
        self
    }

    /// Sets `DurationSeconds`.
    pub fn with_duration_seconds(mut self, duration_seconds: Option<u32>) -> Self {
        self.duration_seconds = duration_seconds;
        self
    }
}

/// An STS client bound to one endpoint.
#[derive(Debug, Clone)]
pub struct StsClient {
    http: Arc<dyn HttpClient>,
    endpoint: StsEndpoint,
    timeouts: Timeouts,
    retry: RetryConfig,
    clock: Arc<dyn Clock>,
}

impl StsClient {
    /// A client sending through `http` to `endpoint`, with the CLI's timeouts and retries.
    pub fn new(http: Arc<dyn HttpClient>, endpoint: StsEndpoint) -> Self {
        StsClient {
            http,
            endpoint,
            timeouts: Timeouts::default(),
            retry: RetryConfig::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same client with other per-attempt timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The same client signing with another clock's time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &StsEndpoint {
        &self.endpoint
    }

    /// The retry policy the client calls with.
    pub fn retry(&self) -> RetryConfig {
        self.retry
    }

    /// `AssumeRole`, signed with `source`.
    pub async fn assume_role(
        &self,
        source: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<StsCredentials, Error> {
        Check::default()
            .min_length("RoleArn", &request.role_arn, 20)
            .min_length("RoleSessionName", &request.role_session_name, 2)
            .opt_min_length("ExternalId", request.external_id.as_deref(), 2)
            .opt_min_length("SerialNumber", request.serial_number.as_deref(), 9)
            .opt_min_length(
                "TokenCode",
                request.token_code.as_ref().map(Secret::expose),
                6,
            )
            .opt_min_value("DurationSeconds", request.duration_seconds, 900)
            .finish("AssumeRole")?;
        let mut form = Form::new("AssumeRole");
        form.push("RoleArn", &request.role_arn);
        form.push("RoleSessionName", &request.role_session_name);
        if let Some(v) = &request.external_id {
            form.push("ExternalId", v);
        }
        if let Some(v) = &request.serial_number {
            form.push("SerialNumber", v);
        }
        if let Some(v) = &request.token_code {
            form.push("TokenCode", v.expose());
        }
        if let Some(v) = request.duration_seconds {
            form.push("DurationSeconds", &v.to_string());
        }
        let body = self.call("AssumeRole", form, Some(source)).await?;
        xml::parse_credentials(&body).map_err(|e| self.bad_response("AssumeRole", e))
    }

    /// `AssumeRoleWithWebIdentity`, unsigned.
    pub async fn assume_role_with_web_identity(
        &self,
        request: &WebIdentityRequest,
    ) -> Result<StsCredentials, Error> {
        Check::default()
            .min_length("RoleArn", &request.role_arn, 20)
            .min_length("RoleSessionName", &request.role_session_name, 2)
            .min_length("WebIdentityToken", request.web_identity_token.expose(), 4)
            .finish("AssumeRoleWithWebIdentity")?;
        let mut form = Form::new("AssumeRoleWithWebIdentity");
        form.push("RoleArn", &request.role_arn);
        form.push("RoleSessionName", &request.role_session_name);
        form.push("WebIdentityToken", request.web_identity_token.expose());
        let body = self.call("AssumeRoleWithWebIdentity", form, None).await?;
        xml::parse_credentials(&body).map_err(|e| self.bad_response("AssumeRoleWithWebIdentity", e))
    }

    /// `GetSessionToken`, signed with the long-term keys `source`.
    pub async fn get_session_token(
        &self,
        source: &Credentials,
        request: &SessionTokenRequest,
    ) -> Result<StsCredentials, Error> {
        Check::default()
            .opt_min_value("DurationSeconds", request.duration_seconds, 900)
            .opt_min_length("SerialNumber", request.serial_number.as_deref(), 9)
            .opt_min_length(
                "TokenCode",
                request.token_code.as_ref().map(Secret::expose),
                6,
            )
            .finish("GetSessionToken")?;
        let mut form = Form::new("GetSessionToken");
        if let Some(v) = request.duration_seconds {
            form.push("DurationSeconds", &v.to_string());
        }
        if let Some(v) = &request.serial_number {
            form.push("SerialNumber", v);
        }
        if let Some(v) = &request.token_code {
            form.push("TokenCode", v.expose());
        }
        let body = self.call("GetSessionToken", form, Some(source)).await?;
        xml::parse_credentials(&body).map_err(|e| self.bad_response("GetSessionToken", e))
    }

    /// `GetFederationToken`, signed with the long-term keys `source`.
    pub async fn get_federation_token(
        &self,
        source: &Credentials,
        request: &FederationTokenRequest,
    ) -> Result<StsCredentials, Error> {
        let mut check = Check::default();
        check.min_length("Name", &request.name, 2).opt_min_length(
            "Policy",
            request.policy.as_deref(),
            1,
        );
        for (i, arn) in request.policy_arns.iter().enumerate() {
            check.min_length(&format!("PolicyArns[{i}].arn"), arn, 20);
        }
        check
            .opt_min_value("DurationSeconds", request.duration_seconds, 900)
            .finish("GetFederationToken")?;
        let mut form = Form::new("GetFederationToken");
        form.push("Name", &request.name);
        if let Some(v) = &request.policy {
            form.push("Policy", v);
        }
        for (i, arn) in request.policy_arns.iter().enumerate() {
            form.push(&format!("PolicyArns.member.{}.arn", i + 1), arn);
        }
        if let Some(v) = request.duration_seconds {
            form.push("DurationSeconds", &v.to_string());
        }
        let body = self.call("GetFederationToken", form, Some(source)).await?;
        xml::parse_credentials(&body).map_err(|e| self.bad_response("GetFederationToken", e))
    }

    /// `GetCallerIdentity`, signed with `credentials`.
    pub async fn get_caller_identity(
        &self,
        credentials: &Credentials,
    ) -> Result<CallerIdentity, Error> {
        let form = Form::new("GetCallerIdentity");
        let body = self
            .call("GetCallerIdentity", form, Some(credentials))
            .await?;
        xml::parse_caller_identity(&body).map_err(|e| self.bad_response("GetCallerIdentity", e))
    }

    fn bad_response(&self, operation: &str, problem: xml::XmlError) -> Error {
        Error::provider_failed(format!(
            "{operation}: unexpected response from {}: {problem}",
            self.endpoint.url
        ))
    }

    /// Sends the request with retries; the body of a 2xx response, or the error.
    async fn call(
        &self,
        operation: &'static str,
        form: Form,
        signer: Option<&Credentials>,
    ) -> Result<Vec<u8>, Error> {
        let body = form.finish();
        retry::run(self.retry, operation, || async {
            let request = match self.build(&body, signer) {
                Ok(request) => request,
                Err(e) => return Attempt::Done(Err(e)),
            };
            match self.http.send(request, self.timeouts).await {
                Ok(response) if response.status().is_success() => {
                    Attempt::Done(Ok(response.into_body()))
                }
                Ok(response) => {
                    let error = self.service_error(operation, &response);
                    if is_retryable_response(&response) {
                        Attempt::Retry(error)
                    } else {
                        Attempt::Done(Err(error))
                    }
                }
                Err(e) => {
                    let retryable = retry::is_retryable_transport(&e);
                    let message =
                        format!("{operation}: no response from STS ({})", self.endpoint.url);
                    let error = Error::new(ErrorKind::Network, message)
                        .with_detail(e.detail())
                        .with_source(e);
                    if retryable {
                        Attempt::Retry(error)
                    } else {
                        Attempt::Done(Err(error))
                    }
                }
            }
        })
        .await
    }

    fn service_error(&self, operation: &'static str, response: &HttpResponse) -> Error {
        let status = response.status().as_u16();
        match xml::parse_error(response.body()) {
            Some((code, message)) => {
                Error::provider_failed(format!("{operation} failed at {}", self.endpoint.url))
                    .with_detail(Detail::Service {
                        code: code.clone(),
                        operation: operation.to_owned(),
                        status,
                    })
                    .with_source(StsServiceError {
                        operation,
                        status,
                        code,
                        message,
                    })
                    .refused_by_service()
            }
            None => {
                let content_type = response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none");
                let error = Error::provider_failed(format!(
                    "{operation}: {} answered HTTP {status} (content-type {content_type}) without an STS error document",
                    self.endpoint.url
                ));
                // botocore makes a `ClientError` (its code the status) only of a 5xx without a
                // document; any other answer it cannot parse is a parse error, not a refusal.
                if status >= 500 {
                    error.refused_by_service()
                } else {
                    error
                }
            }
        }
    }

    fn build(&self, body: &[u8], signer: Option<&Credentials>) -> Result<HttpRequest, Error> {
        let url = if self.endpoint.url.ends_with('/') {
            self.endpoint.url.clone()
        } else {
            format!("{}/", self.endpoint.url)
        };
        let invalid = |what: String| Error::invalid_config(format!("STS endpoint {url}: {what}"));
        let uri: ::http::Uri = url
            .parse()
            .map_err(|e| invalid(format!("not a URL: {e}")))?;
        if uri.host().is_none() || !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(invalid("not an http(s) URL".into()));
        }
        let mut request = ::http::Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(
                header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(
                header::USER_AGENT,
                concat!("awscred/", env!("CARGO_PKG_VERSION")),
            )
            .body(body.to_vec())
            .map_err(|e| invalid(e.to_string()))?;
        if let Some(credentials) = signer {
            sign(
                &mut request,
                credentials,
                &self.endpoint.signing_region,
                self.clock.now(),
            )?;
        }
        Ok(request)
    }
}

fn sign(
    request: &mut HttpRequest,
    credentials: &Credentials,
    region: &str,
    now: SystemTime,
) -> Result<(), Error> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;

    let identity = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key().expose(),
        credentials.session_token().map(|t| t.expose().to_owned()),
        None,
        "awscred",
    )
    .into();
    let failed = |e: &dyn fmt::Display| {
        Error::provider_failed(format!("signing the STS request failed: {e}"))
    };
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| failed(&e))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// `IDPCommunicationError`: the identity provider could not be reached by STS. Retried on top of
/// the standard mode's codes, as botocore's `RetryIDPCommunicationError` does for web identity.
const IDP_COMMUNICATION_ERROR: &str = "IDPCommunicationError";

fn is_retryable_response(response: &HttpResponse) -> bool {
    if retry::is_retryable_status(response.status().as_u16()) {
        return true;
    }
    xml::parse_error(response.body())
        .is_some_and(|(code, _)| retry::is_retryable_code(&code) || code == IDP_COMMUNICATION_ERROR)
}

/// An `application/x-www-form-urlencoded` query-protocol body.
struct Form(String);

impl Form {
    fn new(action: &str) -> Self {
        Form(format!("Action={action}&Version=2011-06-15"))
    }

    fn push(&mut self, key: &str, value: &str) {
        self.0.push('&');
        self.0.push_str(key);
        self.0.push('=');
        awscred_core::http::percent_encode_into(value, &mut self.0);
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_botocore() {
        let mut form = Form::new("AssumeRole");
        form.push("RoleArn", "arn:aws:iam::123456789:role/integration-test");
        form.push("RoleSessionName", "a b+c/é");
        assert_eq!(
            String::from_utf8(form.finish()).unwrap(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789%3Arole%2Fintegration-test\
             &RoleSessionName=a%20b%2Bc%2F%C3%A9"
        );
    }

    #[test]
    fn service_error_displays_like_the_cli() {
        let e = StsServiceError {
            operation: "AssumeRole",
            status: 403,
            code: "AccessDenied".into(),
            message: "no".into(),
        };
        assert_eq!(
            e.to_string(),
            "An error occurred (AccessDenied) when calling the AssumeRole operation: no"
        );
    }
}
