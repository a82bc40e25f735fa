//! Builds each tier's provider once per chain, so state that makes refreshes cheap (the IMDS
//! token, an assumed role's memo) lives as long as the chain.

use std::sync::{Arc, OnceLock};

use awscred_core::{Error, ProvideCredentials};
use awscred_profile::ProfileContext;
use awscred_profile::plan::{self, BaseCredentials, CredentialSource, ProfileChain};

#[cfg(feature = "http")]
use awscred_core::retry::RetryConfig;

use awscred_core::Tier;

type Provider = Arc<dyn ProvideCredentials>;

#[derive(Debug)]
pub(crate) struct Tiers {
    // With `http` alone (no network tier) the client is configured but never used.
    #[cfg(feature = "http")]
    #[cfg_attr(
        not(any(
            feature = "sts",
            feature = "sso",
            feature = "login",
            feature = "ecs",
            feature = "imds"
        )),
        allow(dead_code)
    )]
    http: OnceLock<Arc<dyn awscred_core::http::HttpClient>>,
    #[cfg(feature = "http")]
    retry: Option<RetryConfig>,
    #[cfg(feature = "sts")]
    mfa: awscred_sts::MfaPrompt,
    profile: OnceLock<(Tier, Provider)>,
    #[cfg(feature = "ecs")]
    container: OnceLock<Provider>,
    #[cfg(feature = "imds")]
    instance: OnceLock<Provider>,
}

impl Tiers {
    pub(crate) fn new(
        #[cfg(feature = "http")] http: Option<Arc<dyn awscred_core::http::HttpClient>>,
        #[cfg(feature = "http")] retry: Option<RetryConfig>,
        #[cfg(feature = "sts")] mfa: awscred_sts::MfaPrompt,
    ) -> Self {
        Tiers {
            #[cfg(feature = "http")]
            http: http.map(OnceLock::from).unwrap_or_default(),
            #[cfg(feature = "http")]
            retry,
            #[cfg(feature = "sts")]
            mfa,
            profile: OnceLock::new(),
            #[cfg(feature = "ecs")]
            container: OnceLock::new(),
            #[cfg(feature = "imds")]
            instance: OnceLock::new(),
        }
    }

    #[cfg(feature = "http")]
    #[cfg_attr(
        not(any(
            feature = "sts",
            feature = "sso",
            feature = "login",
            feature = "ecs",
            feature = "imds"
        )),
        allow(dead_code)
    )]
    fn http(&self, ctx: &ProfileContext) -> Arc<dyn awscred_core::http::HttpClient> {
        self.http
            .get_or_init(|| Arc::new(awscred_core::http::HyperClient::new(&ctx.env)))
            .clone()
    }

    /// The retry policy of the STS and SSO clients: the builder's, else what botocore gives a
    /// client: `AWS_RETRY_MODE` or the profile's `retry_mode` (`standard`, the CLI v2's default,
    /// and `adaptive`: three attempts; `legacy`: five), then `AWS_MAX_ATTEMPTS` or the profile's
    /// `max_attempts` (attempts in all, at least 1). A bad value is an error, as in the CLI.
    #[cfg(feature = "http")]
    #[cfg_attr(
        not(any(feature = "sts", feature = "sso", feature = "login")),
        allow(dead_code)
    )]
    fn retry(&self, ctx: &ProfileContext) -> Result<RetryConfig, Error> {
        if let Some(retry) = self.retry {
            return Ok(retry);
        }
        let mut retry = RetryConfig::default();
        if let Some(attempts) = awscred_profile::setting::retry_attempts(ctx)? {
            retry.max_attempts = attempts;
        }
        Ok(retry)
    }

    /// The provider of the profile tier that applies to the selected profile, and its name.
    /// Not configured when the profile yields no credentials.
    pub(crate) fn profile_provider(&self, ctx: &ProfileContext) -> Result<(Tier, Provider), Error> {
        if let Some((tier, provider)) = self.profile.get() {
            return Ok((*tier, provider.clone()));
        }
        let chain = plan::resolve_for_context(ctx)?;
        let tier = chain.tier();
        let provider = self.build_chain(ctx, &chain)?;
        let (tier, provider) = self.profile.get_or_init(|| (tier, provider));
        Ok((*tier, provider.clone()))
    }

    /// The container and instance-metadata tiers in order, or the feature each one lacks.
    pub(crate) fn machine_providers(
        &self,
        ctx: &ProfileContext,
    ) -> [(Tier, Result<Provider, &'static str>); 2] {
        [
            (Tier::Container, self.container(ctx)),
            (Tier::InstanceMetadata, self.instance(ctx)),
        ]
    }

    fn container(&self, ctx: &ProfileContext) -> Result<Provider, &'static str> {
        #[cfg(feature = "ecs")]
        {
            Ok(self
                .container
                .get_or_init(|| {
                    Arc::new(awscred_ecs::ContainerProvider::new(
                        &ctx.env,
                        self.http(ctx),
                    ))
                })
                .clone())
        }
        #[cfg(not(feature = "ecs"))]
        {
            let _ = ctx;
            Err(Tier::Container.feature())
        }
    }

    fn instance(&self, ctx: &ProfileContext) -> Result<Provider, &'static str> {
        #[cfg(feature = "imds")]
        {
            Ok(self
                .instance
                .get_or_init(|| Arc::new(awscred_imds::ImdsProvider::new(ctx, self.http(ctx))))
                .clone())
        }
        #[cfg(not(feature = "imds"))]
        {
            let _ = ctx;
            Err(Tier::InstanceMetadata.feature())
        }
    }

    fn build_chain(&self, ctx: &ProfileContext, chain: &ProfileChain) -> Result<Provider, Error> {
        let base = self.base_provider(ctx, &chain.base)?;
        #[cfg(feature = "sts")]
        {
            awscred_sts::assume_role_chain(ctx, chain, base, || self.sts_client(ctx), &self.mfa)
        }
        #[cfg(not(feature = "sts"))]
        match chain.roles.first() {
            None => Ok(base),
            Some(step) => Err(feature_error(
                &step.profile,
                &format!("role {}", step.role_arn),
                "sts",
            )),
        }
    }

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
        match base {
            BaseCredentials::AccessKey { profile, keys } => {
                if cfg!(feature = "profile") {
                    Ok(Arc::new(keys.credentials.clone()))
                } else {
                    Err(feature_error(profile, "static keys", "profile"))
                }
            }
            BaseCredentials::WebIdentity { profile, .. } => {
                #[cfg(feature = "sts")]
                {
                    let _ = profile;
                    let settings = awscred_sts::WebIdentitySettings::from_base(base)
                        .expect("a web identity base has web identity settings");
                    Ok(Arc::new(awscred_sts::WebIdentityProvider::new(
                        settings,
                        self.sts_client(ctx)?,
                        &ctx.env,
                    )))
                }
                #[cfg(not(feature = "sts"))]
                Err(feature_error(profile, "web identity", "sts"))
            }
            BaseCredentials::Sso { profile, settings } => {
                #[cfg(feature = "sso")]
                {
                    let _ = profile;
                    Ok(Arc::new(
                        awscred_sso::SsoProvider::from_settings(
                            ctx,
                            settings.clone(),
                            self.http(ctx),
                        )
                        .with_retry(self.retry(ctx)?),
                    ))
                }
                #[cfg(not(feature = "sso"))]
                {
                    let _ = settings;
                    Err(feature_error(profile, "IAM Identity Center", "sso"))
                }
            }
            BaseCredentials::Login { profile, session } => {
                #[cfg(feature = "login")]
                {
                    Ok(Arc::new(
                        awscred_login::LoginSessionProvider::new(ctx, profile, session)
                            .with_http(self.http(ctx))
                            .with_retry(self.retry(ctx)?),
                    ))
                }
                #[cfg(not(feature = "login"))]
                {
                    let _ = session;
                    Err(feature_error(profile, "an `aws login` session", "login"))
                }
            }
            BaseCredentials::CredentialProcess {
                profile,
                command,
                account_id,
                disk_cache,
            } => {
                #[cfg(feature = "process")]
                {
                    let provider = awscred_process::CredentialProcessProvider::new(
                        ctx.env.clone(),
                        profile.clone(),
                        command.clone(),
                        account_id.clone(),
                    );
                    Ok(Arc::new(if *disk_cache {
                        provider.with_disk_cache()
                    } else {
                        provider
                    }))
                }
                #[cfg(not(feature = "process"))]
                {
                    let _ = (command, account_id, disk_cache);
                    Err(feature_error(profile, "credential_process", "process"))
                }
            }
            BaseCredentials::CredentialSource { profile, source } => match source {
                CredentialSource::Environment => Ok(Arc::new(
                    awscred_core::EnvProvider::new(ctx.env.clone())
                        .as_credential_source_of(profile),
                )),
                CredentialSource::EcsContainer => self.container(ctx).map_err(|feature| {
                    feature_error(profile, "credential_source = EcsContainer", feature)
                }),
                CredentialSource::Ec2InstanceMetadata => self.instance(ctx).map_err(|feature| {
                    feature_error(profile, "credential_source = Ec2InstanceMetadata", feature)
                }),
            },
        }
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

fn feature_error(profile: &str, what: &str, feature: &str) -> Error {
    Error::invalid_config(format!(
        "profile {profile} uses {what}, but awscred was built without the `{feature}` feature"
    ))
}
