//! The sign-in: the CLI's `SameDeviceLoginTokenFetcher` (PKCE, a loopback redirect) and
//! `CrossDeviceLoginTokenFetcher` (`--remote`: the code pasted back), then the code exchange,
//! `CreateOAuth2Token` with the `authorization_code` grant and a DPoP proof by a new key.

use std::io::{BufRead, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::signin::{
    self, DpopKey, Pkce, TokenCallError, base64_decode, open_browser, percent_encode,
    wait_for_redirect,
};
use awscred_core::http::HttpClient;
use awscred_core::retry::RetryConfig;
use awscred_core::{Error, ErrorKind, Result, Secret, timestamp};
use awscred_profile::ProfileContext;
use awscred_sso::endpoint;
use serde_json::{Map, Value};

use crate::token_file::SignedIn;

/// The public OAuth clients of `aws login`.
const SAME_DEVICE_CLIENT: &str = "arn:aws:signin:::devtools/same-device";
const CROSS_DEVICE_CLIENT: &str = "arn:aws:signin:::devtools/cross-device";

/// How to sign in.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// `--remote`: print the URL and read the code the sign-in page shows, instead of the
    /// loopback redirect (for SSH sessions and machines without a browser).
    pub remote: bool,
    /// How long the loopback listener waits for the browser (the CLI: 10 minutes).
    pub callback_timeout: Duration,
    /// How `CreateOAuth2Token` is retried (the CLI's standard mode by default).
    pub retry: RetryConfig,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            remote: false,
            callback_timeout: Duration::from_secs(600),
            retry: RetryConfig::default(),
        }
    }
}

fn io_error(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("could not use the terminal: {e}"))
}

/// botocore's `LoginAuthorizationCodeError`.
fn code_error(what: &str) -> Error {
    Error::provider_failed(format!(
        "Error loading or redeeming a login authorization code: {what} "
    ))
}

/// Signs in through the sign-in service of `region` (or its configured endpoint,
/// `AWS_ENDPOINT_URL_SIGNIN`...): prints what the CLI prints, opens the browser (the same-device
/// flow) or reads the code from `input` (`remote`), and redeems the code. Nothing is written:
/// see [`SignedIn::save`].
pub async fn sign_in(
    ctx: &ProfileContext,
    http: Arc<dyn HttpClient>,
    region: &str,
    options: &LoginOptions,
    input: &mut dyn BufRead,
    out: &mut (dyn Write + Send),
) -> Result<SignedIn> {
    let base = endpoint::resolve_signin(ctx, region).map_err(Error::invalid_config)?;
    let pkce = Pkce::new()?;
    let key = DpopKey::generate().map_err(Error::provider_failed)?;
    let (client_id, redirect_uri, code) =
        if options.remote {
            let redirect_uri = format!("{base}/v1/sessions/confirmation");
            let url = authorization_url(&base, CROSS_DEVICE_CLIENT, &pkce, &redirect_uri);
            write!(
            out,
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}\n"
        )
        .and_then(|()| write!(out, "\nEnter the authorization code displayed in your browser: "))
        .and_then(|()| out.flush())
        .map_err(io_error)?;
            let mut line = String::new();
            input
                .take(64 * 1024)
                .read_line(&mut line)
                .map_err(io_error)?;
            let code = pasted_code(line.trim(), &pkce.state)?;
            (CROSS_DEVICE_CLIENT, redirect_uri, code)
        } else {
            // Loopback only, as `sso login`'s listener.
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Io,
                        format!("could not start the local listener for the sign-in redirect: {e}"),
                    )
                })?;
            let port = listener.local_addr().map_err(io_error)?.port();
            let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
            let url = authorization_url(&base, SAME_DEVICE_CLIENT, &pkce, &redirect_uri);
            write!(
                out,
                "Attempting to open your default browser. If the browser does not open, open the \
             following URL.\nIf you are unable to open the URL on this device, run this command \
             again with the '--remote' option.\n\n{url}\n\n"
            )
            .and_then(|()| out.flush())
            .map_err(io_error)?;
            open_browser(&url);
            let (code, state) = wait_for_redirect(&listener, options.callback_timeout, &pkce.state)
            .await
            .ok_or_else(|| {
                Error::provider_failed(
                    "The pending authorization to retrieve an SSO token has expired. The device \
                     authorization flow to retrieve an SSO token must be restarted.",
                )
            })?;
            let code =
                code.ok_or_else(|| code_error("Failed to retrieve an authorization code."))?;
            check_state(state.as_deref().unwrap_or_default(), &pkce.state)?;
            (SAME_DEVICE_CLIENT, redirect_uri, Secret::new(code))
        };
    let answer = exchange(
        ctx,
        &*http,
        options,
        &base,
        client_id,
        &code,
        &pkce,
        &redirect_uri,
        &key,
    )
    .await?;
    SignedIn::from_token_output(&answer, client_id, &key, ctx.env.now())
}

/// `_get_authorization_uri`: the query in the CLI's order, the challenge appended unencoded.
fn authorization_url(base: &str, client_id: &str, pkce: &Pkce, redirect_uri: &str) -> String {
    let query: Vec<String> = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("state", pkce.state.as_str()),
        ("code_challenge_method", "SHA-256"),
        ("scope", "openid"),
        ("redirect_uri", redirect_uri),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", percent_encode(v)))
    .collect();
    format!(
        "{base}/v1/authorize?{}&code_challenge={}",
        query.join("&"),
        pkce.challenge
    )
}

fn check_state(returned: &str, expected: &str) -> Result<()> {
    if returned == expected {
        Ok(())
    } else {
        Err(code_error(&format!(
            "State parameter {returned} does not match expected value {expected}."
        )))
    }
}

/// `parse_verification_code`: base64 of `state=...&code=...`, then the state checked.
fn pasted_code(pasted: &str, expected_state: &str) -> Result<Secret> {
    if pasted.is_empty() {
        return Err(code_error("Failed to retrieve an authorization code."));
    }
    let decoded = base64_decode(pasted, false)
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .ok_or_else(|| Error::provider_failed("Failed to decode the verification code."))?;
    let decoded = zeroize::Zeroizing::new(decoded);
    let mut code = None;
    let mut state = None;
    for pair in decoded.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = awscred_core::encoding::percent_decode_query(v);
        match k {
            "code" => code = Some(Secret::new(v)),
            "state" => state = Some(v),
            _ => {}
        }
    }
    let (Some(code), Some(state)) = (code, state) else {
        return Err(Error::provider_failed(
            "Failed to retrieve an auth_code or state from the verification code",
        ));
    };
    check_state(&state, expected_state)?;
    Ok(code)
}

/// `_exchange_auth_code_for_access_token`'s call, with the CLI's messages for its refusals.
#[allow(clippy::too_many_arguments)]
async fn exchange(
    ctx: &ProfileContext,
    http: &dyn HttpClient,
    options: &LoginOptions,
    base: &str,
    client_id: &str,
    code: &Secret,
    pkce: &Pkce,
    redirect_uri: &str,
    key: &DpopKey,
) -> Result<Map<String, Value>> {
    let url = format!("{base}/v1/token");
    let body = zeroize::Zeroizing::new(
        serde_json::json!({
            "clientId": client_id,
            "grantType": "authorization_code",
            "code": code.expose(),
            "codeVerifier": pkce.verifier.expose(),
            "redirectUri": redirect_uri,
        })
        .to_string(),
    );
    let now = || timestamp::to_unix(ctx.env.now()).max(0) as u64;
    let answer =
        signin::create_oauth2_token(http, options.retry, &url, body.as_bytes(), key, &now).await;
    match answer {
        Ok(map) => Ok(map),
        Err(TokenCallError::Service(e)) if e.exception == "AccessDeniedException" => {
            Err(match e.code.as_str() {
                "AUTHCODE_EXPIRED" => code_error(
                    "Unable to complete the login process due to an expired authorization \
                     code. Please reauthenticate using 'aws login'.",
                ),
                "INSUFFICIENT_PERMISSIONS" => Error::provider_failed(
                    "Unable to create or refresh login credentials due to insufficient \
                     permissions. You may be missing permission for the \
                     'signin:CreateOAuth2Token' action.",
                ),
                _ => TokenCallError::Service(e).into_error(&url),
            })
        }
        Err(e) => Err(e.into_error(&url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkce() -> Pkce {
        Pkce {
            verifier: Secret::new("v"),
            challenge: "C".repeat(43),
            state: "5f3c".into(),
        }
    }

    #[test]
    fn the_authorization_url_is_the_clis() {
        assert_eq!(
            authorization_url(
                "https://us-east-1.signin.aws.amazon.com",
                SAME_DEVICE_CLIENT,
                &pkce(),
                "http://127.0.0.1:5555/oauth/callback"
            ),
            format!(
                "https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code&\
                 client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state=5f3c&\
                 code_challenge_method=SHA-256&scope=openid&\
                 redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Foauth%2Fcallback&code_challenge={}",
                "C".repeat(43)
            )
        );
    }

    #[test]
    fn pasted_codes_as_the_cli_reads_them() {
        // base64("state=5f3c&code=abc%2Bd")
        let code = pasted_code("c3RhdGU9NWYzYyZjb2RlPWFiYyUyQmQ=", "5f3c").unwrap();
        assert_eq!(code.expose(), "abc+d");
        let err = pasted_code("c3RhdGU9NWYzYyZjb2RlPWFiYyUyQmQ=", "other").unwrap_err();
        assert!(
            err.to_string()
                .contains("State parameter 5f3c does not match expected value other."),
            "{err}"
        );
        let err = pasted_code("abc", "5f3c").unwrap_err();
        assert!(
            err.to_string()
                .contains("Failed to decode the verification code."),
            "{err}"
        );
        // base64("code=abc")
        let err = pasted_code("Y29kZT1hYmM=", "5f3c").unwrap_err();
        assert!(
            err.to_string()
                .contains("Failed to retrieve an auth_code or state"),
            "{err}"
        );
    }
}
