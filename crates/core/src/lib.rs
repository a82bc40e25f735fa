//! Shared types for awscred: [`Credentials`], [`Secret`], [`Error`], the [`ProvideCredentials`]
//! trait every tier implements, and the seams ([`Env`]: variables, files, clock) that let tests
//! run a whole resolution without touching the machine.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//! use awscred_core::clock::ManualClock;
//! use awscred_core::fs::MemFs;
//! use awscred_core::{timestamp, Credentials, Env, Secret};
//!
//! // An environment that is not the machine's: fixed variables, files in memory, a set clock.
//! let env = Env::from_vars([("HOME", "/home/u"), ("AWS_REGION", "eu-west-1")])
//!     .with_fs(Arc::new(MemFs::default().with_file("/home/u/.aws/config", "[default]\n")))
//!     .with_clock(Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))));
//! assert_eq!(env.non_empty_var("AWS_REGION").as_deref(), Some("eu-west-1"));
//! assert_eq!(env.aws_dir().unwrap(), std::path::Path::new("/home/u/.aws"));
//! let config = env.aws_dir().unwrap().join("config");
//! assert_eq!(env.read_file(&config, awscred_core::fs::ReadLimit::CONFIG).unwrap(), b"[default]\n");
//!
//! // Credentials keep their secrets in `Secret`: Debug never shows them.
//! let expiry = timestamp::parse("2030-01-01T00:00:00Z").unwrap();
//! let creds = Credentials::new("AKID", Secret::new("wJalr"), Some(Secret::new("FwoGZX")), Some(expiry), "env")
//!     .with_origin("access_key_id", "env AWS_ACCESS_KEY_ID");
//! assert_eq!(creds.secret_access_key().expose(), "wJalr");
//! let shown = format!("{creds:?}");
//! assert!(shown.contains("AKID") && !shown.contains("wJalr") && !shown.contains("FwoGZX"));
//! assert!(env.now() < creds.expiration().unwrap());
//! ```
//!
//! A tier is a [`ProvideCredentials`]; its errors say whether the chain moves on
//! ([`ErrorKind::NotConfigured`]) or stops (anything else):
//!
//! ```
//! use awscred_core::{Credentials, Error, ProvideCredentials, provider::BoxFuture, Result};
//!
//! #[derive(Debug)]
//! struct Fixed(Option<&'static str>);
//!
//! impl ProvideCredentials for Fixed {
//!     fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
//!         let answer = match self.0 {
//!             Some(key) => Ok(Credentials::new(key, "SECRET", None, None, "fixed")),
//!             None => Err(Error::not_configured("no key given")),
//!         };
//!         Box::pin(async move { answer })
//!     }
//! }
//! # let _ = Fixed(None);
//! assert!(Error::not_configured("no key given").is_not_configured());
//! assert!(!Error::invalid_config("bad value").is_not_configured());
//! ```
//!
//! Modules: [`env`](mod@env) (the [`Env`] seam), [`env_provider`] ([`EnvProvider`], the
//! environment-variable tier on its own: `AWS_ACCESS_KEY_ID` and the rest), [`explain`] (the
//! files and the profile's chain as `awscred explain` reports them), [`fs`] ([`fs::Fs`]: [`fs::RealFs`], whose
//! `write_atomic` writes a temporary file and renames it, mode 0600 and directories 0700, and
//! [`fs::MemFs`] for tests), [`clock`] ([`clock::SystemClock`], [`clock::ManualClock`]),
//! [`timestamp`] (ISO 8601 as the services and the CLI's caches write it), [`provider`],
//! [`lock`] (the lock file that lets one of many processes refresh a cache entry while the
//! others wait for its answer), [`cli_cache`] (the AWS CLI's `~/.aws/cli/cache`, the one store
//! of assumed roles, SSO role credentials and cached `credential_process` output), [`endpoint`] (the partitions and the regional endpoints of STS,
//! the SSO portal, SSO-OIDC and the sign-in service, checked against botocore's rules),
//! [`encoding`] (hex, base64, base64url, percent-encoding: one copy for every crate), [`tier`]
//! ([`Tier`]: the tiers' names, which `explain`, [`Credentials::provider`] and the logs use).
//!
//! The `http` feature adds `http::HttpClient`, the client the network tiers share, and
//! `http::HyperClient` (hyper 1 + rustls with the webpki roots; `HTTPS_PROXY` / `HTTP_PROXY` /
//! `NO_PROXY` and `AWS_CA_BUNDLE` honoured; responses limited to `http::MAX_BODY_BYTES`, 1 MiB),
//! and `retry` (the CLI v2's standard retry mode). The `json` feature adds
//! `credentials_document`, the reader of the JSON credentials document that instance metadata
//! and the container endpoints send (through `serde_json`). The `refresh` feature adds
//! `refresh::RefreshCache`, the cache in front of any provider that refreshes its credentials
//! with the CLI's windows (through tokio's `sync` and `rt`). Without features the crate depends
//! on `zeroize` and `tracing` only (and `libc` on Unix systems whose `<fcntl.h>` values are not
//! Linux's generic ones).
pub mod cli_cache;
pub mod clock;
mod credentials;
#[cfg(feature = "json")]
pub mod credentials_document;
pub mod encoding;
pub mod endpoint;
pub mod env;
pub mod env_provider;
mod error;
pub mod explain;
pub mod fs;
#[cfg(feature = "http")]
pub mod http;
pub mod lock;
pub mod provider;
pub mod pyjson;
#[cfg(feature = "refresh")]
pub mod refresh;
#[cfg(feature = "http")]
pub mod retry;
mod secret;
pub mod tier;
pub mod timestamp;

pub use credentials::{Credentials, Origin};
pub use env::Env;
pub use env_provider::EnvProvider;
pub use error::{Detail, Error, ErrorKind, Result};
pub use provider::ProvideCredentials;
pub use secret::{REDACTED, Secret};
pub use tier::Tier;
