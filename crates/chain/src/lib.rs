//! The AWS CLI v2 credential chain.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_core::{fs::MemFs, Env};
//!
//! // A profile with keys in ~/.aws/credentials; the environment is a fixed map and the files
//! // live in memory, so nothing on this machine is read (IMDS is switched off for the same
//! // reason: a chain that found nothing would end by asking it).
//! let fs = MemFs::default()
//!     .with_file("/home/u/.aws/config", "[profile dev]\nregion = eu-west-1\n")
//!     .with_file("/home/u/.aws/credentials", "[dev]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
//! let env = Env::from_vars([("HOME", "/home/u"), ("AWS_EC2_METADATA_DISABLED", "true")])
//!     .with_fs(Arc::new(fs));
//! let chain = awscred_chain::Chain::builder().env(env).profile_name("dev").build();
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let creds = runtime.block_on(chain.resolve()).unwrap();
//! assert_eq!((creds.access_key_id(), creds.provider()), ("AKID", "shared-credentials-file"));
//! assert_eq!(chain.region().as_deref(), Some("eu-west-1"));
//!
//! // `explain` says which tier answered and why the others did not.
//! let explanation = runtime.block_on(chain.explain());
//! assert_eq!(explanation.tiers[0].tier, "env"); // skipped: --profile given
//! ```
//!
//! In a program, the defaults read the real environment and files and use the real network:
//!
//! ```no_run
//! # async fn demo() -> Result<(), awscred_core::Error> {
//! let chain = awscred_chain::Chain::builder().build();
//! let creds = chain.resolve().await?;
//! println!("{} from {}", creds.access_key_id(), creds.provider());
//! # Ok(()) }
//! ```
//!
//! Tiers, highest first, each behind the cargo feature named after it: `env` (environment
//! variables), then the profile tiers — assume role (`sts`), web identity (`sts`), IAM Identity
//! Center (`sso`), keys in the credentials file (`profile`), `aws login` sessions (`login`),
//! `credential_process` (`process`), keys in the config file (`profile`) — then container credentials (`ecs`) and EC2 instance
//! metadata (`imds`). A tier that is not configured passes to the next; a tier that is configured
//! and fails stops the chain with its error, as the CLI does. See `docs/precedence.md`, one page
//! per tier in `docs/tiers/`, and `docs/features.md` for what each feature pulls in.
//!
//! What to call: [`Chain::builder`] ([`ChainBuilder::env`], [`ChainBuilder::profile_name`] for
//! `--profile`, [`ChainBuilder::region_name`] for `--region` (or their `set_` and `Option`
//! forms), and with the network tiers
//! `ChainBuilder::http_client` and `ChainBuilder::mfa_prompt`), then [`Chain::resolve`] /
//! [`Chain::resolve_shared`], [`Chain::explain`] (an [`Explanation`]: the profile's selection,
//! the files, the profile's chain of roles, and one [`TierReport`] per tier, every tier in
//! order, named by [`Tier`], `NotReached` after the answer), [`Chain::profile_name`], [`Chain::region`] and [`Chain::profile_context`].
//! [`Chain`] is itself a [`ProvideCredentials`]; so is [`ProfileProvider`], the profile tiers
//! alone.
//!
//! The answer is kept in a [`refresh::RefreshCache`] with the CLI's refresh windows, so a
//! long-lived [`Chain`] serves cached credentials without I/O and refreshes them before they
//! expire. The cache lives in core (its `refresh` feature: `tokio` with sync and rt, for its
//! single flight and background refresh); each tier crate comes only with its feature.

// `resolver` walks the tiers in the CLI's order and records each one's outcome; `tiers` builds
// each tier's provider once from the plan; neither uses this file. The public types stay here,
// at the root, so their paths are the ones users name (`awscred_chain::Chain`, as `type_name`
// and the aws-sdk adapter's `Debug` show it).
mod resolver;
mod tiers;

use std::sync::Arc;

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

use resolver::Resolver;

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
    /// Only the profile tiers ([`ProfileProvider`]).
    profile_only: bool,
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
