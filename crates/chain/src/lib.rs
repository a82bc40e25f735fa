//! The AWS CLI v2 credential chain.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_core::{fs::MemFs, Env};
//!
//! // A profile with keys in ~/.aws/credentials; the environment is a fixed map and the files
//! // live in memory, so nothing on this machine is read (IMDS is switched off for the same
//! // reason: a chain that found nothing would end by asking it).
//! let fs = MemFs::default()
//!     .with_file("/home/u/.aws/config", "[profile dev]\nregion = eu-west-1\n")
//!     .with_file("/home/u/.aws/credentials", "[dev]\naws_access_key_id = AKID\naws_secret_access_key = S\n");
//! let env = Env::from_vars([("HOME", "/home/u"), ("AWS_EC2_METADATA_DISABLED", "true")])
//!     .with_fs(Arc::new(fs));
//! let chain = awscred_chain::Chain::builder().env(env).profile_name("dev").build();
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let creds = runtime.block_on(chain.resolve()).unwrap();
//! assert_eq!((creds.access_key_id(), creds.provider()), ("AKID", "shared-credentials-file"));
//! assert_eq!(chain.region().as_deref(), Some("eu-west-1"));
//!
//! // `explain` says which tier answered and why the others did not.
//! let explanation = runtime.block_on(chain.explain());
//! assert_eq!(explanation.tiers[0].tier, "env"); // skipped: --profile given
//! ```
//!
//! In a program, the defaults read the real environment and files and use the real network:
//!
//! ```no_run
//! # async fn demo() -> Result<(), awscred_core::Error> {
//! let chain = awscred_chain::Chain::builder().build();
//! let creds = chain.resolve().await?;
//! println!("{} from {}", creds.access_key_id(), creds.provider());
//! # Ok(()) }
//! ```
//!
//! Tiers, highest first, each behind the cargo feature named after it: `env` (environment
//! variables), then the profile tiers — assume role (`sts`), web identity (`sts`), IAM Identity
//! Center (`sso`), keys in the credentials file (`profile`), `aws login` sessions (`login`),
//! `credential_process` (`process`), keys in the config file (`profile`) — then container credentials (`ecs`) and EC2 instance
//! metadata (`imds`). A tier that is not configured passes to the next; a tier that is configured
//! and fails stops the chain with its error, as the CLI does. See `docs/precedence.md`, one page
//! per tier in `docs/tiers/`, and `docs/features.md` for what each feature pulls in.
//!
//! What to call: [`Chain::builder`] ([`ChainBuilder::env`], [`ChainBuilder::profile_name`] for
//! `--profile`, [`ChainBuilder::region_name`] for `--region` (or their `set_` and `Option`
//! forms), and with the network tiers
//! `ChainBuilder::http_client` and `ChainBuilder::mfa_prompt`), then [`Chain::resolve`] /
//! [`Chain::resolve_shared`], [`Chain::explain`] (an [`Explanation`]: the profile's selection,
//! the files, the profile's chain of roles, and one [`TierReport`] per tier, every tier in
//! order, named by [`Tier`], `NotReached` after the answer), [`Chain::profile_name`], [`Chain::region`] and [`Chain::profile_context`].
//! [`Chain`] is itself a [`ProvideCredentials`](awscred_core::ProvideCredentials); so is [`ProfileProvider`], the profile tiers
//! alone.
//!
//! The answer is kept in a [`refresh::RefreshCache`] with the CLI's refresh windows, so a
//! long-lived [`Chain`] serves cached credentials without I/O and refreshes them before they
//! expire. The cache lives in core (its `refresh` feature: `tokio` with sync and rt, for its
//! single flight and background refresh); each tier crate comes only with its feature.
mod chain;
mod profile_provider;
mod resolver;
mod tiers;

/// The refresh cache the chain keeps its answer in ([`awscred_core::refresh`]).
pub use awscred_core::refresh;
#[cfg(feature = "sts")]
pub use awscred_sts::MfaPrompt;

pub use awscred_core::Tier;
pub use awscred_core::explain::{Explanation, FileReport, Hop, TierReport, TierStatus};
pub use chain::{Chain, ChainBuilder};
pub use profile_provider::ProfileProvider;
