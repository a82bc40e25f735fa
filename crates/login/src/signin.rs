//! The pieces of the sign-in service's OAuth client that the `aws login` flow shares with the
//! session refresh ([`crate::LoginSessionProvider`]):
//! the DPoP key, PKCE, and `CreateOAuth2Token` with a fresh DPoP proof on every attempt.

use awscred_core::http::HttpClient;
use awscred_core::retry::RetryConfig;
use awscred_core::{Error, Result, Secret};
use serde_json::{Map, Value};

pub use crate::dpop::DpopKey;
pub use awscred_sso::ServiceError;
pub use awscred_sso::internal::wait_for_redirect;
use awscred_sso::internal::{self, CallError, Client};
pub use awscred_sso::open_browser;

/// The operation's name in messages.
pub const CREATE_OAUTH2_TOKEN: &str = "CreateOAuth2Token";

/// A PKCE verifier and challenge (S256) and an OAuth `state`, made as the CLI makes them: 64
/// characters from letters, digits and `-._~`; the challenge base64url of its SHA-256, without
/// padding; the state a random UUID.
#[derive(Debug)]
#[non_exhaustive]
pub struct Pkce {
    /// The verifier, sent with the code exchange.
    pub verifier: Secret,
    /// The challenge, sent in the authorization URL.
    pub challenge: String,
    /// The `state` the redirect must bring back.
    pub state: String,
}

impl Pkce {
    /// New random values from the system's generator.
    pub fn new() -> Result<Pkce> {
        let verifier = Secret::new(internal::code_verifier()?);
        let challenge = internal::base64url(&internal::sha256(verifier.expose().as_bytes()));
        Ok(Pkce {
            verifier,
            challenge,
            state: internal::uuid4()?,
        })
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters, as botocore's `percent_encode`.
pub fn percent_encode(value: &str) -> String {
    awscred_core::http::percent_encode(value)
}

/// Decodes base64 as Python's `b64decode` (`url_safe`: `urlsafe_b64decode`, `-` and `_` for
/// `+` and `/`); missing padding is restored first, as botocore does for JWT parts.
pub fn base64_decode(text: &str, url_safe: bool) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let mut text = zeroize::Zeroizing::new(if url_safe {
        text.replace('-', "+").replace('_', "/")
    } else {
        text.to_owned()
    });
    while url_safe && text.len() % 4 != 0 {
        text.push('=');
    }
    internal::base64_decode(&text)
}

/// Why a `CreateOAuth2Token` call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenCallError {
    /// The service refused it (`AccessDeniedException` with an `error` code such as
    /// `AUTHCODE_EXPIRED`, `TOKEN_EXPIRED`...).
    Service(ServiceError),
    /// Anything else, phrased for the user.
    Other(Error),
}

impl TokenCallError {
    /// As botocore words it, naming the endpoint `url`.
    pub fn into_error(self, url: &str) -> Error {
        CallError::from(self).into_error(CREATE_OAUTH2_TOKEN, url)
    }
}

impl From<CallError> for TokenCallError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Service(s) => TokenCallError::Service(s),
            CallError::Other(e) => TokenCallError::Other(e),
        }
    }
}

impl From<TokenCallError> for CallError {
    fn from(e: TokenCallError) -> Self {
        match e {
            TokenCallError::Service(s) => CallError::Service(s),
            TokenCallError::Other(e) => CallError::Other(e),
        }
    }
}

/// `POST {url}` (the service's `/v1/token`) with the JSON `body` (the operation's `tokenInput`)
/// and a DPoP proof by `key` made afresh for each attempt at `now()` (Unix seconds); retried as
/// the CLI's standard mode. Returns the answer (the `tokenOutput`).
pub async fn create_oauth2_token(
    http: &dyn HttpClient,
    retry: RetryConfig,
    url: &str,
    body: &[u8],
    key: &DpopKey,
    now: &(dyn Fn() -> u64 + Sync),
) -> std::result::Result<Map<String, Value>, TokenCallError> {
    let make = || {
        let proof = key.proof(url, now()).map_err(Error::provider_failed)?;
        http::Request::builder()
            .method("POST")
            .uri(url)
            .header("content-type", "application/json")
            .header("dpop", proof)
            .body(body.to_vec())
            .map_err(|e| Error::invalid_config(format!("invalid endpoint URL {url}: {e}")))
    };
    internal::call_with(Client { http, retry }, CREATE_OAUTH2_TOKEN, &make)
        .await
        .map_err(TokenCallError::from)
}
