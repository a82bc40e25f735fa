#![doc = include_str!("../README.md")]

// Public types stay at the root, where users name them; `resolver` and `tiers` never use them.
mod resolver;
mod tiers;

use std::sync::{Arc, OnceLock};

/// The refresh cache the chain keeps its answer in ([`awscred_core::refresh`]).
pub use awscred_core::refresh;
#[cfg(feature = "sts")]
pub use awscred_sts::MfaPrompt;

pub use awscred_core::Tier;
pub use awscred_core::explain::{Explanation, FileReport, Hop, TierReport, TierStatus};
use awscred_core::provider::BoxFuture;
use awscred_core::refresh::RefreshCache;
use awscred_core::{Credentials, Env, Error, ProvideCredentials};
use awscred_profile::ProfileContext;

/// Builds a [`Chain`].
#[derive(Debug, Default)]
pub struct ChainBuilder {
    env: Option<Env>,
    profile: Option<String>,
    region: Option<String>,
    tiers: tiers::Tiers,
    /// Only the profile tiers ([`ProfileProvider`]).
    profile_only: bool,
}

impl ChainBuilder {
    /// The environment to resolve in (default: the real process environment).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// The profile to use, as `--profile NAME` does. Unlike aws-config's `profile_name`, this
    /// turns the environment-variable tier off, as in the CLI.
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Sets or clears the profile ([`ChainBuilder::profile_name`]; `None`: `AWS_PROFILE`,
    /// `AWS_DEFAULT_PROFILE`, then `default`, as the CLI picks it).
    pub fn set_profile_name(&mut self, name: Option<String>) -> &mut Self {
        self.profile = name;
        self
    }

    /// The region to use, as `--region NAME` does.
    pub fn region_name(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets or clears the region ([`ChainBuilder::region_name`]; `None`: the environment's or
    /// the profile's).
    pub fn set_region_name(&mut self, region: Option<String>) -> &mut Self {
        self.region = region;
        self
    }

    /// The HTTP client of the network tiers (default: [`awscred_core::http::HyperClient`]).
    #[cfg(feature = "http")]
    pub fn http_client(mut self, http: Arc<dyn awscred_core::http::HttpClient>) -> Self {
        self.tiers.http = http.into();
        self
    }

    /// The retry policy of the STS and SSO calls, instead of the one the environment and the
    /// profile set (`AWS_MAX_ATTEMPTS` / `max_attempts`, `AWS_RETRY_MODE` / `retry_mode`; by
    /// default the CLI v2's standard mode: three attempts).
    #[cfg(feature = "http")]
    pub fn retry(mut self, retry: awscred_core::retry::RetryConfig) -> Self {
        self.tiers.retry = Some(retry);
        self
    }

    /// How roles with `mfa_serial` get their code (default: the terminal, as the CLI).
    #[cfg(feature = "sts")]
    pub fn mfa_prompt(mut self, mfa: MfaPrompt) -> Self {
        self.tiers.mfa = mfa;
        self
    }

    /// The chain.
    pub fn build(self) -> Chain {
        let env = self.env.unwrap_or_else(Env::real);
        let clock = env.clock();
        let resolver = Arc::new(resolver::Resolver {
            env,
            cli_profile: self.profile,
            profile_only: self.profile_only,
            region: self.region,
            context: OnceLock::new(),
            tiers: self.tiers,
        });
        let cache = RefreshCache::new(resolver.clone(), clock);
        Chain { resolver, cache }
    }
}

/// The credential chain. Resolution reads files lazily and only as far as the tiers need; the
/// answer is cached and refreshed with the CLI's windows.
#[derive(Debug)]
pub struct Chain {
    resolver: Arc<resolver::Resolver>,
    cache: RefreshCache,
}

impl Chain {
    /// A builder.
    pub fn builder() -> ChainBuilder {
        ChainBuilder::default()
    }

    /// Credentials, through the tiers in the CLI's order the first time, from the cache after
    /// that until they near their expiry.
    pub async fn resolve(&self) -> Result<Credentials, Error> {
        self.cache.credentials().await.map(|c| (*c).clone())
    }

    /// Like [`Chain::resolve`], without copying the credentials out of the cache.
    pub async fn resolve_shared(&self) -> Result<Arc<Credentials>, Error> {
        self.cache.credentials().await
    }

    /// Walks the tiers (bypassing the cache) and reports, for each tier in the CLI's order,
    /// whether it applied and why not, with the files, the region and the profile's chain.
    pub async fn explain(&self) -> Explanation {
        let mut reached = Some(Vec::new());
        let result = self.resolver.run(&mut reached).await;
        let selected = self.resolver.selected_profile();
        let source = selected.source.describe().to_owned();
        let mut explanation =
            Explanation::new(selected.name, source, reached.unwrap_or_default(), result);
        explanation.region = self.region();
        let ctx = self.resolver.context().ok();
        awscred_profile::explain::describe_files(&mut explanation, &self.resolver.env, ctx);
        explanation
    }

    /// The selected profile's name.
    pub fn profile_name(&self) -> String {
        self.resolver.selected_profile().name
    }

    /// The region as the CLI picks it (`--region`, AWS_REGION, AWS_DEFAULT_REGION, the profile).
    pub fn region(&self) -> Option<String> {
        match self.resolver.context() {
            Ok(ctx) => ctx.region(),
            Err(_) => self.resolver.region.clone().or_else(|| {
                awscred_profile::setting::REGION
                    .lookup(&self.resolver.env, None)
                    .map(|found| found.value)
            }),
        }
    }

    /// The STS client the chain's role tiers call with: the endpoint, HTTP client (and its
    /// pooled connections), retry policy and clock of the selected profile. For callers that
    /// make their own STS calls with the chain's credentials (`GetSessionToken`).
    #[cfg(feature = "sts")]
    pub fn sts_client(&self) -> Result<awscred_sts::StsClient, Error> {
        self.resolver.tiers.sts_client(self.resolver.context()?)
    }

    /// The parsed files and the selected profile, loading them if needed.
    pub fn profile_context(&self) -> Result<&ProfileContext, Error> {
        self.resolver.context()
    }
}

impl ProvideCredentials for Chain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.resolve())
    }
}

/// The credentials of one profile (assume role, web identity, SSO, keys, `credential_process`,
/// `aws login`), without the environment, container and instance-metadata tiers: a profile
/// with no credentials of its own is "not configured", never a fall-through.
/// The [crate docs](crate) show one in use.
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
