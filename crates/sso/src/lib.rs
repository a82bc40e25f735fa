//! IAM Identity Center (SSO) for awscred, as the AWS CLI v2 does it: the token cache
//! (`~/.aws/sso/cache`), refreshing sso-session tokens through SSO-OIDC, role credentials from
//! the access portal (shared with the CLI through `~/.aws/cli/cache`), and `sso login` /
//! `sso logout`.
//!
//! ```
//! use std::path::Path;
//! use awscred_profile::ProfileSet;
//! use awscred_sso::config::credential_config;
//!
//! let set = ProfileSet::parse(
//!     Some((Path::new("/home/u/.aws/config"), "\
//! [profile dev]
//! sso_session = dev
//! sso_account_id = 123456789012
//! sso_role_name = ReadOnly
//! [sso-session dev]
//! sso_start_url = https://d-abc123.awsapps.com/start
//! sso_region = eu-west-1
//! [profile broken]
//! sso_account_id = 123456789012
//! ")),
//!     None,
//! );
//! let dev = credential_config(&set, "dev")?;
//! assert_eq!((dev.account_id.as_str(), dev.role_name.as_str()), ("123456789012", "ReadOnly"));
//! assert_eq!(dev.session.region, "eu-west-1");
//! // The CLI's token cache file: ~/.aws/sso/cache/<SHA-1 of the session name>.json.
//! assert_eq!(awscred_sso::token_cache_key(&dev.session), "34c6fceca75e456f25e7e99531e2425c6c1de443");
//!
//! // Missing keys are all listed, in the CLI's words.
//! let err = credential_config(&set, "broken").unwrap_err();
//! assert!(err.to_string().contains("is configured to use SSO but is missing required \
//!     configuration: sso_role_name, sso_start_url, sso_region"));
//! # Ok::<(), awscred_core::Error>(())
//! ```
//!
//! Getting the role credentials (needs the network and a token from `awscred sso login`):
//!
//! ```no_run
//! # async fn demo(http: std::sync::Arc<dyn awscred_core::http::HttpClient>) -> awscred_core::Result<()> {
//! use std::sync::Arc;
//! use awscred_core::{Env, ProvideCredentials};
//! use awscred_profile::{ProfileContext, ProfileSet};
//! use awscred_sso::SsoProvider;
//!
//! let env = Env::real();
//! let ctx = ProfileContext::new(env.clone(), Arc::new(ProfileSet::load(&env)?), "dev".into()).chosen_explicitly(true);
//! // `dev` has sso_session + sso_account_id + sso_role_name (or the legacy sso_* keys).
//! let creds = SsoProvider::new(&ctx, "dev", http)?.provide_credentials().await?;
//! println!("{} (account {:?})", creds.access_key_id(), creds.account_id());
//! # Ok(()) }
//! ```
//!
//! The pieces:
//! - [`SsoProvider`]: role credentials of a profile (selected, or the base of a role chain).
//! - [`SsoTokenProvider`]: the bearer token of an `sso-session` profile, refreshed when fewer than
//!   15 minutes remain (at most one attempt a minute), written back atomically with mode 0600;
//!   of several processes refreshing at once, the one holding `<token file>.lock` calls
//!   `CreateToken` and the others use the token it writes.
//! - [`login()`] / [`logout()`]: the `awscred sso login` / `awscred sso logout` commands, printing
//!   what the CLI prints.
//! - [`config`]: the profile validation, with the CLI's messages.
//!
//! `aws login` sessions (`login_session` profiles, `~/.aws/login/cache`) are the
//! `awscred-login` crate's; here "login" is always `sso login` (`sso_login.rs`,
//! [`SsoLoginOptions`]).
//!
//! Every service call is retried as the CLI's standard retry mode does (transport failures, 5xx,
//! throttling; three attempts, backoff with full jitter): see [`awscred_core::retry`], and
//! [`SsoProvider::with_retry`], [`SsoTokenProvider::with_retry`] and [`SsoLoginOptions::retry`] for
//! another policy.
//!
//! Dependencies, each already in the product's graph: `serde_json` reads the services' JSON and
//! the CLI's cache files (its error positions name a line and column without quoting secrets);
//! `ring` (pulled by rustls) gives SHA-1 for the CLI's cache file names, SHA-256 for PKCE and the
//! system random generator for the PKCE verifier and OAuth `state`; `serde_core` (already under
//! `serde_json`) reads a token file keeping its key order, so a rewrite changes only what a
//! refresh changed; `tokio` (already used by the
//! HTTP client) runs the loopback redirect listener and the polling timers. Base64,
//! percent-encoding and Python-compatible JSON output are a few lines each
//! in this crate.

mod api;
pub mod assignments;
pub mod config;
pub mod endpoint;
mod provider;
mod redirect;
mod sso_login;
mod token;
mod util;

/// The service-call and encoding pieces the `awscred-login` crate shares with this one.
///
/// Not part of the stable API: it changes with the two crates, without notice (as rustls'
/// `internal`). Use [`awscred-login`](https://docs.rs/awscred-login) instead.
#[doc(hidden)]
pub mod internal {
    pub use crate::api::{CallError, CallResult, Client, call_with};
    pub use crate::redirect::wait_for_redirect;
    pub use crate::token::lock_path;
    pub use crate::util::PyJson;

    /// SHA-256 of `input`.
    pub fn sha256(input: &[u8]) -> Vec<u8> {
        crate::util::sha256(input)
    }

    /// SHA-256 of `input`, in lower-case hex.
    pub fn sha256_hex(input: &[u8]) -> String {
        crate::util::sha256_hex(input)
    }

    /// Base64 (standard alphabet, padded).
    pub fn base64_encode(bytes: &[u8]) -> String {
        crate::util::base64_encode(bytes)
    }

    /// Base64url without padding.
    pub fn base64url(bytes: &[u8]) -> String {
        crate::util::base64url(bytes)
    }

    /// Decodes padded standard base64; `None` when it is not.
    pub fn base64_decode(text: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        crate::util::base64_decode(text)
    }

    /// A random UUID (version 4) from the system's generator.
    pub fn uuid4() -> awscred_core::Result<String> {
        crate::util::uuid4()
    }

    /// A PKCE code verifier, as the CLI makes it.
    pub fn code_verifier() -> awscred_core::Result<String> {
        crate::util::code_verifier()
    }
}

pub use api::ServiceError;
pub use config::{SsoProfile, SsoSession, role_cache_key, token_cache_key};
pub use provider::{PROVIDER_NAME, SsoProvider};
pub use redirect::open_browser;
pub use sso_login::{LogoutSummary, SsoLoginOptions, login, login_to_session, logout};
pub use token::{CachedToken, SsoToken, SsoTokenProvider, load_token, session_token, token_path};
