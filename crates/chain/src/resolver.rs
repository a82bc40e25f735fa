//! The walk through the tiers in the CLI's order, recording each one's outcome for `explain`.

use std::sync::{Arc, OnceLock};

use awscred_core::explain::{TierReport, TierStatus};
use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Detail, Env, Error, ProvideCredentials, Tier};
use awscred_profile::{ProfileContext, ProfileSource, SelectedProfile};

use crate::tiers;

/// The chain's events keep the crate's name as their target, as users filter them
/// (`AWSCRED_LOG=awscred_chain=debug`).
const LOG_TARGET: &str = "awscred_chain";

/// Runs the tiers; the `Chain` caches what it answers.
#[derive(Debug)]
pub(crate) struct Resolver {
    pub(crate) env: Env,
    cli_profile: Option<String>,
    profile_only: bool,
    /// `--region`.
    pub(crate) region: Option<String>,
    context: OnceLock<ProfileContext>,
    pub(crate) tiers: tiers::Tiers,
}

impl ProvideCredentials for Resolver {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(async move { self.run(&mut None).await })
    }
}

impl Resolver {
    pub(crate) fn new(
        env: Env,
        cli_profile: Option<String>,
        profile_only: bool,
        region: Option<String>,
        tiers: tiers::Tiers,
    ) -> Self {
        Resolver {
            env,
            cli_profile,
            profile_only,
            region,
            context: OnceLock::new(),
            tiers,
        }
    }

    pub(crate) fn selected_profile(&self) -> SelectedProfile {
        awscred_profile::selected_profile(self.cli_profile.as_deref(), &self.env)
    }

    pub(crate) fn context(&self) -> Result<&ProfileContext, Error> {
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

    pub(crate) async fn run(
        &self,
        report: &mut Option<Vec<TierReport>>,
    ) -> Result<Credentials, Error> {
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
                target: LOG_TARGET,
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
                tracing::debug!(target: LOG_TARGET, profile = %profile_name, tier = tier.name(), "the profile's tier applies");
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
                tracing::debug!(target: LOG_TARGET, profile = %profile_name, "no profile tier applies: {}", e.message());
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
            tracing::debug!(target: LOG_TARGET, tier = tier.name(), "trying");
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
            tracing::debug!(target: LOG_TARGET, tier = tier.name(), expiration = ?creds.expiration().map(awscred_core::timestamp::format_z), "tier resolved");
            record(tier, TierStatus::Resolved);
            Some(Ok(creds))
        }
        Err(e) if e.is_not_configured() => {
            tracing::debug!(target: LOG_TARGET, tier = tier.name(), why = %e.message(), "tier skipped");
            record(tier, TierStatus::Skipped(e.message().to_owned()));
            None
        }
        Err(e) => {
            tracing::debug!(target: LOG_TARGET, tier = tier.name(), error = %e, "tier failed");
            record(tier, TierStatus::Failed(e.to_string()));
            Some(Err(e))
        }
    }
}
