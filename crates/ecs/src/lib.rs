//! Container credentials, fetched as the AWS CLI v2 fetches them: the ECS task role and EKS Pod
//! Identity (or any endpoint speaking their protocol).
//!
//! ```
//! use std::sync::Arc;
//! use awscred_core::http::HyperClient;
//! use awscred_core::{Env, ProvideCredentials};
//! use awscred_ecs::ContainerProvider;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let provider = |vars: &[(&str, &str)]| {
//!     let env = Env::from_vars(vars.iter().copied());
//!     ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)))
//! };
//!
//! // The ECS agent's relative URI is fetched from 169.254.170.2.
//! let ecs = provider(&[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")]);
//! let uri = runtime.block_on(ecs.endpoint())?;
//! assert_eq!(uri.to_string(), "http://169.254.170.2/v2/credentials/abc");
//!
//! // A full URI over plain http must stay on this machine or the container agents.
//! let remote = provider(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.7/creds")]);
//! let err = runtime.block_on(remote.endpoint()).unwrap_err();
//! assert!(err.to_string().contains("Unsupported host '192.0.2.7'"));
//!
//! // Outside a container the tier is "not configured": the chain moves on, nothing is sent.
//! let none = provider(&[]);
//! assert!(runtime.block_on(none.provide_credentials()).unwrap_err().is_not_configured());
//! # Ok::<(), awscred_core::Error>(())
//! ```
//!
//! In a container (needs the network):
//!
//! ```no_run
//! use std::sync::Arc;
//! use awscred_core::{Env, ProvideCredentials};
//! use awscred_core::http::HyperClient;
//!
//! # async fn run() -> Result<(), awscred_core::Error> {
//! let env = Env::real();
//! let container = awscred_ecs::ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)));
//! match container.provide_credentials().await {
//!     Ok(creds) => println!("{} (container credentials)", creds.access_key_id()),
//!     Err(e) if e.is_not_configured() => println!("not in a container: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! # Rules (as the CLI's `ContainerProvider`)
//!
//! - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (the ECS agent sets it): `GET
//!   http://169.254.170.2<relative URI>`. It takes precedence over the full URI. It must be a
//!   path (start with `/`, no `@`): the CLI pastes it after the host unchecked, so
//!   `@127.0.0.1:PORT/x` would send the token to another host.
//! - `AWS_CONTAINER_CREDENTIALS_FULL_URI`: https to any host; plain http only as the CLI allows
//!   it: to a loopback IP literal (`127.0.0.0/8`, `::1`; not the IPv4-mapped `::ffff:127.0.0.1`,
//!   which the CLI refuses too) or to a host written `169.254.170.2`, `169.254.170.23`,
//!   `fd00:ec2::23` or `localhost`. No name is resolved; anything else is refused with the CLI's
//!   `Unsupported host` message.
//! - Neither set: [`ErrorKind::NotConfigured`](awscred_core::ErrorKind::NotConfigured), and the
//!   chain moves on. Once configured, every failure stops the chain, as in the CLI.
//! - `Authorization`: the contents of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every
//!   fetch, since the agents rotate it), else `AWS_CONTAINER_AUTHORIZATION_TOKEN`. A token with a
//!   CR or LF is an error (the CLI refuses it too; the file is not trimmed).
//! - `Accept: application/json`; up to 3 attempts of 2 s each, 1 s apart; a non-200 answer or a
//!   body that is not JSON is tried again, a JSON document missing a field is not.
//! - The document: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` required,
//!   `AccountId` kept when present.
//!
//! # Dependencies
//!
//! `serde_json` reads the credentials document and the agents' error bodies (real JSON
//! with arbitrary whitespace and extra fields; hostile input must be refused cleanly); `tokio`
//! supplies the pause between attempts, the per-attempt limit and the host-name resolution;
//! `zeroize` wipes the response body and a token file's bytes.

mod parse;
mod provider;

pub use parse::{PROVIDER_NAME, parse_credentials};
pub use provider::{
    ContainerProvider, ECS_HOST, FULL_URI_VAR, RELATIVE_URI_VAR, RetryPolicy, TOKEN_FILE_VAR,
    TOKEN_VAR,
};
