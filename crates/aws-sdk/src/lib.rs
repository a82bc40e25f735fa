//! Use the awscred credential chain (the AWS CLI v2's, file for file and cache for cache) as the
//! credentials provider of any aws-sdk-rust client.
//!
//! ```no_run
//! # async fn demo() {
//! use awscred_aws_sdk::AwsSdkCredentials;
//!
//! // The CLI's chain: env, assume-role chains, SSO, credential_process, containers, IMDS.
//! let chain = awscred_chain::Chain::builder().profile_name("dev").build();
//! let provider = AwsSdkCredentials::new(chain);
//!
//! // Anything that takes an `aws_credential_types::provider::ProvideCredentials` takes it:
//! // `aws_config::defaults(BehaviorVersion::latest()).credentials_provider(provider)`, or a
//! // service client's `Config::builder().credentials_provider(provider)`.
//! use aws_credential_types::provider::ProvideCredentials;
//! let creds = provider.provide_credentials().await.unwrap();
//! println!("{} from {:?}", creds.access_key_id(), creds.expiry());
//! # }
//! ```
//!
//! [`AwsSdkCredentials`] wraps any [`awscred_core::ProvideCredentials`] (the whole
//! [`awscred_chain::Chain`], or a single tier). Each call asks the wrapped provider; the chain
//! answers from its own cache (the CLI's refresh windows) until the credentials near expiry.
//!
//! What is carried over, and how:
//!
//! | awscred | aws-credential-types |
//! |---|---|
//! | access key id, secret key, session token | the same (the SDK zeroizes them on drop too) |
//! | `expiration()` | `expiry()` (`None` for long-term keys) |
//! | `account_id()` | `account_id()` |
//! | `provider()` (the tier: `env`, `assume-role`, `sso`...) | `provider_name` |
//! | [`ErrorKind::NotConfigured`] | [`CredentialsError::not_loaded`] (an SDK chain moves on) |
//! | [`ErrorKind::InvalidConfiguration`] | [`CredentialsError::invalid_configuration`] |
//! | [`ErrorKind::ProviderFailed`], [`ErrorKind::Io`] | [`CredentialsError::provider_error`] |
//! | [`ErrorKind::Network`] (timeouts included) | [`CredentialsError::provider_error`] |
//!
//! The awscred [`Error`] is the SDK error's `source()`: its message (file, profile, key or
//! endpoint; never a secret) is kept whole, and `downcast_ref::<awscred_core::Error>()` gives its
//! kind back. Network errors, timeouts included, become `provider_error` rather than
//! `provider_timed_out`, because the SDK's timed-out variant carries only a duration and would
//! drop the message naming the endpoint.
//!
//! The SDK puts its own identity cache in front of every credentials provider: it keeps
//! credentials until 10 seconds before they expire and gives a load a timeout derived from the
//! client's retry and timeout settings. To have the CLI's refresh windows (refresh in the
//! background with 15 minutes left, before answering with 10 left) and no SDK timeout around an
//! MFA prompt or a slow `credential_process`, give the client
//! `.identity_cache(IdentityCache::no_cache())`: every request then asks the chain, which answers
//! from its own cache (see `docs/migration-from-aws-config.md`).
//!
//! # Features
//!
//! `chain` (on by default) adds the [`awscred_chain`] re-export and
//! [`AwsSdkCredentials::default_chain`]; `env`, `profile`, `sts`, `sso`, `process`, `ecs` and
//! `imds` (all on by default) are the chain's tiers, as in awscred-chain. With
//! `default-features = false` the crate only adapts providers you build yourself.
//!
//! # Dependencies
//!
//! `awscred-core` (the provider trait and types) and `aws-credential-types` (the SDK's provider
//! trait and credentials type; version 1, already in awscred's graph through aws-sigv4, so this
//! crate adds no new crate to a build) and, with `chain`, `awscred-chain`.

use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, future};
use awscred_core::{Credentials, Error, ErrorKind};

#[cfg(feature = "chain")]
pub use awscred_chain;

/// An aws-sdk-rust credentials provider backed by an awscred provider.
///
/// `P` is usually an [`awscred_chain::Chain`]; any [`awscred_core::ProvideCredentials`] works
/// (an `Arc<Chain>` shared with other code, a single tier, a test fake).
///
/// ```
/// use aws_credential_types::provider::ProvideCredentials as _;
/// use awscred_aws_sdk::AwsSdkCredentials;
/// use awscred_core::{Credentials, Result, provider::BoxFuture};
///
/// #[derive(Debug)]
/// struct Fixed;
///
/// impl awscred_core::ProvideCredentials for Fixed {
///     fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
///         Box::pin(async { Ok(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI", None, None, "fixed")) })
///     }
/// }
///
/// # tokio_test(async {
/// let sdk = AwsSdkCredentials::new(Fixed);
/// let creds = sdk.provide_credentials().await.unwrap();
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// assert_eq!(creds.secret_access_key(), "wJalrXUtnFEMI");
/// # });
/// # fn tokio_test(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct AwsSdkCredentials<P> {
    provider: P,
}

impl<P: awscred_core::ProvideCredentials> AwsSdkCredentials<P> {
    /// Wraps `provider`.
    pub fn new(provider: P) -> Self {
        AwsSdkCredentials { provider }
    }

    /// The wrapped provider (for the chain: `explain()`, `region()`, `profile_name()`).
    pub fn inner(&self) -> &P {
        &self.provider
    }

    /// Unwraps the provider.
    pub fn into_inner(self) -> P {
        self.provider
    }

    /// Credentials from the wrapped provider, converted (the trait method, without the SDK's
    /// future type).
    pub async fn load(&self) -> Result<aws_credential_types::Credentials, CredentialsError> {
        match self.provider.provide_credentials().await {
            Ok(creds) => Ok(to_sdk_credentials(&creds)),
            Err(e) => Err(to_sdk_error(e)),
        }
    }
}

#[cfg(feature = "chain")]
impl AwsSdkCredentials<awscred_chain::Chain> {
    /// The AWS CLI's default chain in the real environment: the profile named by
    /// `AWS_PROFILE` (or `default`), the region from the environment or the profile.
    pub fn default_chain() -> Self {
        AwsSdkCredentials::new(awscred_chain::Chain::builder().build())
    }
}

impl<P: awscred_core::ProvideCredentials> From<P> for AwsSdkCredentials<P> {
    fn from(provider: P) -> Self {
        AwsSdkCredentials::new(provider)
    }
}

impl<P> fmt::Debug for AwsSdkCredentials<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the provider's type: the SDK logs its providers' Debug, and a provider's own Debug
        // may show its environment (awscred's `Env` prints every variable, AWS_SECRET_ACCESS_KEY
        // and AWS_SESSION_TOKEN included).
        f.debug_struct("AwsSdkCredentials")
            .field("provider", &std::any::type_name::<P>())
            .finish()
    }
}

impl<P: awscred_core::ProvideCredentials> provider::ProvideCredentials for AwsSdkCredentials<P> {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.load())
    }
}

/// awscred credentials as the SDK's: keys, session token, expiry, account id, and the producing
/// tier's name as `provider_name`.
///
/// ```
/// use awscred_core::{Credentials, Secret};
/// use std::time::{Duration, SystemTime};
///
/// let expires = SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
/// let ours = Credentials::new("ASIAEXAMPLE", "wJalrXUtnFEMI", Some(Secret::new("token")), Some(expires), "assume-role")
///     .with_account_id(Some("123456789012".into()));
/// let sdk = awscred_aws_sdk::to_sdk_credentials(&ours);
/// assert_eq!(sdk.session_token(), Some("token"));
/// assert_eq!(sdk.expiry(), Some(expires));
/// assert_eq!(sdk.account_id().map(|a| a.as_str()), Some("123456789012"));
/// ```
pub fn to_sdk_credentials(creds: &Credentials) -> aws_credential_types::Credentials {
    let mut builder = aws_credential_types::Credentials::builder()
        .access_key_id(creds.access_key_id())
        .secret_access_key(creds.secret_access_key().expose())
        .provider_name(creds.provider());
    builder.set_session_token(creds.session_token().map(|t| t.expose().to_owned()));
    builder.set_expiry(creds.expiration());
    builder.set_account_id(creds.account_id().map(Into::into));
    builder.build()
}

/// An awscred error as the SDK's, by kind (see the table in the crate docs). The awscred error
/// becomes the source, so its message is kept whole and its kind can be read back with
/// `downcast_ref::<awscred_core::Error>()`.
///
/// ```
/// use aws_credential_types::provider::error::CredentialsError;
/// use std::error::Error as _;
///
/// let sdk = awscred_aws_sdk::to_sdk_error(awscred_core::Error::not_configured("no credentials found"));
/// assert!(matches!(sdk, CredentialsError::CredentialsNotLoaded(_)));
/// assert_eq!(sdk.source().unwrap().to_string(), "no credentials found");
/// ```
pub fn to_sdk_error(error: Error) -> CredentialsError {
    match error.kind() {
        ErrorKind::NotConfigured => CredentialsError::not_loaded(error),
        ErrorKind::InvalidConfiguration => CredentialsError::invalid_configuration(error),
        // ProviderFailed, Io, Network (see the crate docs for why timeouts are not
        // `provider_timed_out`), and any kind added later.
        _ => CredentialsError::provider_error(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::Secret;
    use std::error::Error as _;
    use std::time::{Duration, SystemTime};

    #[test]
    fn long_term_keys_have_no_token_expiry_or_account() {
        let sdk = to_sdk_credentials(&Credentials::new("AKID", "SECRET", None, None, "env"));
        assert_eq!(sdk.access_key_id(), "AKID");
        assert_eq!(sdk.secret_access_key(), "SECRET");
        assert_eq!(sdk.session_token(), None);
        assert_eq!(sdk.expiry(), None);
        assert!(sdk.account_id().is_none());
    }

    #[test]
    fn every_field_is_carried_over() {
        let expires = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let ours = Credentials::new(
            "ASIA1",
            "S3CRET",
            Some(Secret::new("T0KEN")),
            Some(expires),
            "sso",
        )
        .with_account_id(Some("111122223333".into()));
        let sdk = to_sdk_credentials(&ours);
        assert_eq!(sdk.access_key_id(), "ASIA1");
        assert_eq!(sdk.secret_access_key(), "S3CRET");
        assert_eq!(sdk.session_token(), Some("T0KEN"));
        assert_eq!(sdk.expiry(), Some(expires));
        assert_eq!(sdk.account_id().unwrap().as_str(), "111122223333");
        // The SDK's Debug names the provider and redacts the secrets.
        let debug = format!("{sdk:?}");
        assert!(debug.contains("\"sso\""), "{debug}");
        assert!(
            !debug.contains("S3CRET") && !debug.contains("T0KEN"),
            "{debug}"
        );
    }

    #[test]
    fn each_error_kind_maps_to_its_sdk_variant() {
        let cases = [
            (Error::not_configured("m0"), "CredentialsNotLoaded"),
            (Error::invalid_config("m1"), "InvalidConfiguration"),
            (Error::provider_failed("m2"), "ProviderError"),
            (Error::new(ErrorKind::Network, "m3"), "ProviderError"),
            (Error::new(ErrorKind::Io, "m4"), "ProviderError"),
        ];
        for (i, (ours, variant)) in cases.into_iter().enumerate() {
            let kind = ours.kind();
            let sdk = to_sdk_error(ours);
            let debug = format!("{sdk:?}");
            assert!(debug.starts_with(variant), "{kind:?} -> {debug}");
            let source = sdk.source().expect("the awscred error is the source");
            assert_eq!(source.to_string(), format!("m{i}"));
            let back = source.downcast_ref::<Error>().expect("downcasts");
            assert_eq!(back.kind(), kind);
        }
    }
}
