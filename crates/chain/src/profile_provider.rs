//! The profile tiers on their own, as aws-config's `ProfileFileCredentialsProvider`.

use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Error, ProvideCredentials};

use crate::chain::{Chain, ChainBuilder};

/// The credentials of one profile (assume role, web identity, SSO, keys, `credential_process`,
/// `aws login`), without the environment, container and instance-metadata tiers: a profile
/// with no credentials of its own is "not configured", never a fall-through.
///
/// ```
/// use std::sync::Arc;
/// use awscred_core::{fs::MemFs, Env, ProvideCredentials};
/// use awscred_chain::{Chain, ProfileProvider};
///
/// let fs = MemFs::default()
///     .with_file("/h/.aws/credentials", "[dev]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
/// let env = Env::from_vars([("HOME", "/h"), ("AWS_ACCESS_KEY_ID", "FROM_ENV"), ("AWS_SECRET_ACCESS_KEY", "S")])
///     .with_fs(Arc::new(fs));
/// let dev = ProfileProvider::from_builder(Chain::builder().env(env).profile_name("dev"));
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let creds = runtime.block_on(dev.provide_credentials()).unwrap();
/// assert_eq!(creds.access_key_id(), "AKID");
/// ```
#[derive(Debug)]
pub struct ProfileProvider {
    chain: Chain,
}

impl ProfileProvider {
    /// The profile `name` in the real environment and files.
    pub fn new(name: impl Into<String>) -> Self {
        Self::from_builder(Chain::builder().profile_name(name))
    }

    /// The profile tiers of what `builder` describes: its environment, profile (none: the
    /// `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default` of the CLI), region, HTTP client, retry
    /// policy and MFA prompt.
    pub fn from_builder(mut builder: ChainBuilder) -> Self {
        builder.profile_only = true;
        ProfileProvider {
            chain: builder.build(),
        }
    }

    /// The chain of the profile tiers alone: its `explain`, `profile_name` and `region`.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        self.chain.provide_credentials()
    }
}
