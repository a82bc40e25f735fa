//! AWS STS for awscred: `AssumeRole`, `AssumeRoleWithWebIdentity` and `GetCallerIdentity`, the
//! providers built on them, and the AWS CLI's role-credential cache (`~/.aws/cli/cache`), shared
//! with the CLI file for file.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_core::{fs::MemFs, Env};
//! use awscred_profile::{ProfileContext, ProfileSet};
//! use awscred_sts::{StsEndpoint, assume_role_cache_key};
//!
//! // Where the selected profile's roles are assumed: its region, FIPS, dual-stack and
//! // configured endpoint settings, read as the CLI reads them.
//! let env = Env::from_vars([("HOME", "/home/u"), ("AWS_USE_FIPS_ENDPOINT", "true")])
//!     .with_fs(Arc::new(MemFs::default().with_file(
//!         "/home/u/.aws/config",
//!         "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Dev\n",
//!     )));
//! let ctx = ProfileContext::new(env.clone(), Arc::new(ProfileSet::load(&env)?), "dev".into()).chosen_explicitly(true);
//! let endpoint = StsEndpoint::resolve(&ctx)?;
//! assert_eq!(endpoint.url, "https://sts-fips.eu-west-1.amazonaws.com");
//! assert_eq!(endpoint.signing_region, "eu-west-1");
//!
//! // The name of the CLI's cache file for that role (`~/.aws/cli/cache/<key>.json`): botocore's
//! // SHA-1 of the sorted JSON of the configured AssumeRole arguments.
//! let key = assume_role_cache_key("arn:aws:iam::123456789012:role/Dev", None, None, None, None);
//! assert_eq!(key, "2bb38c5db97ed7ea85d819b0a043df7bd7b4363a");
//! # Ok::<(), awscred_core::Error>(())
//! ```
//!
//! Assuming the role (needs the network):
//!
//! ```no_run
//! use std::sync::Arc;
//! use awscred_core::{Credentials, Env, ProvideCredentials};
//! use awscred_core::http::HttpClient;
//! use awscred_profile::plan::RoleStep;
//! use awscred_sts::{AssumeRoleProvider, StsClient, StsEndpoint};
//!
//! # async fn run(http: Arc<dyn HttpClient>, source: Arc<dyn ProvideCredentials>) -> awscred_core::Result<()> {
//! let client = StsClient::new(http, StsEndpoint::for_region(Some("eu-west-1"), false, false));
//! let step = RoleStep::new("dev", "arn:aws:iam::123456789012:role/Dev");
//! let provider = AssumeRoleProvider::new(source, step, client, &Env::real());
//! let creds: Credentials = provider.provide_credentials().await?;
//! println!("{}", creds.access_key_id());
//! # Ok(()) }
//! ```
//!
//! What the chain calls: [`StsEndpoint::resolve`] (the selected profile's endpoint and region),
//! [`StsClient::new`], then [`assume_role_chain`]: an [`AssumeRoleProvider`] for each
//! [`RoleStep`](awscred_profile::plan::RoleStep) of the plan, on top of the base provider (for a
//! [`BaseCredentials::WebIdentity`](awscred_profile::plan::BaseCredentials::WebIdentity) base,
//! [`WebIdentityProvider::new`] with [`WebIdentitySettings::from_base`]). For a profile with
//! keys that opts in to [`mfa_session`] ([`MfaSession::of`](mfa_session::MfaSession::of)), the
//! keys first become one MFA session ([`SessionTokenProvider`]) that every role above them uses.
//!
//! Dependencies, and why: `aws-sigv4` signs (with `aws-credential-types` and
//! `aws-smithy-runtime-api`, which it already pulls in, for its identity type); `quick-xml` reads
//! the responses; `serde_json` reads and writes the cache; `ring` (already in the graph through
//! rustls) computes the CLI's cache keys; `tokio` sleeps between cache-lock polls and reads the
//! terminal off the runtime. Retries and the cache lock are `awscred_core`'s `retry` and `lock`.

mod cache;
mod client;
mod endpoint;
mod mfa;
pub mod mfa_session;
mod provider;
mod role_chain;
mod session;
mod validate;
mod xml;

/// Entry points public only for the fuzz targets and hardening tests.
///
/// Not part of the stable API: it changes without notice (as rustls' `internal`).
#[doc(hidden)]
pub mod internal {
    /// The STS response reader.
    pub mod xml {
        pub use crate::xml::{
            XmlError, XmlFields, account_from_arn, parse, parse_caller_identity, parse_credentials,
            parse_error,
        };
    }
}

/// The retry policy of [`StsClient::with_retry`], shared with the other network tiers.
pub use awscred_core::retry::RetryConfig;
pub use cache::{
    CacheLock, EXPIRY_WINDOW, LOCK_POLL, LOCK_STALE, LOCK_WAIT, LockOutcome, RoleCache,
    assume_role_cache_key, session_token_cache_key, web_identity_cache_key,
};
pub use client::{
    AssumeRoleRequest, FederationTokenRequest, SessionTokenRequest, StsClient, StsServiceError,
    WebIdentityRequest,
};
pub use endpoint::StsEndpoint;
pub use provider::{
    AssumeRoleProvider, MfaCallback, MfaPrompt, WebIdentityProvider, WebIdentitySettings,
};
pub use role_chain::assume_role_chain;
pub use session::SessionTokenProvider;
pub use xml::{CallerIdentity, StsCredentials, XmlError};
