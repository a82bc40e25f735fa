#![doc = include_str!("../README.md")]
//!
//! The pieces: [`sign_in()`] runs the browser flow and returns a [`SignedIn`] session, whose
//! [`SignedIn::save`] writes the token file; [`logout`] and [`logout_all`] remove cached
//! sessions. Updating the profile (`login_session = ...`) is the caller's, with
//! [`awscred_profile::writer`], so that every file edit goes through one writer.

mod flow;
mod token_file;

pub use flow::{LoginOptions, sign_in};
pub use token_file::{SignedIn, logout, logout_all};
