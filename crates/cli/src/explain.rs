//! `awscred explain`: walks the chain and says, for every tier, whether it applied and why not,
//! and for the answer where each value came from. Secrets are never printed.

use std::io::Write;

use awscred_core::Env;
use clap::Command;

use crate::cli::{self, Globals};
use crate::export;
use crate::failure::Failure;

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    Command::new("explain").about(
        "Show how the credentials are found: each tier of the chain, whether it applied and why \
         not, and where each value came from (environment variable or file:line). Secrets are \
         never shown. Exits as export-credentials would: 0 when credentials are found.",
    )
}

/// Prints the explanation; the exit status is the one `export-credentials` would end with.
pub(crate) fn run(globals: &Globals, env: &Env) -> u8 {
    let chain = globals.chain(env);
    let profile_check = export::prepare(globals, env, &chain);
    let explanation = match cli::block_on(chain.explain()) {
        Ok(explanation) => explanation,
        Err(failure) => return failure.report(),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = write!(out, "{explanation}").and_then(|()| out.flush()) {
        return Failure::General(format!("cannot write to stdout: {e}")).report();
    }
    let outcome = match (profile_check, &explanation.result) {
        (Err(failure), _) => Err(failure),
        (Ok(()), Ok(creds)) => export::checked(Ok(creds.clone()), env).map(drop),
        (Ok(()), Err(e)) => Err(Failure::from_credentials_error(e)),
    };
    outcome.map_or_else(|failure| failure.code(), |()| 0)
}
