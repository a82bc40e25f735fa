//! The sign-in half of `aws login` for [`super::SigninFake`]: `GET /v1/authorize` (the browser's
//! first stop: the user is taken as signed in and approves at once), the cross-device
//! confirmation page `GET /v1/sessions/confirmation` that shows the code to paste back, and
//! `CreateOAuth2Token` with the `authorization_code` grant, which checks the PKCE verifier, the
//! client and redirect URI the code was issued for, and binds the refresh token it issues to the
//! DPoP key that proved the call.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::fake_http::{Reply, SeenRequest};
use crate::sso_fake::{encode, http_get, parse_query};

/// The two public clients of `aws login`.
pub(super) const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
pub(super) const CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";

/// An issued, not yet redeemed authorization code.
#[derive(Debug, Clone)]
pub(super) struct PendingCode {
    client_id: String,
    challenge: String,
    redirect_uri: String,
}

/// The authorization side's state.
#[derive(Debug, Default)]
pub(super) struct Authorizations {
    pub codes: HashMap<String, PendingCode>,
    pub issued_codes: u64,
}

fn bad_request(message: &str) -> Reply {
    Reply::status(400, format!("<html><body>{message}</body></html>"))
        .with_header("content-type", "text/html")
}

/// `GET /v1/authorize` and `GET /v1/sessions/confirmation`; `base` is the fake's URL.
pub(super) fn handle_get(auth: &mut Authorizations, request: &SeenRequest, base: &str) -> Reply {
    let query = request.target.split_once('?').map_or("", |(_, q)| q);
    let params = parse_query(query);
    let param = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    match request.path() {
        "/v1/authorize" => {
            let client = param("client_id");
            let redirect = param("redirect_uri");
            let confirmation = format!("{base}/v1/sessions/confirmation");
            let redirect_ok = match client.as_str() {
                SAME_DEVICE => {
                    redirect.starts_with("http://127.0.0.1:")
                        && redirect.ends_with("/oauth/callback")
                }
                CROSS_DEVICE => redirect == confirmation,
                _ => return bad_request("unknown client_id"),
            };
            if param("response_type") != "code"
                || param("code_challenge_method") != "SHA-256"
                || param("scope") != "openid"
                || param("state").is_empty()
                || param("code_challenge").len() != 43
                || !redirect_ok
            {
                return bad_request("invalid authorization request");
            }
            auth.issued_codes += 1;
            let code = format!("signin-auth-code-{}", auth.issued_codes);
            auth.codes.insert(
                code.clone(),
                PendingCode {
                    client_id: client,
                    challenge: param("code_challenge"),
                    redirect_uri: redirect.clone(),
                },
            );
            Reply::status(302, "").with_header(
                "location",
                &format!(
                    "{redirect}?code={}&state={}",
                    encode(&code),
                    encode(&param("state"))
                ),
            )
        }
        "/v1/sessions/confirmation" => {
            let shown = STANDARD.encode(format!(
                "state={}&code={}",
                encode(&param("state")),
                encode(&param("code"))
            ));
            Reply::ok(format!(
                "<html><body><p>Enter this code in the AWS CLI:</p>\
                 <code id=\"verification-code\">{shown}</code></body></html>"
            ))
            .with_header("content-type", "text/html")
        }
        _ => Reply::status(404, "{}"),
    }
}

/// Plays a person at the browser: opens `authorize_url` (the service approves at once) and
/// follows the redirect, to the CLI's loopback listener or the confirmation page. Returns the
/// last status and page.
pub fn browser_sign_in(authorize_url: &str) -> (u16, String) {
    let (status, headers, _) = http_get(authorize_url);
    assert_eq!(status, 302, "the authorize endpoint redirects");
    let location = headers.get("location").expect("a Location header").clone();
    let (status, _, page) = http_get(&location);
    (status, page)
}

/// The verification code on a confirmation page (what a person copies).
pub fn verification_code(page: &str) -> Option<String> {
    let start = page.find("<code id=\"verification-code\">")? + 29;
    let end = start + page[start..].find("</code>")?;
    Some(page[start..end].to_owned())
}

/// Checks an `authorization_code` token input; `Ok(client_id)` when it redeems a pending code.
pub(super) fn redeem(auth: &mut Authorizations, body: &Value) -> Result<String, &'static str> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    let pending = auth.codes.remove(text("code")).ok_or("AUTHCODE_EXPIRED")?;
    let digest = ring::digest::digest(&ring::digest::SHA256, text("codeVerifier").as_bytes());
    if URL_SAFE_NO_PAD.encode(digest.as_ref()) != pending.challenge
        || text("clientId") != pending.client_id
        || text("redirectUri") != pending.redirect_uri
    {
        return Err("INVALID_REQUEST");
    }
    Ok(pending.client_id)
}

/// An ID token as the service's: a JWT whose payload names the session in `sub`. The fake's
/// signature is not checked by the CLI (it only reads `sub`).
pub(super) fn id_token(session_arn: &str, n: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES384","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(
        json!({"sub": session_arn, "iss": "https://signin.aws.amazon.com", "jti": format!("id-{n}")})
            .to_string(),
    );
    format!(
        "{header}.{payload}.{}",
        URL_SAFE_NO_PAD.encode(format!("sig-{n}"))
    )
}
