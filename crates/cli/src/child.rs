//! The command `exec` runs (itself, or as a child with `--server`): the environment it inherits,
//! minus what would name other credentials, and the shells' statuses when it cannot be run.

use std::ffi::OsString;
use std::process::Command as Process;

use crate::failure::Failure;

/// Variables that would make the command's SDK pick other credentials, or pair the new keys
/// with a stale token, expiry, account or profile. The new values are set after the removal.
const REMOVED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    // The Java SDK v1's older spellings of the keys.
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// Prefixes of removed variables: the container tier's endpoint and token settings
/// (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, `..._FULL_URI`, `AWS_CONTAINER_AUTHORIZATION_TOKEN`,
/// `..._FILE`), which SDKs would prefer to nothing else but the environment keys.
const REMOVED_PREFIXES: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

/// The shells' statuses for a command that cannot be run.
const NOT_EXECUTABLE: u8 = 126;
const NOT_FOUND: u8 = 127;

/// The command, without the variables that name other credentials ([`REMOVED`],
/// [`REMOVED_PREFIXES`]).
pub(crate) fn prepared(program: &OsString, args: &[OsString]) -> Process {
    let mut process = Process::new(program);
    process.args(args);
    let removed = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| {
            REMOVED.contains(&name.as_str()) || REMOVED_PREFIXES.iter().any(|p| name.starts_with(p))
        });
    for name in removed {
        process.env_remove(name);
    }
    process
}

/// Reports why `program` could not be run; the status a shell would give (126, 127).
pub(crate) fn cannot_run(program: &OsString, e: &std::io::Error) -> u8 {
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => NOT_FOUND,
        _ => NOT_EXECUTABLE,
    };
    Failure::General(format!("cannot run {}: {e}", program.to_string_lossy())).report();
    code
}
