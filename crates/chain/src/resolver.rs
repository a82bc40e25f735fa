//! The walk through the tiers in the CLI's order, recording each one's outcome for `explain`.

use std::sync::{Arc, OnceLock};

use awscred_core::explain::{TierReport, TierStatus};
use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Detail, Env, Error, ProvideCredentials, Tier};
use awscred_profile::{ProfileContext, ProfileSource, SelectedProfile};

use crate::tiers;

/// The crate's name, which users filter the chain's events by (`AWSCRED_LOG=awscred_chain=debug`).
const LOG_TARGET: &str = "awscred_chain";

/// Runs the tiers; the `Chain` caches what it answers.
#[derive(Debug)]
pub(crate) struct Resolver {
    pub(crate) env: Env,
    /// `--profile`.
    pub(crate) cli_profile: Option<String>,
    /// Only the profile tiers ([`crate::ProfileProvider`]).
    pub(crate) profile_only: bool,
    /// `--region`.
    pub(crate) region: Option<String>,
    /// The files and the selected profile, read on first use.
    pub(crate) context: OnceLock<ProfileContext>,
    pub(crate) tiers: tiers::Tiers,
}

impl ProvideCredentials for Resolver {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(async move { self.run(&mut None).await })
    }
}

impl Resolver {
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
        let explaining = report.is_some();
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
        let (profile_name, source) = (selected.name, selected.source);

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
            let what = "trying AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY";
            tracing::debug!(target: LOG_TARGET, tier = Tier::Env.name(), "{what}");
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
                record_profile_tiers_before(explaining.then_some(ctx), Some(tier), &mut record);
                let result = provider.provide_credentials().await;
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
                record_profile_tiers_before(explaining.then_some(ctx), None, &mut record);
                if self.profile_only {
                    return Err(e);
                }
            }
            Err(e) => {
                let tier = awscred_profile::explain::first_applying_tier(ctx);
                record_profile_tiers_before(explaining.then_some(ctx), Some(tier), &mut record);
                record(tier, TierStatus::Failed(e.to_string()));
                return Err(e);
            }
        }

        // 3. Container credentials, then 4. instance metadata.
        let mut unreachable = None;
        let machine = [
            (Tier::Container, self.tiers.container(ctx)),
            (Tier::InstanceMetadata, self.tiers.instance(ctx)),
        ];
        for (tier, provider) in machine {
            let Some(provider) = provider else {
                record(tier, TierStatus::NotCompiled(tier.feature()));
                continue;
            };
            tracing::debug!(target: LOG_TARGET, tier = tier.name(), "trying");
            let result = provider.provide_credentials().await;
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

/// Records the profile tiers before `chosen` (all when `None`), with why; `ctx` only if reporting.
fn record_profile_tiers_before(
    ctx: Option<&ProfileContext>,
    chosen: Option<Tier>,
    record: &mut impl FnMut(Tier, TierStatus),
) {
    let Some(ctx) = ctx else { return };
    for (tier, why) in awscred_profile::explain::profile_tiers_before(ctx, chosen) {
        let status = match tiers::missing_feature(tier) {
            Some(feature) => TierStatus::NotCompiled(feature),
            None => TierStatus::Skipped(why),
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
