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
mod profile_provider;
mod tiers;

use std::sync::{Arc, OnceLock};

use awscred_core::provider::BoxFuture;
/// The refresh cache the chain keeps its answer in ([`awscred_core::refresh`]).
pub use awscred_core::refresh;
use awscred_core::{Credentials, Detail, Env, Error, ProvideCredentials};
use awscred_profile::{ProfileContext, ProfileSource, SelectedProfile};
#[cfg(feature = "sts")]
pub use awscred_sts::MfaPrompt;

pub use awscred_core::Tier;
pub use awscred_core::explain::{Explanation, FileReport, Hop, TierReport, TierStatus};
pub use profile_provider::ProfileProvider;
use refresh::RefreshCache;

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
        let resolver = Arc::new(Resolver {
            env,
            cli_profile: self.profile,
            profile_only: self.profile_only,
            region: self.region,
            context: OnceLock::new(),
            tiers: tiers::Tiers::new(
                #[cfg(feature = "http")]
                self.http,
                #[cfg(feature = "http")]
                self.retry,
                #[cfg(feature = "sts")]
                self.mfa,
            ),
        });
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

/// Runs the tiers; the [`Chain`] caches what it answers.
#[derive(Debug)]
struct Resolver {
    env: Env,
    cli_profile: Option<String>,
    profile_only: bool,
    region: Option<String>,
    context: OnceLock<ProfileContext>,
    tiers: tiers::Tiers,
}

impl ProvideCredentials for Resolver {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(async move { self.run(&mut None).await })
    }
}

impl Resolver {
    fn selected_profile(&self) -> SelectedProfile {
        awscred_profile::selected_profile(self.cli_profile.as_deref(), &self.env)
    }

    fn context(&self) -> Result<&ProfileContext, Error> {
        if let Some(ctx) = self.context.get() {
            return Ok(ctx);
        }
        let profiles = Arc::new(awscred_profile::ProfileSet::load(&self.env)?);
        let selected = self.selected_profile();
        let ctx = ProfileContext::new(self.env.clone(), profiles, selected.name)
            .chosen_explicitly(selected.source == ProfileSource::Cli)
            .with_region_override(self.region.clone());
        Ok(self.context.get_or_init(|| ctx))
    }

    async fn run(&self, report: &mut Option<Vec<TierReport>>) -> Result<Credentials, Error> {
        let mut record = |tier: Tier, status: TierStatus| {
            if let Some(r) = report.as_mut() {
                r.push(TierReport::new(tier, status));
            }
        };
        let selected = self.selected_profile();
        if selected.source.is_explicit() {
            // As botocore: a profile asked for by name must exist, whatever tier answers.
            selected.require_in(&self.context()?.profiles)?;
        }
        let SelectedProfile {
            name: profile_name,
            source,
            ..
        } = selected;

        // 1. Environment variables.
        if !cfg!(feature = "env") {
            record(Tier::Env, TierStatus::NotCompiled(Tier::Env.feature()));
        } else if self.profile_only {
            let why = "the profile tiers alone: environment credentials are not used";
            record(Tier::Env, TierStatus::Skipped(why.into()));
        } else if source == ProfileSource::Cli {
            let why = "--profile given: environment credentials are not used";
            record(Tier::Env, TierStatus::Skipped(why.into()));
        } else if let Some(result) = {
            tracing::debug!(
                tier = Tier::Env.name(),
                "trying AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
            );
            let result = awscred_core::EnvProvider::new(self.env.clone()).credentials();
            finish(result, Tier::Env, &mut record)
        } {
            return result;
        }

        // 2. The profile tiers: one plan for the selected profile says which of them applies.
        let ctx = self.context()?;
        match self.tiers.profile_provider(ctx) {
            Ok((tier, provider)) => {
                tracing::debug!(profile = %profile_name, tier = tier.name(), "the profile's tier applies");
                record_profile_tiers_before(ctx, Some(tier), &mut record);
                let result = provider
                    .provide_credentials()
                    .await
                    .map(|c| c.with_provider(tier.name()));
                // A configured profile tier answers, even "not configured" from a source below it.
                return match finish(result, tier, &mut record) {
                    Some(result) => result,
                    None => Err(Error::invalid_config(format!(
                        "profile {profile_name} is configured for {tier} but produced no credentials"
                    ))),
                };
            }
            Err(e) if e.is_not_configured() => {
                tracing::debug!(profile = %profile_name, "no profile tier applies: {}", e.message());
                record_profile_tiers_before(ctx, None, &mut record);
                if self.profile_only {
                    return Err(e);
                }
            }
            Err(e) => {
                let tier = Tier::PROFILE
                    .into_iter()
                    .find(|t| awscred_profile::explain::tier_applies(ctx, *t).is_ok())
                    .unwrap_or(Tier::PROFILE[0]);
                record_profile_tiers_before(ctx, Some(tier), &mut record);
                record(tier, TierStatus::Failed(e.to_string()));
                return Err(e);
            }
        }

        // 3. Container credentials, then 4. instance metadata.
        let mut unreachable = None;
        for (tier, provider) in self.tiers.machine_providers(ctx) {
            let provider = match provider {
                Ok(provider) => provider,
                Err(feature) => {
                    record(tier, TierStatus::NotCompiled(feature));
                    continue;
                }
            };
            tracing::debug!(tier = tier.name(), "trying");
            let result = provider
                .provide_credentials()
                .await
                .map(|c| c.with_provider(tier.name()));
            if let Err(e) = &result
                && let Some(Detail::Unreachable { .. }) = e.detail()
            {
                unreachable = Some(e.message().to_owned());
            }
            if let Some(result) = finish(result, tier, &mut record) {
                return result;
            }
        }
        // The CLI's words first; then, where the last tier could not be reached, what failed.
        Err(Error::not_configured(match unreachable {
            Some(why) => format!("no credentials found\nThe last tier, instance metadata: {why}"),
            None => "no credentials found".to_owned(),
        }))
    }
}

/// Records the profile tiers before `chosen` (all of them when `None`) as skipped, with why.
fn record_profile_tiers_before(
    ctx: &ProfileContext,
    chosen: Option<Tier>,
    record: &mut impl FnMut(Tier, TierStatus),
) {
    for tier in Tier::PROFILE.into_iter().take_while(|t| Some(*t) != chosen) {
        let status = match tiers::missing_feature(tier) {
            Some(feature) => TierStatus::NotCompiled(feature),
            None => TierStatus::Skipped(
                awscred_profile::explain::tier_applies(ctx, tier)
                    .err()
                    .unwrap_or_else(|| "not used: an earlier setting of the profile wins".into()),
            ),
        };
        record(tier, status);
    }
}

/// Records a tier's outcome; `None` when the chain should move on.
fn finish(
    result: Result<Credentials, Error>,
    tier: Tier,
    record: &mut impl FnMut(Tier, TierStatus),
) -> Option<Result<Credentials, Error>> {
    match result {
        Ok(creds) => {
            tracing::debug!(tier = tier.name(), expiration = ?creds.expiration().map(awscred_core::timestamp::format_z), "tier resolved");
            record(tier, TierStatus::Resolved);
            Some(Ok(creds))
        }
        Err(e) if e.is_not_configured() => {
            tracing::debug!(tier = tier.name(), why = %e.message(), "tier skipped");
            record(tier, TierStatus::Skipped(e.message().to_owned()));
            None
        }
        Err(e) => {
            tracing::debug!(tier = tier.name(), error = %e, "tier failed");
            record(tier, TierStatus::Failed(e.to_string()));
            Some(Err(e))
        }
    }
}
