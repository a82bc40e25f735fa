//! The AWS CLI v2 credential chain.
//!
//! ```no_run
//! # async fn demo() -> Result<(), awscred_core::Error> {
//! let chain = awscred_chain::Chain::builder().profile(Some("dev".into())).build();
//! let creds = chain.resolve().await?;
//! println!("{} from {}", creds.access_key_id(), creds.provider());
//! # Ok(()) }
//! ```
//!
//! Tiers, highest first, each behind the cargo feature of the same name: `env` (environment
//! variables), then the profile tiers — assume role (`sts`), web identity (`sts`), IAM Identity
//! Center (`sso`), keys in the credentials file (`profile`), `credential_process` (`process`),
//! keys in the config file (`profile`) — then container credentials (`ecs`) and EC2 instance
//! metadata (`imds`). A tier that is not configured passes to the next; a tier that is configured
//! and fails stops the chain with its error, as the CLI does.

mod env_tier;
mod explain;
mod static_keys;

use std::sync::{Arc, OnceLock};

use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ProvideCredentials};
use awscred_profile::plan::{self, BaseCredentials, ProfileChain};
use awscred_profile::{ProfileContext, ProfileSet};

pub use explain::{Explanation, TierReport, TierStatus};

/// Builds a [`Chain`].
#[derive(Debug, Default)]
pub struct ChainBuilder {
    env: Option<Env>,
    profile: Option<String>,
    region: Option<String>,
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

    /// The chain.
    pub fn build(self) -> Chain {
        Chain {
            env: self.env.unwrap_or_else(Env::real),
            cli_profile: self.profile,
            region: self.region,
            context: OnceLock::new(),
        }
    }
}

/// The credential chain. Resolution reads files lazily and only as far as the tiers need.
#[derive(Debug)]
pub struct Chain {
    env: Env,
    cli_profile: Option<String>,
    region: Option<String>,
    context: OnceLock<ProfileContext>,
}

/// How the profile was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileSource {
    Cli,
    EnvVar(&'static str),
    Default,
}

impl Chain {
    /// A builder.
    pub fn builder() -> ChainBuilder {
        ChainBuilder::default()
    }

    /// Resolves credentials through the tiers in the CLI's order.
    pub async fn resolve(&self) -> Result<Credentials, Error> {
        self.run(&mut None).await
    }

    /// Walks the tiers and reports, for each, whether it applied and why not.
    pub async fn explain(&self) -> Explanation {
        let mut tiers = Some(Vec::new());
        let result = self.run(&mut tiers).await;
        let (profile, source) = self.selected_profile();
        Explanation {
            profile,
            profile_source: match source {
                ProfileSource::Cli => "--profile".to_owned(),
                ProfileSource::EnvVar(name) => format!("env {name}"),
                ProfileSource::Default => "default".to_owned(),
            },
            region: self.context().ok().and_then(|ctx| ctx.region()),
            tiers: tiers.unwrap_or_default(),
            result,
        }
    }

    /// The selected profile's name.
    pub fn profile_name(&self) -> String {
        self.selected_profile().0
    }

    /// The region as the CLI picks it (`--region`, AWS_REGION, AWS_DEFAULT_REGION, the profile).
    pub fn region(&self) -> Option<String> {
        match self.context() {
            Ok(ctx) => ctx.region(),
            Err(_) => self
                .region
                .clone()
                .or_else(|| self.env.non_empty_var("AWS_REGION"))
                .or_else(|| self.env.non_empty_var("AWS_DEFAULT_REGION")),
        }
    }

    pub(crate) fn selected_profile(&self) -> (String, ProfileSource) {
        if let Some(name) = &self.cli_profile {
            return (name.clone(), ProfileSource::Cli);
        }
        // botocore looks AWS_DEFAULT_PROFILE up before AWS_PROFILE.
        for var in ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"] {
            if let Some(name) = self.env.non_empty_var(var) {
                return (name, ProfileSource::EnvVar(var));
            }
        }
        ("default".to_owned(), ProfileSource::Default)
    }

    fn context(&self) -> Result<&ProfileContext, Error> {
        if let Some(ctx) = self.context.get() {
            return Ok(ctx);
        }
        let profiles = Arc::new(ProfileSet::load(&self.env)?);
        let (profile_name, source) = self.selected_profile();
        let ctx = ProfileContext {
            env: self.env.clone(),
            profiles,
            profile_name,
            profile_explicit: source == ProfileSource::Cli,
            region_override: self.region.clone(),
        };
        Ok(self.context.get_or_init(|| ctx))
    }

    async fn run(&self, report: &mut Option<Vec<TierReport>>) -> Result<Credentials, Error> {
        let mut record = |tier: &'static str, status: TierStatus| {
            if let Some(r) = report.as_mut() {
                r.push(TierReport { tier, status });
            }
        };
        let (profile_name, source) = self.selected_profile();
        if source != ProfileSource::Default {
            // As botocore: a profile that was asked for by name must exist, whatever tier answers.
            let ctx = self.context()?;
            if ctx.profiles.profile(&profile_name).is_none() {
                return Err(Error::invalid_config(format!(
                    "The config profile ({profile_name}) could not be found"
                )));
            }
        }

        // 1. Environment variables.
        if cfg!(feature = "env") {
            if source == ProfileSource::Cli {
                record(
                    env_tier::NAME,
                    TierStatus::Skipped("--profile given: environment credentials are not used".into()),
                );
            } else {
                match finish(env_tier::resolve(&self.env), env_tier::NAME, &mut record) {
                    Some(result) => return result,
                    None => {}
                }
            }
        } else {
            record(env_tier::NAME, TierStatus::NotCompiled("env"));
        }

        // 2. The profile tiers.
        let ctx = self.context()?;
        match plan::resolve_chain(&ctx.profiles, &profile_name) {
            Ok(chain) => {
                let tier = self.tier_of(ctx, &chain);
                let result = self.run_plan(ctx, &chain).await.map(|c| c.with_provider(tier));
                return finish(result, tier, &mut record).unwrap_or_else(|| {
                    Err(Error::invalid_config(format!(
                        "profile {profile_name} is configured but produced no credentials"
                    )))
                });
            }
            Err(e) if e.is_not_configured() => {
                record("profile", TierStatus::Skipped(e.message().to_owned()));
            }
            Err(e) => {
                record("profile", TierStatus::Failed(e.to_string()));
                return Err(e);
            }
        }

        Err(Error::not_configured("no credentials found"))
    }

    fn tier_of(&self, ctx: &ProfileContext, chain: &ProfileChain) -> &'static str {
        if !chain.roles.is_empty() {
            return "assume-role";
        }
        match &chain.base {
            BaseCredentials::AccessKey { profile } => match ctx.profiles.profile(profile) {
                Some(section) if static_keys::keys_in_credentials_file(&ctx.profiles, section) => {
                    static_keys::CREDENTIALS_FILE
                }
                _ => static_keys::CONFIG_FILE,
            },
            BaseCredentials::WebIdentity { .. } => "assume-role-with-web-identity",
            BaseCredentials::Sso { .. } => "sso",
            BaseCredentials::CredentialProcess { .. } => "custom-process",
            BaseCredentials::CredentialSource { .. } => "assume-role",
        }
    }

    fn run_plan<'a>(
        &'a self,
        ctx: &'a ProfileContext,
        chain: &'a ProfileChain,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let base = self.base_provider(ctx, &chain.base)?;
            if let Some(step) = chain.roles.first() {
                return Err(Error::invalid_config(format!(
                    "profile {} assumes role {}, but awscred was built without the `sts` feature",
                    step.profile, step.role_arn
                )));
            }
            base.provide_credentials().await
        })
    }

    fn base_provider(
        &self,
        ctx: &ProfileContext,
        base: &BaseCredentials,
    ) -> Result<Arc<dyn ProvideCredentials>, Error> {
        match base {
            BaseCredentials::AccessKey { profile } if cfg!(feature = "profile") => {
                Ok(Arc::new(Ready(static_keys::resolve(&ctx.profiles, profile)?)))
            }
            BaseCredentials::AccessKey { profile } => Err(missing_feature(profile, "static keys", "profile")),
            BaseCredentials::WebIdentity { profile, .. } => Err(missing_feature(profile, "web identity", "sts")),
            BaseCredentials::Sso { profile } => Err(missing_feature(profile, "IAM Identity Center", "sso")),
            BaseCredentials::CredentialProcess { profile, .. } => {
                Err(missing_feature(profile, "credential_process", "process"))
            }
            BaseCredentials::CredentialSource { profile, source } => Err(missing_feature(
                profile,
                &format!("credential_source = {source:?}"),
                "sts",
            )),
        }
    }
}

impl ProvideCredentials for Chain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.resolve())
    }
}

/// Credentials already in hand.
#[derive(Debug)]
struct Ready(Credentials);

impl ProvideCredentials for Ready {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let creds = self.0.clone();
        Box::pin(async move { Ok(creds) })
    }
}

fn missing_feature(profile: &str, what: &str, feature: &str) -> Error {
    Error::invalid_config(format!(
        "profile {profile} uses {what}, but awscred was built without the `{feature}` feature"
    ))
}

/// Records a tier's outcome; `None` when the chain should move on.
fn finish(
    result: Result<Credentials, Error>,
    tier: &'static str,
    record: &mut impl FnMut(&'static str, TierStatus),
) -> Option<Result<Credentials, Error>> {
    match result {
        Ok(creds) => {
            record(tier, TierStatus::Resolved);
            Some(Ok(creds))
        }
        Err(e) if e.is_not_configured() => {
            record(tier, TierStatus::Skipped(e.message().to_owned()));
            None
        }
        Err(e) => {
            record(tier, TierStatus::Failed(e.to_string()));
            Some(Err(e))
        }
    }
}
