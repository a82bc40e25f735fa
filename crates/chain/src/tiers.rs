//! Builds each tier's provider once per chain, so state that makes refreshes cheap (the IMDS
//! token, an assumed role's memo) lives as long as the chain.

use std::sync::{Arc, OnceLock};

use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Error, ProvideCredentials};
use awscred_profile::ProfileContext;
use awscred_profile::plan::{self, BaseCredentials, CredentialSource, ProfileChain};

use crate::{env_tier, static_keys};

type Provider = Arc<dyn ProvideCredentials>;

#[derive(Debug)]
pub(crate) struct Tiers {
    #[cfg(feature = "http")]
    http: OnceLock<Arc<dyn awscred_core::http::HttpClient>>,
    #[cfg(feature = "sts")]
    mfa: awscred_sts::MfaPrompt,
    profile: OnceLock<(&'static str, Provider)>,
    #[cfg(feature = "ecs")]
    container: OnceLock<Provider>,
    #[cfg(feature = "imds")]
    instance: OnceLock<Provider>,
}

/// botocore's names for the tiers after the profile.
const CONTAINER: &str = "container-role";
const INSTANCE: &str = "iam-role";

impl Tiers {
    pub(crate) fn new(
        #[cfg(feature = "http")] http: Option<Arc<dyn awscred_core::http::HttpClient>>,
        #[cfg(feature = "sts")] mfa: awscred_sts::MfaPrompt,
    ) -> Self {
        Tiers {
            #[cfg(feature = "http")]
            http: http.map(OnceLock::from).unwrap_or_default(),
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
    fn http(&self, ctx: &ProfileContext) -> Arc<dyn awscred_core::http::HttpClient> {
        self.http
            .get_or_init(|| Arc::new(awscred_core::http::HyperClient::new(&ctx.env)))
            .clone()
    }

    /// The provider of the profile tier that applies to the selected profile, and its name.
    /// Not configured when the profile yields no credentials.
    pub(crate) fn profile_provider(
        &self,
        ctx: &ProfileContext,
    ) -> Result<(&'static str, Provider), Error> {
        if let Some((tier, provider)) = self.profile.get() {
            return Ok((tier, provider.clone()));
        }
        let chain = plan::resolve_for_context(ctx)?;
        let tier = tier_of(ctx, &chain);
        let provider = self.build_chain(ctx, &chain)?;
        let (tier, provider) = self.profile.get_or_init(|| (tier, provider));
        Ok((tier, provider.clone()))
    }

    /// The container and instance-metadata tiers in order, or the feature each one lacks.
    pub(crate) fn machine_providers(
        &self,
        ctx: &ProfileContext,
    ) -> [(&'static str, Result<Provider, &'static str>); 2] {
        [
            (CONTAINER, self.container(ctx)),
            (INSTANCE, self.instance(ctx)),
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
            Err("ecs")
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
            Err("imds")
        }
    }

    fn build_chain(&self, ctx: &ProfileContext, chain: &ProfileChain) -> Result<Provider, Error> {
        let base = self.base_provider(ctx, &chain.base)?;
        if chain.roles.is_empty() {
            return Ok(base);
        }
        #[cfg(feature = "sts")]
        {
            let client = self.sts_client(ctx)?;
            let mut provider = base;
            for step in &chain.roles {
                provider = Arc::new(
                    awscred_sts::AssumeRoleProvider::new(
                        provider,
                        step.clone(),
                        client.clone(),
                        &ctx.env,
                    )
                    .with_mfa_prompt(self.mfa.clone()),
                );
            }
            Ok(provider)
        }
        #[cfg(not(feature = "sts"))]
        {
            let step = &chain.roles[0];
            Err(missing_feature(
                &step.profile,
                &format!("role {}", step.role_arn),
                "sts",
            ))
        }
    }

    #[cfg(feature = "sts")]
    fn sts_client(&self, ctx: &ProfileContext) -> Result<awscred_sts::StsClient, Error> {
        let endpoint = awscred_sts::StsEndpoint::resolve(ctx)?;
        Ok(awscred_sts::StsClient::new(self.http(ctx), endpoint).with_clock(ctx.env.clock()))
    }

    fn base_provider(
        &self,
        ctx: &ProfileContext,
        base: &BaseCredentials,
    ) -> Result<Provider, Error> {
        match base {
            BaseCredentials::AccessKey { profile } => {
                if cfg!(feature = "profile") {
                    Ok(Arc::new(Ready(static_keys::resolve(
                        &ctx.profiles,
                        profile,
                    )?)))
                } else {
                    Err(missing_feature(profile, "static keys", "profile"))
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
                Err(missing_feature(profile, "web identity", "sts"))
            }
            BaseCredentials::Sso { profile } => {
                #[cfg(feature = "sso")]
                {
                    Ok(Arc::new(awscred_sso::SsoProvider::new(
                        ctx,
                        profile,
                        self.http(ctx),
                    )?))
                }
                #[cfg(not(feature = "sso"))]
                Err(missing_feature(profile, "IAM Identity Center", "sso"))
            }
            BaseCredentials::CredentialProcess { profile, command } => {
                #[cfg(feature = "process")]
                {
                    let account = ctx
                        .profiles
                        .profile(profile)
                        .and_then(|p| p.get("aws_account_id"))
                        .map(str::to_owned);
                    Ok(Arc::new(awscred_process::CredentialProcessProvider::new(
                        ctx.env.clone(),
                        profile.clone(),
                        command.clone(),
                        account,
                    )))
                }
                #[cfg(not(feature = "process"))]
                {
                    let _ = command;
                    Err(missing_feature(profile, "credential_process", "process"))
                }
            }
            BaseCredentials::CredentialSource { profile, source } => match source {
                CredentialSource::Environment => Ok(Arc::new(EnvSource {
                    env: ctx.env.clone(),
                    profile: profile.clone(),
                })),
                CredentialSource::EcsContainer => self.container(ctx).map_err(|feature| {
                    missing_feature(profile, "credential_source = EcsContainer", feature)
                }),
                CredentialSource::Ec2InstanceMetadata => self.instance(ctx).map_err(|feature| {
                    missing_feature(profile, "credential_source = Ec2InstanceMetadata", feature)
                }),
            },
        }
    }
}

fn tier_of(ctx: &ProfileContext, chain: &ProfileChain) -> &'static str {
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

fn missing_feature(profile: &str, what: &str, feature: &str) -> Error {
    Error::invalid_config(format!(
        "profile {profile} uses {what}, but awscred was built without the `{feature}` feature"
    ))
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

/// `credential_source = Environment`: the environment-variable tier as a role's source.
#[derive(Debug)]
struct EnvSource {
    env: awscred_core::Env,
    profile: String,
}

impl ProvideCredentials for EnvSource {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let result = env_tier::resolve(&self.env).map_err(|e| {
            if e.is_not_configured() {
                // botocore's words for a credential_source that has nothing.
                Error::not_configured(format!(
                    "No credentials found in credential_source referenced in profile {} \
                     (Environment: {})",
                    self.profile,
                    e.message()
                ))
            } else {
                e
            }
        });
        Box::pin(async move { result })
    }
}
