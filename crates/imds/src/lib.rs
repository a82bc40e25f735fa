//! EC2 instance metadata (IMDS) credentials, fetched as the AWS CLI v2 fetches them.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use awscred_core::http::HyperClient;
//! use awscred_core::{fs::MemFs, Env, ProvideCredentials};
//! use awscred_imds::{ImdsConfig, ImdsProvider};
//! use awscred_profile::{ProfileContext, ProfileSet};
//!
//! // The settings: variables first, then the selected profile's keys, as in the CLI.
//! let env = Env::from_vars([("HOME", "/home/u"), ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")])
//!     .with_fs(Arc::new(MemFs::default().with_file(
//!         "/home/u/.aws/config",
//!         "[default]\nmetadata_service_timeout = 0.5\nec2_metadata_service_endpoint_mode = IPv6\n",
//!     )));
//! let ctx = ProfileContext::new(env.clone(), Arc::new(ProfileSet::load(&env)?), "default".into());
//! let config = ImdsConfig::from_context(&ctx, &Default::default())?;
//! assert_eq!(config.endpoint, "http://[fd00:ec2::254]");
//! assert_eq!((config.timeout, config.attempts), (Duration::from_millis(500), 2));
//!
//! // Switched off, the tier is "not configured" (the chain moves on) and sends nothing.
//! let off = Env::from_vars([("AWS_EC2_METADATA_DISABLED", "true")]);
//! let ctx = ProfileContext::new(off.clone(), ctx.profiles.clone(), ctx.profile_name.clone());
//! let imds = ImdsProvider::new(&ctx, Arc::new(HyperClient::new(&off)));
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! let err = runtime.block_on(imds.provide_credentials()).unwrap_err();
//! assert!(err.is_not_configured());
//! # Ok::<(), awscred_core::Error>(())
//! ```
//!
//! On an instance (needs the network):
//!
//! ```no_run
//! use std::sync::Arc;
//! use awscred_core::{Env, ProvideCredentials};
//! use awscred_core::http::HyperClient;
//! use awscred_profile::{ProfileContext, ProfileSet};
//!
//! # async fn run() -> Result<(), awscred_core::Error> {
//! let env = Env::real();
//! let ctx = ProfileContext::new(env.clone(), Arc::new(ProfileSet::load(&env)?), awscred_profile::selected_profile_name(None, &env));
//! let imds = awscred_imds::ImdsProvider::new(&ctx, Arc::new(HyperClient::new(&env)));
//! match imds.provide_credentials().await {
//!     Ok(creds) => println!("{} (role credentials)", creds.access_key_id()),
//!     Err(e) if e.is_not_configured() => println!("not on EC2: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! # What it does
//!
//! 1. `PUT /latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds: 21600` (IMDSv2). The
//!    token is kept and reused until two minutes before it expires, so a refresh costs two
//!    requests, not three.
//! 2. `GET /latest/meta-data/iam/security-credentials/` with `x-aws-ec2-metadata-token`: the
//!    role name: the whole body, as the CLI takes it. A listing of several lines names no role
//!    (the CLI asks for the whole listing as one name and finds no credentials); awscred ends
//!    there without sending that request.
//! 3. `GET /latest/meta-data/iam/security-credentials/<role>`: `AccessKeyId`,
//!    `SecretAccessKey`, `Token`, `Expiration`, and `AccountId` when given; a `Code` other than
//!    `Success` is an error.
//!
//! A token request answered 403, 404 or 405, timed out, or failing on every attempt falls back
//! to IMDSv1 (the same GETs without a token), as the CLI does, unless
//! `AWS_EC2_METADATA_V1_DISABLED` / `ec2_metadata_v1_disabled` is true: then the error says so.
//! A 401 to a cached token fetches a new token and retries once.
//!
//! # Settings (variable over profile key, as in the CLI)
//!
//! | variable | profile key | default |
//! |---|---|---|
//! | `AWS_EC2_METADATA_DISABLED` (`true`: tier off) | | false |
//! | `AWS_EC2_METADATA_SERVICE_ENDPOINT` | `ec2_metadata_service_endpoint` | by mode |
//! | `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (`IPv4`, `IPv6`) | `ec2_metadata_service_endpoint_mode` | IPv4: `http://169.254.169.254`; IPv6: `http://[fd00:ec2::254]` |
//! | `AWS_METADATA_SERVICE_TIMEOUT` (seconds) | `metadata_service_timeout` | 1 |
//! | `AWS_METADATA_SERVICE_NUM_ATTEMPTS` | `metadata_service_num_attempts` | 1 |
//! | `AWS_EC2_METADATA_V1_DISABLED` | `ec2_metadata_v1_disabled` | false |
//!
//! # Outcomes
//!
//! - Disabled, IMDS not answering (not on EC2), no role attached, or a non-success status after
//!   every attempt: [`ErrorKind::NotConfigured`](awscred_core::ErrorKind::NotConfigured) with
//!   the reason, so the chain ends with "no credentials" as the CLI does.
//! - IMDS answering 200 with something unusable (bad JSON, missing fields, `Code` not
//!   `Success`, a role name that is not one): an error that stops the chain.
//! - A bad setting: an error naming the variable or profile key.
//!
//! # Quick to fail
//!
//! The token request and the IMDSv1 fallback share one deadline (the timeout times the
//! attempts): the IMDSv1 listing starts as soon as the token request fails, or after half the
//! timeout without an answer, and whichever yields a role name first wins. So an endpoint that
//! accepts connections and never answers costs one timeout (1 s by default; the CLI pays two),
//! while an instance whose token answers are lost to the hop limit still gets its IMDSv1
//! answer.
//!
//! # Static stability
//!
//! As botocore's `_evaluate_expiration`: credentials that arrive expired or expiring within the
//! refresh window (10 minutes plus 2 to 10 minutes of jitter) are made to expire at the end of
//! that window from now, with a warning. When a fetch fails and an earlier fetch succeeded, the
//! earlier credentials are returned the same way, with a warning.
//!
//! # Dependencies
//!
//! awscred-core's `json` feature reads the credentials document with `serde_json` (a real JSON
//! parser: IMDS answers with arbitrary whitespace and extra fields, and hostile input must be
//! refused cleanly; the container tier reads the same document the same way); `tokio`
//! supplies the timers for the shared deadline; `zeroize` wipes response bodies holding secrets.

mod config;
mod parse;
mod provider;

pub use config::{
    DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, EndpointMode, IPV4_ENDPOINT, IPV6_ENDPOINT, ImdsConfig,
    Overrides,
};
pub use parse::{PROVIDER_NAME, parse_credentials, parse_role_name};
pub use provider::ImdsProvider;
