//! The [`Chain`] and its builder: the public face of the walk, and the cache of its answer.

use std::sync::Arc;

use awscred_core::explain::{Explanation, TierReport, TierStatus};
use awscred_core::provider::BoxFuture;
use awscred_core::refresh::RefreshCache;
use awscred_core::{Credentials, Env, Error, ProvideCredentials, Tier};
use awscred_profile::ProfileContext;
#[cfg(feature = "sts")]
use awscred_sts::MfaPrompt;

use crate::resolver::Resolver;
use crate::tiers;

/// Builds a [`Chain`].
#[derive(Debug, Default)]
pub struct ChainBuilder {
    env: Option<Env>,
    profile: Option<String>,
    region: Option<String>,
    #[cfg(feature = "http")]
    http: Option<Arc<dyn awscred_core::http::HttpClient>>,
    #[cfg(feature = "http")]
    retry: Option<awscred_core::retry::RetryConfig>,
    #[cfg(feature = "sts")]
    mfa: MfaPrompt,
    /// Only the profile tiers (`ProfileProvider`).
    pub(crate) profile_only: bool,
}

impl ChainBuilder {
    /// The environment to resolve in (default: the real process environment).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// The profile given on the command line (`--profile`). Naming a profile this way turns
    /// the environment-variable tier off, as in the CLI.
    pub fn profile(mut self, profile: Option<String>) -> Self {
        self.profile = profile;
        self
    }

    /// The region given on the command line (`--region`).
    pub fn region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    /// The profile to use, as `--profile NAME` does: [`ChainBuilder::profile`] with a name.
    /// Unlike aws-config's `profile_name`, this turns the environment-variable tier off.
    pub fn profile_name(self, name: impl Into<String>) -> Self {
        self.profile(Some(name.into()))
    }

    /// Sets or clears the profile ([`ChainBuilder::profile_name`]) on a builder held by reference.
    pub fn set_profile_name(&mut self, name: Option<String>) -> &mut Self {
        self.profile = name;
        self
    }

    /// The region to use, as `--region NAME` does: [`ChainBuilder::region`] with a name.
    pub fn region_name(self, region: impl Into<String>) -> Self {
        self.region(Some(region.into()))
    }

    /// Sets or clears the region ([`ChainBuilder::region_name`]) on a builder held by reference.
    pub fn set_region_name(&mut self, region: Option<String>) -> &mut Self {
        self.region = region;
        self
    }

    /// The HTTP client of the network tiers (default: [`awscred_core::http::HyperClient`]).
    #[cfg(feature = "http")]
    pub fn http_client(mut self, http: Arc<dyn awscred_core::http::HttpClient>) -> Self {
        self.http = Some(http);
        self
    }

    /// The retry policy of the STS and SSO calls, instead of the one the environment and the
    /// profile set (`AWS_MAX_ATTEMPTS` / `max_attempts`, `AWS_RETRY_MODE` / `retry_mode`; by
    /// default the CLI v2's standard mode: three attempts).
    #[cfg(feature = "http")]
    pub fn retry(mut self, retry: awscred_core::retry::RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How roles with `mfa_serial` get their code (default: the terminal, as the CLI).
    #[cfg(feature = "sts")]
    pub fn mfa_prompt(mut self, mfa: MfaPrompt) -> Self {
        self.mfa = mfa;
        self
    }

    /// The chain.
    pub fn build(self) -> Chain {
        let env = self.env.unwrap_or_else(Env::real);
        let clock = env.clock();
        let tiers = tiers::Tiers::new(
            #[cfg(feature = "http")]
            self.http,
            #[cfg(feature = "http")]
            self.retry,
            #[cfg(feature = "sts")]
            self.mfa,
        );
        let resolver = Arc::new(Resolver::new(
            env,
            self.profile,
            self.profile_only,
            self.region,
            tiers,
        ));
        let cache = RefreshCache::new(resolver.clone(), clock);
        Chain { resolver, cache }
    }
}

/// The credential chain. Resolution reads files lazily and only as far as the tiers need; the
/// answer is cached and refreshed with the CLI's windows.
#[derive(Debug)]
pub struct Chain {
    resolver: Arc<Resolver>,
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
        let mut reported = Some(Vec::new());
        let result = self.resolver.run(&mut reported).await;
        let mut reported = reported.unwrap_or_default();
        // Every tier, in order: those the walk did not reach are said so.
        let tiers = Tier::ALL
            .into_iter()
            .map(|tier| match reported.iter().position(|r| r.tier == tier) {
                Some(i) => reported.swap_remove(i),
                None => TierReport::new(tier, TierStatus::NotReached),
            })
            .collect();
        let selected = self.resolver.selected_profile();
        let env = &self.resolver.env;
        let ctx = self.resolver.context().ok();
        let mut explanation = Explanation::new(
            selected.name,
            selected.source.describe().to_owned(),
            tiers,
            result,
        );
        explanation.profile_exists = ctx.is_some_and(|c| c.profile().is_some());
        explanation.region = self.region();
        explanation.region_source = ctx.and_then(awscred_profile::explain::region_source);
        explanation.files = awscred_profile::explain::files(env);
        if let Some(ctx) = ctx {
            explanation.profiles_with_credentials =
                awscred_profile::explain::profiles_with_credentials(&ctx.profiles);
            explanation.warnings = ctx
                .profiles
                .warnings()
                .iter()
                .map(|w| w.to_string())
                .collect();
            explanation.hops = awscred_profile::explain::hops(ctx);
        }
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
