//! The AWS shared config and credentials files (`~/.aws/config`, `~/.aws/credentials`), read as
//! the AWS CLI v2 reads them.
//!
//! ```
//! use std::path::Path;
//! use awscred_profile::ProfileSet;
//!
//! let set = ProfileSet::parse(
//!     Some((Path::new("/home/u/.aws/config"), "[profile dev]\nregion = eu-west-1\n")),
//!     Some((Path::new("/home/u/.aws/credentials"), "[dev]\naws_access_key_id = AKID\n")),
//! );
//! let dev = set.profile("dev").unwrap();
//! assert_eq!(dev.get("region"), Some("eu-west-1"));
//! assert_eq!(dev.property("aws_access_key_id").unwrap().location().to_string(),
//!            "/home/u/.aws/credentials:2");
//! ```
//!
//! # How the files are read
//!
//! Each file is read first exactly as the AWS CLI reads it (botocore on Python's
//! `configparser`): `=` or `:` between key and value, whole-line `#`/`;` comments only (a `#`
//! after a value is part of the value), continuation lines indented deeper than their key,
//! sub-property blocks (`s3 =` followed by indented `key = value` lines), keys lower-cased,
//! `[DEFAULT]` inherited by every section, `[profile NAME]` split like a shell word list. The
//! credentials file overrides the config file key by key.
//!
//! A file the CLI refuses outright (duplicated sections or keys) is read with the AWS SDKs'
//! shared grammar instead, which merges duplicates, and [`ProfileSet::cli_refusals`] says so. A
//! line neither grammar accepts is an error naming file and line ([`ProfileSet::try_parse`],
//! [`ProfileSet::load`]); [`ProfileSet::parse`] skips it. Every value remembers its
//! [`Location`]; [`Warning`]s name file and line and never quote values.
//! `docs/conformance.md` lists where this differs from the cross-SDK suites, and why.
//!
//! ```
//! use std::path::Path;
//! use awscred_profile::ProfileSet;
//!
//! let config = Path::new("/home/u/.aws/config");
//! let set = ProfileSet::parse(Some((config, "[profile a]\nk = v # kept\n[profile a]\nj = w\n")), None);
//! // The CLI refuses the duplicate section; the SDKs' grammar merges it and strips the comment.
//! assert_eq!(set.profile("a").unwrap().get("k"), Some("v"));
//! assert_eq!(set.cli_refusals()[0].location.line, 3);
//!
//! let err = ProfileSet::try_parse(Some((config, "region = x\n")), None).unwrap_err();
//! assert!(err.to_string().starts_with("Unable to parse config file: /home/u/.aws/config:1:"));
//! ```
//!
//! # Where the files are, and which profile
//!
//! [`FileLocations::from_env`] (or [`FileLocations::for_platform`]) finds the files as the CLI
//! does; [`selected_profile`] picks the profile (`--profile`, `AWS_PROFILE`,
//! `AWS_DEFAULT_PROFILE`, `default`, in the CLI v2's order) and says whether it was named
//! explicitly. [`opt_in`] reads awscred's own true/false keys of a profile (the MFA session,
//! the `credential_process` disk cache), which the CLI ignores. [`explain`] describes the
//! configuration for `awscred explain`: the files, where the region came from, the profiles with
//! credentials and the selected profile's chain.
//!
//! # Settings
//!
//! [`setting`] reads a setting as the CLI does (a variable, then the selected profile's key,
//! then a default) and remembers where its value came from.
//!
//! # Writing the files
//!
//! [`writer`] edits them as the CLI's `aws configure set` does, keeping every other byte.
//!
//! # Dependencies
//!
//! `nom` (the line grammar) and `tracing` (warnings), both shared with the rest of the
//! workspace; no regex, no hashing crate (a small FxHash lives in the crate).

mod context;
pub mod endpoint;
pub mod explain;
mod locations;
mod opt_in;
mod parser;
pub mod plan;
mod set;
pub mod setting;
mod shlex;
pub mod sso;
pub mod writer;

pub use context::ProfileContext;
pub use locations::{
    FileLocations, Platform, ProfileSource, SelectedProfile, expand_path, selected_profile,
    selected_profile_name,
};
pub use opt_in::opt_in;
pub use set::{Location, MAX_FILE_BYTES, ProfileSet, Property, Section, Warning};
