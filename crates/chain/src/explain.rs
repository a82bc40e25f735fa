//! What `awscred explain` prints.

use std::fmt;

use awscred_core::{Credentials, Error, timestamp};

/// The outcome of one tier.
#[derive(Debug)]
pub enum TierStatus {
    /// The tier produced the credentials.
    Resolved,
    /// The tier does not apply here; the reason.
    Skipped(String),
    /// The tier applied and failed; the chain stopped here.
    Failed(String),
    /// The tier is not compiled in; the cargo feature that would add it.
    NotCompiled(&'static str),
}

/// One tier's line of the report.
#[derive(Debug)]
pub struct TierReport {
    /// The tier's name (botocore's names: `env`, `assume-role`, `sso`, ...).
    pub tier: &'static str,
    /// What happened.
    pub status: TierStatus,
}

/// A walk through the chain. `Display` prints it for people; secrets are never shown.
#[derive(Debug)]
pub struct Explanation {
    /// The selected profile.
    pub profile: String,
    /// How it was selected: `--profile`, `env AWS_PROFILE`, `default`.
    pub profile_source: String,
    /// The region, when one is configured.
    pub region: Option<String>,
    /// The tiers consulted, in order.
    pub tiers: Vec<TierReport>,
    /// The answer.
    pub result: Result<Credentials, Error>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "profile: {} (from {})",
            self.profile, self.profile_source
        )?;
        writeln!(f, "region:  {}", self.region.as_deref().unwrap_or("(none)"))?;
        writeln!(f, "tiers:")?;
        for t in &self.tiers {
            let status = match &t.status {
                TierStatus::Resolved => "resolved".to_owned(),
                TierStatus::Skipped(why) => format!("skipped: {why}"),
                TierStatus::Failed(why) => format!("FAILED: {why}"),
                TierStatus::NotCompiled(feature) => {
                    format!("not compiled in (cargo feature `{feature}`)")
                }
            };
            writeln!(f, "  {:<32} {status}", t.tier)?;
        }
        match &self.result {
            Ok(creds) => {
                writeln!(f, "credentials: from {}", creds.provider())?;
                writeln!(f, "  access_key_id:     {}", creds.access_key_id())?;
                writeln!(f, "  secret_access_key: {}", creds.secret_access_key())?;
                if let Some(token) = creds.session_token() {
                    writeln!(f, "  session_token:     {token}")?;
                }
                if let Some(exp) = creds.expiration() {
                    writeln!(f, "  expiration:        {}", timestamp::format_z(exp))?;
                }
                if let Some(account) = creds.account_id() {
                    writeln!(f, "  account_id:        {account}")?;
                }
                if !creds.origins().is_empty() {
                    writeln!(f, "  where each value came from:")?;
                    for o in creds.origins() {
                        writeln!(f, "    {:<18} {}", o.what, o.from)?;
                    }
                }
            }
            Err(e) => writeln!(f, "error: {e}")?,
        }
        Ok(())
    }
}
