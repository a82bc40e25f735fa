//! The parts of `awscred explain`'s report that describe the configuration rather than the
//! tiers: the files read and the selected profile's chain. The profile crate fills them from the
//! parsed files (`awscred_profile::explain`); the chain puts them in its `Explanation`.
//!
//! ```
//! use awscred_core::explain::Hop;
//!
//! let hop = Hop::new("dev", "keys (aws_access_key_id at /home/u/.aws/credentials:2)");
//! assert_eq!(hop.profile, "dev");
//! ```

use std::path::PathBuf;

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
