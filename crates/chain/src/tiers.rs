//! Builds each tier's provider once per chain, so what makes refreshes cheap (the IMDS token, a
//! role's memo) lives as long as the chain. A tier compiled out is an error naming its feature.

use std::sync::{Arc, OnceLock};

use awscred_core::{Error, ProvideCredentials, Tier};
use awscred_profile::ProfileContext;
use awscred_profile::plan::{self, BaseCredentials, CredentialSource};

type Provider = Arc<dyn ProvideCredentials>;

/// The tiers' providers, each built on first use, and what the builder sets for the network
/// tiers.
#[derive(Debug, Default)]
pub(crate) struct Tiers {
    /// The HTTP client, made on first use unless the builder gave one.
    #[cfg(feature = "http")]
    pub(crate) http: OnceLock<Arc<dyn awscred_core::http::HttpClient>>,
    #[cfg(feature = "http")]
    pub(crate) retry: Option<awscred_core::retry::RetryConfig>,
    #[cfg(feature = "sts")]
    pub(crate) mfa: awscred_sts::MfaPrompt,
    profile: OnceLock<(Tier, Provider)>,
    #[cfg(feature = "ecs")]
    container: OnceLock<Provider>,
    #[cfg(feature = "imds")]
    instance: OnceLock<Provider>,
}

// Unused in part when no tier needs it (`http` alone; `retry` with only ecs and imds).
#[cfg(feature = "http")]
#[allow(dead_code)]
impl Tiers {
    fn http(&self, ctx: &ProfileContext) -> Arc<dyn awscred_core::http::HttpClient> {
        let make = || Arc::new(awscred_core::http::HyperClient::new(&ctx.env)) as _;
        self.http.get_or_init(make).clone()
    }

    /// The retry policy of the STS, SSO and sign-in clients: the builder's, else the profile's
    /// and the environment's (`awscred_profile::setting::retry_attempts`), else the CLI v2's.
    fn retry(&self, ctx: &ProfileContext) -> Result<awscred_core::retry::RetryConfig, Error> {
        if let Some(retry) = self.retry {
            return Ok(retry);
        }
        let retry = awscred_core::retry::RetryConfig::default();
        let attempts = awscred_profile::setting::retry_attempts(ctx)?;
        Ok(attempts.map_or(retry, |n| retry.with_max_attempts(n)))
    }
}

impl Tiers {
    /// The provider of the profile tier that applies to the selected profile, and its name.
    /// Not configured when the profile yields no credentials.
    pub(crate) fn profile_provider(&self, ctx: &ProfileContext) -> Result<(Tier, Provider), Error> {
        if let Some((tier, provider)) = self.profile.get() {
            return Ok((*tier, provider.clone()));
        }
        let chain = plan::resolve_for_context(ctx)?;
        let base = self.base_provider(ctx, &chain.base)?;
        #[cfg(feature = "sts")]
        let provider =
            awscred_sts::assume_role_chain(ctx, &chain, base, || self.sts_client(ctx), &self.mfa)?;
        #[cfg(not(feature = "sts"))]
        let provider = match chain.roles.first() {
            None => base,
            Some(step) => {
                let what = format!("role {}", step.role_arn);
                return Err(not_compiled(&step.profile, &what, Tier::AssumeRole));
            }
        };
        let (tier, provider) = self.profile.get_or_init(|| (chain.tier(), provider));
        Ok((*tier, provider.clone()))
    }

    /// The container tier's provider; `None` when it is compiled out.
    #[cfg(feature = "ecs")]
    pub(crate) fn container(&self, ctx: &ProfileContext) -> Option<Provider> {
        let make = || {
            Arc::new(awscred_ecs::ContainerProvider::new(
                &ctx.env,
                self.http(ctx),
            )) as _
        };
        Some(self.container.get_or_init(make).clone())
    }

    /// The instance-metadata tier's provider; `None` when it is compiled out.
    #[cfg(feature = "imds")]
    pub(crate) fn instance(&self, ctx: &ProfileContext) -> Option<Provider> {
        let make = || Arc::new(awscred_imds::ImdsProvider::new(ctx, self.http(ctx))) as _;
        Some(self.instance.get_or_init(make).clone())
    }

    #[cfg(not(feature = "ecs"))]
    pub(crate) fn container(&self, _: &ProfileContext) -> Option<Provider> {
        None
    }

    #[cfg(not(feature = "imds"))]
    pub(crate) fn instance(&self, _: &ProfileContext) -> Option<Provider> {
        None
    }

    /// The STS client of the selected profile: its endpoint, the chain's HTTP client and clock,
    /// and the retry policy.
    #[cfg(feature = "sts")]
    pub(crate) fn sts_client(&self, ctx: &ProfileContext) -> Result<awscred_sts::StsClient, Error> {
        let endpoint = awscred_sts::StsEndpoint::resolve(ctx)?;
        Ok(awscred_sts::StsClient::new(self.http(ctx), endpoint)
            .with_clock(ctx.env.clock())
            .with_retry(self.retry(ctx)?))
    }

    fn base_provider(
        &self,
        ctx: &ProfileContext,
        base: &BaseCredentials,
    ) -> Result<Provider, Error> {
        Ok(match base {
            #[cfg(feature = "profile")]
            BaseCredentials::AccessKey { keys, .. } => Arc::new(keys.credentials.clone()),
            #[cfg(feature = "sts")]
            BaseCredentials::WebIdentity { .. } => Arc::new(awscred_sts::WebIdentityProvider::new(
                awscred_sts::WebIdentitySettings::from_base(base)
                    .expect("a web identity base has web identity settings"),
                self.sts_client(ctx)?,
                &ctx.env,
            )),
            #[cfg(feature = "sso")]
            BaseCredentials::Sso { settings, .. } => Arc::new(
                awscred_sso::SsoProvider::from_settings(ctx, settings.clone(), self.http(ctx))
                    .with_retry(self.retry(ctx)?),
            ),
            #[cfg(feature = "login")]
            BaseCredentials::Login { profile, session } => Arc::new(
                awscred_login::LoginSessionProvider::new(ctx, profile, session)
                    .with_http(self.http(ctx))
                    .with_retry(self.retry(ctx)?),
            ),
            #[cfg(feature = "process")]
            BaseCredentials::CredentialProcess {
                profile,
                command,
                account_id,
                disk_cache,
            } => {
                let provider = awscred_process::CredentialProcessProvider::new(
                    ctx.env.clone(),
                    profile.clone(),
                    command.clone(),
                    account_id.clone(),
                );
                Arc::new(provider.with_disk_cache(*disk_cache))
            }
            BaseCredentials::CredentialSource { profile, source } => match source {
                // The environment tier's reader is core's, so this source needs no feature.
                CredentialSource::Environment => Some(Arc::new(
                    awscred_core::EnvProvider::new(ctx.env.clone())
                        .as_credential_source_of(profile),
                ) as Provider),
                CredentialSource::EcsContainer => self.container(ctx),
                CredentialSource::Ec2InstanceMetadata => self.instance(ctx),
            }
            .ok_or_else(|| not_compiled(base.profile(), &base.describe(), base.tier()))?,
            // Reached only for a tier compiled out of this build.
            #[allow(unreachable_patterns)]
            _ => return Err(not_compiled(base.profile(), &base.describe(), base.tier())),
        })
    }
}

/// The cargo feature `tier` needs, when this build lacks it.
pub(crate) fn missing_feature(tier: Tier) -> Option<&'static str> {
    let on = match tier {
        Tier::Env => cfg!(feature = "env"),
        Tier::AssumeRole | Tier::WebIdentity => cfg!(feature = "sts"),
        Tier::Sso => cfg!(feature = "sso"),
        Tier::Login => cfg!(feature = "login"),
        Tier::CredentialProcess => cfg!(feature = "process"),
        Tier::CredentialsFile | Tier::ConfigFile => cfg!(feature = "profile"),
        Tier::Container => cfg!(feature = "ecs"),
        Tier::InstanceMetadata => cfg!(feature = "imds"),
        // A tier this version of the chain does not know is not compiled in.
        _ => false,
    };
    (!on).then_some(tier.feature())
}

fn not_compiled(profile: &str, what: &str, tier: Tier) -> Error {
    let feature = tier.feature();
    Error::invalid_config(format!(
        "profile {profile} uses {what}, but awscred was built without the `{feature}` feature"
    ))
}
