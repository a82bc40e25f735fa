//! What `awscred explain` reports: the data (for tools: the command's `--json`) and its text
//! (`Display`). Secrets are never part of it: the credentials are shown by their access key id,
//! and every other value by where it came from. The chain walks the tiers and fills an
//! [`Explanation`]; the profile crate fills the parts that describe the configuration (the files
//! read and the selected profile's chain: `awscred_profile::explain`).
//!
//! ```
//! use awscred_core::explain::Hop;
//!
//! let hop = Hop::new("dev", "keys (aws_access_key_id at /home/u/.aws/credentials:2)");
//! assert_eq!(hop.profile, "dev");
//! ```

use std::fmt;
use std::path::PathBuf;

use crate::{Credentials, Error, Tier, timestamp};

/// A configuration file the chain read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileReport {
    /// `config` or `credentials`.
    pub kind: &'static str,
    /// The path.
    pub path: PathBuf,
    /// Where the path came from: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` or `default`.
    pub from: &'static str,
    /// Whether the file exists.
    pub exists: bool,
}

impl FileReport {
    /// The file of `kind` at `path`, named by `from`, and whether it `exists`.
    pub fn new(kind: &'static str, path: PathBuf, from: &'static str, exists: bool) -> Self {
        FileReport {
            kind,
            path,
            from,
            exists,
        }
    }
}

/// A step of the selected profile's chain: where the first credentials come from, then each role.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hop {
    /// The profile.
    pub profile: String,
    /// What it does: `keys in /home/u/.aws/credentials:3`, `assume role arn:... (role_arn at
    /// /home/u/.aws/config:7)`, `credential_process ...`.
    pub what: String,
}

impl Hop {
    /// The step of `profile` doing `what`.
    pub fn new(profile: impl Into<String>, what: impl Into<String>) -> Self {
        Hop {
            profile: profile.into(),
            what: what.into(),
        }
    }
}

/// The outcome of one tier.
#[derive(Debug)]
#[non_exhaustive]
pub enum TierStatus {
    /// The tier produced the credentials.
    Resolved,
    /// The tier does not apply here; the reason.
    Skipped(String),
    /// The tier applied and failed; the chain stopped here.
    Failed(String),
    /// The tier is not compiled in; the cargo feature that would add it.
    NotCompiled(&'static str),
    /// The chain stopped before this tier (an earlier tier answered or failed).
    NotReached,
}

impl TierStatus {
    /// A one-word name: `resolved`, `skipped`, `failed`, `not-compiled`, `not-reached`.
    pub fn name(&self) -> &'static str {
        match self {
            TierStatus::Resolved => "resolved",
            TierStatus::Skipped(_) => "skipped",
            TierStatus::Failed(_) => "failed",
            TierStatus::NotCompiled(_) => "not-compiled",
            TierStatus::NotReached => "not-reached",
        }
    }

    /// Why: the reason a tier was skipped or failed, or the feature it lacks.
    pub fn reason(&self) -> Option<String> {
        match self {
            TierStatus::Skipped(why) | TierStatus::Failed(why) => Some(why.clone()),
            TierStatus::NotCompiled(feature) => Some(format!("cargo feature `{feature}`")),
            TierStatus::Resolved | TierStatus::NotReached => None,
        }
    }
}

/// One tier's line of the report.
#[derive(Debug)]
#[non_exhaustive]
pub struct TierReport {
    /// The tier ([`Tier::name`]: botocore's names, `env`, `assume-role`, `sso`, ...).
    pub tier: Tier,
    /// What happened.
    pub status: TierStatus,
}

impl TierReport {
    /// What happened to `tier`.
    pub fn new(tier: Tier, status: TierStatus) -> Self {
        TierReport { tier, status }
    }
}

/// A walk through the chain. `Display` prints it for people; secrets are never shown.
#[derive(Debug)]
#[non_exhaustive]
pub struct Explanation {
    /// The selected profile.
    pub profile: String,
    /// How it was selected: `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`.
    pub profile_source: String,
    /// Whether the selected profile is in one of the files.
    pub profile_exists: bool,
    /// The region, when one is configured.
    pub region: Option<String>,
    /// Where the region came from: `--region`, `AWS_REGION`, `file:line`.
    pub region_source: Option<String>,
    /// The files read.
    pub files: Vec<FileReport>,
    /// The profiles that hold credentials of some kind (keys, a role, SSO, a process...).
    pub profiles_with_credentials: Vec<String>,
    /// A profile with a name close to the selected one, when that one has no credentials.
    pub did_you_mean: Option<String>,
    /// What the files hold that the CLI ignores or refuses, each with its `file:line` (a section
    /// without the `profile ` prefix in the config file, a duplicate key...).
    pub warnings: Vec<String>,
    /// The selected profile's chain, first credentials first (empty when it has none).
    pub hops: Vec<Hop>,
    /// The tiers, in the CLI's order, every one of them.
    pub tiers: Vec<TierReport>,
    /// The answer.
    pub result: Result<Credentials, Error>,
}

impl Explanation {
    /// The walk for `profile`, selected by `profile_source`, with the outcomes of the tiers it
    /// reached (`reached`; every other tier is [`TierStatus::NotReached`], and [`Explanation::tiers`]
    /// holds every tier in the CLI's order) and the `result`; the rest (the region, files,
    /// warnings, chain) empty until set.
    pub fn new(
        profile: String,
        profile_source: String,
        mut reached: Vec<TierReport>,
        result: Result<Credentials, Error>,
    ) -> Self {
        let tiers = Tier::ALL
            .into_iter()
            .map(|tier| match reached.iter().position(|r| r.tier == tier) {
                Some(i) => reached.swap_remove(i),
                None => TierReport::new(tier, TierStatus::NotReached),
            })
            .collect();
        Explanation {
            profile,
            profile_source,
            profile_exists: false,
            region: None,
            region_source: None,
            files: Vec::new(),
            profiles_with_credentials: Vec::new(),
            did_you_mean: None,
            warnings: Vec::new(),
            hops: Vec::new(),
            tiers,
            result,
        }
    }

    /// The selection, in words a newcomer reads: `default (no --profile, AWS_PROFILE or
    /// AWS_DEFAULT_PROFILE set)`, `dev (from --profile)`.
    pub fn profile_selection(&self) -> String {
        if self.profile_source == "default" {
            format!(
                "{} (no --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE set)",
                self.profile
            )
        } else {
            format!("{} (from {})", self.profile, self.profile_source)
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "profile: {}", self.profile_selection())?;
        if !self.profile_exists {
            writeln!(f, "         (this profile is in neither file)")?;
        }
        match (&self.region, &self.region_source) {
            (Some(region), Some(from)) => writeln!(f, "region:  {region} (from {from})")?,
            (Some(region), None) => writeln!(f, "region:  {region}")?,
            _ => writeln!(
                f,
                "region:  none (no --region, AWS_REGION, AWS_DEFAULT_REGION or region key)"
            )?,
        }
        writeln!(f, "files:")?;
        for file in &self.files {
            let exists = if file.exists { "" } else { " (not found)" };
            writeln!(
                f,
                "  {:<12} {}{exists} (from {})",
                file.kind,
                file.path.display(),
                file.from
            )?;
        }
        if !self.warnings.is_empty() {
            writeln!(f, "warnings about the files:")?;
            for warning in &self.warnings {
                writeln!(f, "  {warning}")?;
            }
        }
        if !self.hops.is_empty() {
            writeln!(f, "profile chain:")?;
            for hop in &self.hops {
                writeln!(f, "  {:<12} {}", hop.profile, hop.what)?;
            }
        }
        writeln!(f, "tiers, in order:")?;
        for t in &self.tiers {
            let status = match (&t.status, t.status.reason()) {
                // The error is printed once, after the report.
                (TierStatus::Failed(_), _) => "FAILED (the error follows)".to_owned(),
                (_, Some(why)) => format!("{}: {why}", t.status.name()),
                (_, None) => t.status.name().to_owned(),
            };
            writeln!(f, "  {:<32} {status}", t.tier)?;
        }
        match &self.result {
            Ok(creds) => {
                writeln!(f, "credentials: from {}", creds.provider())?;
                writeln!(f, "  access_key_id:     {}", creds.access_key_id())?;
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
            // The error itself is printed once, by the command, on stderr.
            Err(_) => writeln!(f, "credentials: none (the error follows)")?,
        }
        if self.result.is_err() || !self.profile_exists {
            let names = if self.profiles_with_credentials.is_empty() {
                "none".to_owned()
            } else {
                self.profiles_with_credentials.join(", ")
            };
            writeln!(f, "profiles with credentials in these files: {names}")?;
            if let Some(name) = &self.did_you_mean {
                writeln!(f, "did you mean `{name}`?")?;
            }
        }
        Ok(())
    }
}
