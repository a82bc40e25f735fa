//! The `credential_process` tier: credentials printed by a command named in the profile, run
//! exactly as the AWS CLI v2 runs it.
//!
//! ```
//! use awscred_core::{Env, ProvideCredentials};
//! use awscred_process::CredentialProcessProvider;
//!
//! # if cfg!(unix) {
//! // The profile's `credential_process` line, split as `shlex.split` splits it and run
//! // without a shell: here `echo` with one argument, the JSON document.
//! let command = r#"echo '{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "S"}'"#;
//! let provider = CredentialProcessProvider::new(
//!     Env::real(),
//!     "dev".to_owned(),                // the profile
//!     command.to_owned(),              // its credential_process
//!     Some("123456789012".to_owned()), // its aws_account_id (used when the output has none)
//! );
//! let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let creds = runtime.block_on(provider.provide_credentials())?;
//! assert_eq!((creds.access_key_id(), creds.provider()), ("AKID", "custom-process"));
//! assert_eq!(creds.account_id(), Some("123456789012"));
//!
//! // A shell line is not run through a shell, as in the CLI: `|` reaches echo as text.
//! let piped = CredentialProcessProvider::new(
//!     Env::real(),
//!     "dev".to_owned(),
//!     "echo e30K | base64 --decode".to_owned(),
//!     None,
//! );
//! let err = runtime.block_on(piped.provide_credentials()).unwrap_err();
//! assert!(err.to_string().starts_with("Error when retrieving credentials from custom-process: "));
//! # }
//! # Ok::<(), awscred_core::Error>(())
//! ```
//!
//! What the CLI does, and so what this does:
//! - the line is split into words like a POSIX shell would ([`split_posix`], Python's
//!   `shlex.split`; [`split_windows`] on Windows) and run **without** a shell, so pipes,
//!   redirections and `$VARS` are not interpreted;
//! - the process inherits the environment and standard input; standard output must be the
//!   credential process JSON document (`Version` 1, `AccessKeyId`, `SecretAccessKey`, optional
//!   `SessionToken`, `Expiration`, `AccountId`), read by [`parse_output`] with botocore's checks
//!   and messages;
//! - a non-zero exit is an error carrying what the process wrote on standard error;
//! - `AccountId` falls back to the profile's `aws_account_id`;
//! - with `Expiration` the credentials expire and asking again re-runs the command (the chain's
//!   refresh cache does that); without, they never expire.
//!
//! Beyond the CLI: standard error goes to the terminal when it is one, so helpers that prompt
//! work ([`StderrMode`]); output over [`MAX_OUTPUT_BYTES`] is refused and the process killed;
//! wrong JSON types are refused with a message naming the key.
//!
//! Loops through `awscred export-credentials` used as a credential process are stopped by the
//! [`recursion`] guard, with the CLI's variable `_AWS_CLI_PROFILE_CHAIN`.
//!
//! Dependencies: `serde_json` reads the JSON document (already in the product for the other
//! tiers); `tokio` with only its `sync` feature provides the one-shot channel that hands the
//! result from the process thread back to the future, which works under any executor; `zeroize`
//! wipes the captured output, which holds the secrets.

mod cmdline;
mod disk_cache;
mod output;
pub mod recursion;
mod run;
mod split;

use std::fmt;

use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, Result};

pub use cmdline::list2cmdline;
pub use disk_cache::REUSE_WINDOW;
pub use output::{METHOD, ProcessOutput, parse_output};
pub use run::{MAX_OUTPUT_BYTES, StderrMode};
pub use split::{SplitError, split_command, split_posix, split_windows};

use output::retrieval_error;
use run::{Finished, RunFailure};

/// Runs a profile's `credential_process` and reads the credentials it prints.
///
/// Every call to [`provide_credentials`](ProvideCredentials::provide_credentials) runs the
/// command once (unless [`with_disk_cache`](Self::with_disk_cache) holds a fresh answer); caching
/// in memory and refreshing before `Expiration` are the chain's refresh cache's job.
///
/// `Debug` shows the profile and the program, never the arguments (they may carry a secret).
#[derive(Clone)]
pub struct CredentialProcessProvider {
    env: Env,
    profile: String,
    command: String,
    account_id_fallback: Option<String>,
    stderr: StderrMode,
    disk_cache: Option<disk_cache::DiskCache>,
}

impl CredentialProcessProvider {
    /// The provider for `profile`, whose `credential_process` is `command`;
    /// `account_id_fallback` is the profile's `aws_account_id`.
    pub fn new(
        env: Env,
        profile: String,
        command: String,
        account_id_fallback: Option<String>,
    ) -> Self {
        CredentialProcessProvider {
            env,
            profile,
            command,
            account_id_fallback,
            stderr: StderrMode::Auto,
            disk_cache: None,
        }
    }

    /// The same provider, when `enabled`, keeping the command's output on disk (awscred's opt-in
    /// `awscred_credential_process_cache = true`; the CLI runs the command every time): in
    /// `~/.aws/cli/cache` of its environment, keyed by the profile and the command line, written
    /// atomically with mode 0600 under the entry's lock, reused until its `Expiration` is within
    /// [`REUSE_WINDOW`]. Output without `Expiration` is never cached.
    pub fn with_disk_cache(mut self, enabled: bool) -> Self {
        if enabled {
            self.disk_cache = disk_cache::DiskCache::new(&self.env, &self.profile, &self.command);
        }
        self
    }

    /// The same provider with standard error sent elsewhere (default [`StderrMode::Auto`]).
    pub fn with_stderr(mut self, mode: StderrMode) -> Self {
        self.stderr = mode;
        self
    }

    /// The profile the command belongs to.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    fn program(&self) -> String {
        split_command(&self.command)
            .ok()
            .and_then(|words| words.into_iter().next())
            .unwrap_or_default()
    }

    /// The context every error ends with: which profile and which program.
    fn context(&self) -> String {
        format!(
            "(credential_process of profile '{}', program '{}')",
            self.profile,
            self.program()
        )
    }

    async fn fetch(&self) -> Result<Credentials> {
        let Some(cache) = &self.disk_cache else {
            return self.credentials_of(self.run().await?);
        };
        let now = self.env.now();
        if let Some(hit) = cache.load(now) {
            return self.credentials_of(hit);
        }
        let _lock = match cache.lock(now).await {
            Ok(lock) => Some(lock),
            Err(Some(hit)) => return self.credentials_of(hit),
            Err(None) => None,
        };
        let output = self.run().await?;
        cache.store(&output);
        self.credentials_of(output)
    }

    /// Runs the command once and reads its output.
    async fn run(&self) -> Result<ProcessOutput> {
        let argv = split_command(&self.command).map_err(|e| {
            Error::invalid_config(format!(
                "credential_process of profile '{}' cannot be split into words: {e}",
                self.profile
            ))
        })?;
        if argv.is_empty() {
            return Err(Error::invalid_config(format!(
                "credential_process of profile '{}' is empty",
                self.profile
            )));
        }
        // The program only: its arguments may hold anything.
        tracing::debug!(profile = %self.profile, program = %argv[0], "running credential_process");
        let chain = recursion::value_for_child(&self.env);
        let mode = self.stderr;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread_argv = argv.clone();
        std::thread::Builder::new()
            .name("credential_process".into())
            .spawn(move || {
                let _ = tx.send(run::run_blocking(&thread_argv, mode, chain.as_deref()));
            })
            .map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!(
                        "cannot start a thread for credential_process {}",
                        self.context()
                    ),
                )
                .with_source(e)
            })?;
        let finished = rx.await.map_err(|_| {
            retrieval_error(format!(
                "the thread running the process stopped {}",
                self.context()
            ))
        })?;
        let finished = finished.map_err(|failure| self.run_failure(&argv[0], failure))?;
        self.output_of(finished)
    }

    fn run_failure(&self, program: &str, failure: RunFailure) -> Error {
        match failure {
            RunFailure::Spawn(e) => {
                // The hint only where the command looks written for a shell.
                let hint = if has_shell_syntax(&self.command) {
                    if cfg!(windows) {
                        "; the command is run without a shell, so pipes, redirections and shell \
                         built-ins are not available (wrap it in cmd /c \"...\" if they are needed)"
                    } else {
                        "; the command is run without a shell, so pipes, redirections and shell \
                         built-ins are not available (wrap it in sh -c '...' if they are needed)"
                    }
                } else {
                    ""
                };
                retrieval_error(format!(
                    "cannot run '{program}': {e} {}{hint}",
                    self.context()
                ))
            }
            RunFailure::TooMuchOutput => retrieval_error(format!(
                "the process printed more than {} bytes and was stopped {}",
                MAX_OUTPUT_BYTES,
                self.context()
            )),
            RunFailure::Io(e) => Error::new(
                ErrorKind::Io,
                format!(
                    "reading the output of credential_process failed {}",
                    self.context()
                ),
            )
            .with_source(e),
        }
    }

    fn output_of(&self, finished: Finished) -> Result<ProcessOutput> {
        if !finished.status.success() {
            let status = finished.status;
            let detail = match &finished.stderr {
                None => format!(
                    "the process failed with {status}; its error output went to the terminal"
                ),
                Some(err) if err.iter().all(u8::is_ascii_whitespace) => {
                    format!("the process failed with {status} and wrote nothing to standard error")
                }
                Some(err) => {
                    // The CLI shows standard error as it is; the status is added after it.
                    let text = String::from_utf8_lossy(err);
                    format!("{} ({status})", text.trim_end())
                }
            };
            return Err(retrieval_error(format!("{detail} {}", self.context())));
        }
        parse_output(&finished.stdout)
            .map_err(|e| Error::new(e.kind(), format!("{} {}", e.message(), self.context())))
    }

    fn credentials_of(&self, output: ProcessOutput) -> Result<Credentials> {
        let from_process = output.account_id.is_some();
        let creds = output.into_credentials(self.account_id_fallback.as_deref());
        let source = format!(
            "credential_process of profile {} (program '{}'{})",
            self.profile,
            self.program(),
            creds
                .expiration()
                .map(|at| format!("; expires {}", awscred_core::timestamp::format_z(at)))
                .unwrap_or_default()
        );
        let mut creds = creds
            .with_origin("access_key_id", source.clone())
            .with_origin("secret_access_key", source.clone());
        if creds.account_id().is_some() {
            let from = if from_process {
                source
            } else {
                format!("aws_account_id of profile {}", self.profile)
            };
            creds = creds.with_origin("account_id", from);
        }
        Ok(creds)
    }
}

impl fmt::Debug for CredentialProcessProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialProcessProvider")
            .field("profile", &self.profile)
            .field("program", &self.program())
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for CredentialProcessProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(self.fetch())
    }
}

/// Whether a command holds what only a shell understands: pipes, redirections, `;`, `&&`,
/// variables, globs, backquotes, or starts with a shell built-in.
fn has_shell_syntax(command: &str) -> bool {
    const BUILTINS: &[&str] = &["cd", "export", "source", ".", "exit", "set", "eval", "exec"];
    command.contains(['|', '>', '<', ';', '&', '$', '`', '*', '?'])
        || command
            .split_whitespace()
            .next()
            .is_some_and(|first| BUILTINS.contains(&first))
}
