//! `awscred`: AWS credentials resolved exactly as the AWS CLI v2 resolves them.
//!
//! ```text
//! $ awscred export-credentials --profile dev
//! {
//!   "Version": 1,
//!   "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
//!   "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
//! }
//! $ eval "$(awscred export-credentials --format env)"
//! $ awscred explain --profile dev      # which tier answered, and where each value came from
//! $ awscred sso login --profile dev    # as `aws sso login`; `awscred sso logout` too
//! $ awscred exec --profile dev -- terraform plan   # the command gets the credentials
//! $ awscred serve --profile dev        # a local container-credentials endpoint for any SDK
//! export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:41953/credentials
//! export AWS_CONTAINER_AUTHORIZATION_TOKEN=5f0c...
//! $ awscred status                     # cached sessions, their expiry and profiles (--json)
//! $ awscred console --profile dev      # the AWS console, signed in (--print for the URL)
//! $ awscred sso populate --sso-session corp --dry-run   # a profile per SSO account and role
//! ```
//!
//! `export-credentials` is a drop-in for `aws configure export-credentials`: the same formats,
//! byte for byte, the same `_AWS_CLI_PROFILE_CHAIN` recursion guard, the same exit statuses (252
//! for a usage error or a parameter STS's model refuses, 253 when no credentials can be had,
//! a missing profile included, 254 for a service's refusal, 255 for a file that cannot be parsed
//! and other errors), so it can serve as another tool's `credential_process`.
//!
//! Logging is off unless `--debug` or `AWSCRED_LOG` (a `tracing` filter such as `trace` or
//! `awscred_chain=debug`) turns it on; it goes to stderr. Secrets never appear in it, nor in
//! `explain` or any error.
//!
//! Subcommands live in their own modules ([`export`], [`explain`], [`exec`], [`serve`], [`sso`],
//! [`sso_populate`], [`status`], [`console`]);
//! each gives a `command()` for the parser and a `run()`, and [`cli::main`] names them. Adding one
//! is a new module and two lines there. Subcommands take the global options and the checks every
//! command makes first from [`globals`], and the runtime from [`runtime`], never from [`cli`],
//! which depends on them all: no module depends on one that depends on it.

mod child;
mod cli;
mod configure;
mod console;
mod exec;
mod exec_server;
#[cfg(windows)]
mod exec_windows;
mod explain;
mod export;
mod failure;
mod format;
mod globals;
mod logging;
mod login;
mod menu;
mod prompt;
mod runtime;
mod serve;
mod server;
mod shell_safe;
mod signals;
mod sso;
mod sso_populate;
mod status;
mod suggest;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main(std::env::args_os())
}
