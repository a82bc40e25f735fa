#![doc = include_str!("../README.md")]
//!
//! The pieces: [`LoginSessionProvider`] gives the credentials of a `login_session` profile,
//! read from `~/.aws/login/cache/<SHA-256 of the session name>.json` (or
//! `AWS_LOGIN_CACHE_DIRECTORY`) as botocore's `LoginProvider`, refreshed as the CLI does when 5
//! minutes or less remain (`CreateOAuth2Token` on the sign-in service with an RFC 9449 DPoP
//! proof signed by the file's P-256 key, the answer written back into the file, one process
//! calling for all under the file's lock); [`sign_in()`] runs the browser flow and returns a
//! [`SignedIn`] session, whose [`SignedIn::save`] writes the token file; [`logout`] and
//! [`logout_all`] remove cached sessions. Updating the profile (`login_session = ...`) is the caller's, with
//! [`awscred_profile::writer`], so that every file edit goes through one writer.

mod dpop;
mod flow;
mod session;
pub mod signin;
mod token_file;

pub use flow::{LoginOptions, sign_in};
pub use session::{LOGIN_PROVIDER_NAME, LoginSessionProvider, login_cache_dir, login_token_path};
pub use token_file::{SignedIn, logout, logout_all};
