//! `awscred explain`: walks the chain and says, for every tier in order, whether it applied and
//! why not, and for the answer where each value came from; `--json` gives the same as a
//! document for tools and bug reports (docs/commands/explain.md). Secrets are never printed.

use std::io::Write;

use awscred_chain::Explanation;
use awscred_core::{Env, timestamp};
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Value, json};

use crate::export;
use crate::failure::Failure;
use crate::globals::Globals;
use crate::suggest;

/// The version of the `--json` document; raised only when a field changes meaning or goes away.
const SCHEMA: u32 = 1;

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    crate::globals::command("explain")
        .about("Show how the credentials are found, tier by tier (no secrets)")
        .long_about(
            "Show how the credentials are found: the profile and how it was selected, the \
             region, the files read, the profile's chain of roles, and every tier of the chain \
             in order with its status (resolved, skipped and why, failed, not reached). For the \
             answer, where each value came from (environment variable or file:line) and whether \
             a role came from the CLI's cache or from STS. Secrets are never shown. Exits as \
             export-credentials would: 0 when credentials are found; the error goes to stderr. \
             With --profile, keys in the environment (AWS_ACCESS_KEY_ID...) are not used.",
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print a JSON document (schema: docs/commands/explain.md)"),
        )
}

/// Prints the explanation; the exit status is the one `export-credentials` would end with.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    let chain = globals.chain(env);
    let prepared = export::prepare(globals, env, &chain);
    let mut explanation = match crate::runtime::block_on(chain.explain()) {
        Ok(explanation) => explanation,
        Err(failure) => return failure.report(),
    };
    let outcome = match (prepared, &explanation.result) {
        (Err(failure), _) => Err(failure),
        (Ok(()), Ok(creds)) => export::checked(Ok(creds.clone()), env).map(drop),
        (Ok(()), Err(e)) => Err(Failure::from_credentials_error(e)),
    };
    if outcome.is_err() || !explanation.profile_exists {
        explanation.did_you_mean = suggest::closest(
            &explanation.profile,
            explanation
                .profiles_with_credentials
                .iter()
                .map(String::as_str),
        )
        .map(str::to_owned);
    }
    let text = if matches.get_flag("json") {
        let doc = to_json(&explanation, outcome.as_ref().err());
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    } else {
        explanation.to_string()
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        return Failure::General(format!("cannot write to stdout: {e}")).report();
    }
    // The error, once, where every command writes it.
    outcome.map_or_else(|failure| failure.report(), |()| 0)
}

/// The `--json` document (docs/commands/explain.md). The credentials appear by their access key
/// id, provider, expiry, account and origins: never a secret or a session token.
fn to_json(e: &Explanation, failure: Option<&Failure>) -> Value {
    let credentials = e.result.as_ref().ok().map(|c| {
        json!({
            "provider": c.provider(),
            "access_key_id": c.access_key_id(),
            "has_session_token": c.session_token().is_some(),
            "expiration": c.expiration().map(timestamp::format_z),
            "account_id": c.account_id(),
            "origins": c.origins().iter().map(|o| json!({"value": o.what, "from": o.from})).collect::<Vec<_>>(),
        })
    });
    json!({
        "schema": SCHEMA,
        "profile": {
            "name": e.profile,
            "selected_by": e.profile_source,
            "exists": e.profile_exists,
        },
        "region": {"name": e.region, "from": e.region_source},
        "files": e.files.iter().map(|f| json!({
            "kind": f.kind,
            "path": f.path.display().to_string(),
            "from": f.from,
            "exists": f.exists,
        })).collect::<Vec<_>>(),
        "profile_chain": e.hops.iter().map(|h| json!({"profile": h.profile, "what": h.what})).collect::<Vec<_>>(),
        "tiers": e.tiers.iter().map(|t| json!({
            "name": t.tier.name(),
            "status": t.status.name(),
            "reason": t.status.reason(),
        })).collect::<Vec<_>>(),
        "credentials": credentials,
        "error": failure.map(|f| json!({"message": f.message(), "exit_status": f.code()})),
        "exit_status": failure.map_or(0, Failure::code),
        "profiles_with_credentials": e.profiles_with_credentials,
        "did_you_mean": e.did_you_mean,
        "warnings": e.warnings,
    })
}
