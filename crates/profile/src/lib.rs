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

mod context;
mod locations;
mod parser;
pub mod plan;
mod set;

pub use context::ProfileContext;
pub use locations::{FileLocations, selected_profile_name};
pub use set::{Location, ProfileSet, Property, Section, Warning};
