//! Shared types for awscred: [`Credentials`], [`Secret`], [`Error`], the [`ProvideCredentials`]
//! trait every tier implements, and the seams ([`Env`]: variables, files, clock) that let tests
//! run a whole resolution without touching the machine.
//!
//! ```
//! use awscred_core::{Credentials, Error, ProvideCredentials, provider::BoxFuture, Result};
//!
//! #[derive(Debug)]
//! struct Fixed;
//!
//! impl ProvideCredentials for Fixed {
//!     fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
//!         Box::pin(async { Ok(Credentials::new("AKID", "SECRET", None, None, "fixed")) })
//!     }
//! }
//! # let _ = Error::not_configured("unused");
//! ```
//!
//! The `http` feature adds [`http::HttpClient`], the client the network tiers share.

pub mod clock;
mod credentials;
pub mod env;
mod error;
pub mod fs;
#[cfg(feature = "http")]
pub mod http;
pub mod provider;
mod secret;
pub mod timestamp;

pub use credentials::{Credentials, Origin};
pub use env::Env;
pub use error::{Error, ErrorKind, Result};
pub use provider::ProvideCredentials;
pub use secret::{REDACTED, Secret};
