//! MFA sessions, awscred's opt-in beyond the CLI: the long-term keys of a profile that sets
//! `awscred_mfa_session = true` and `mfa_serial` open one STS `GetSessionToken` session with an
//! MFA code, cached in `~/.aws/cli/cache` under its lock, and every role assumed from that
//! profile (directly or down a chain) uses the session until it expires: one code per session
//! (12 hours by default, `awscred_mfa_session_duration` seconds otherwise), not one per role per
//! hour. The roles' own `mfa_serial`, when it names the same device, is then not asked again
//! (the session already carries the MFA). Without the key nothing changes: the CLI ignores
//! `mfa_serial` on a profile with keys, and so does awscred.
//!
//! The code comes from `mfa_process` when the profile sets it (a command run through the shell,
//! as aws-vault runs it, whose standard output is the code: the hook for when no terminal can be
//! asked, e.g. under another program's `credential_process`), else from the chain's
//! [`MfaPrompt`] (the terminal, `/dev/tty`, by default).
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use awscred_core::Env;
//! use awscred_profile::{ProfileContext, ProfileSet};
//! use awscred_sts::mfa_session::MfaSession;
//!
//! let config = "[profile keys]\nawscred_mfa_session = true\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
//!               [profile plain]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n";
//! let set = ProfileSet::parse(Some((Path::new("/h/.aws/config"), config)), None);
//! let ctx = ProfileContext::new(Env::from_vars([("HOME", "/h")]), Arc::new(set), "keys".into());
//! let session = MfaSession::of(&ctx, "keys")?.expect("the profile opts in");
//! assert_eq!(session.serial(), "arn:aws:iam::123456789012:mfa/me");
//! // Without the key nothing changes, as in the CLI.
//! assert_eq!(MfaSession::of(&ctx, "plain")?, None);
//! # Ok::<(), awscred_core::Error>(())
//! ```

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred_core::{Error, ProvideCredentials};
use awscred_profile::ProfileContext;

use crate::{MfaPrompt, SessionTokenProvider, StsClient};

/// The opt-in key.
pub const MFA_SESSION_KEY: &str = "awscred_mfa_session";
/// The session's length in seconds (STS: 900 to 129600; its default, 43200, when absent).
pub const MFA_SESSION_DURATION_KEY: &str = "awscred_mfa_session_duration";
/// The command that prints the code (aws-vault's key).
pub const MFA_PROCESS_KEY: &str = "mfa_process";
/// How long `mfa_process` may take (it may wait for a person).
const MFA_PROCESS_LIMIT: Duration = Duration::from_secs(300);
/// The most of `mfa_process`'s output that is read.
const MFA_PROCESS_MAX_OUTPUT: u64 = 1024;

/// The MFA session settings of a profile that opts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaSession {
    profile: String,
    serial: String,
    duration_seconds: Option<u32>,
    process: Option<String>,
}

impl MfaSession {
    /// Reads the keys of `profile`; `None` when it does not opt in. A bad value is an error
    /// naming the profile and key.
    pub fn of(ctx: &ProfileContext, profile: &str) -> Result<Option<Self>, Error> {
        let Some(section) = ctx.profiles.profile(profile) else {
            return Ok(None);
        };
        let bad = |key: &str, value: &str, expected: &str| {
            Error::invalid_config(format!(
                "profile {profile}: {key} = {value:?} is not {expected}"
            ))
        };
        let enabled = awscred_profile::opt_in(&ctx.profiles, profile, MFA_SESSION_KEY)?;
        if !enabled {
            return Ok(None);
        }
        let serial = section
            .get("mfa_serial")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::invalid_config(format!(
                    "profile {profile}: {MFA_SESSION_KEY} = true needs mfa_serial in the same profile"
                ))
            })?;
        let duration_seconds = match section.get(MFA_SESSION_DURATION_KEY).map(str::trim) {
            None => None,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (900..=129_600).contains(&n) => Some(n),
                _ => {
                    return Err(bad(
                        MFA_SESSION_DURATION_KEY,
                        v,
                        "a number of seconds from 900 to 129600",
                    ));
                }
            },
        };
        Ok(Some(MfaSession {
            profile: profile.to_owned(),
            serial: serial.to_owned(),
            duration_seconds,
            process: section
                .get(MFA_PROCESS_KEY)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        }))
    }

    /// The MFA device (`mfa_serial`): roles that name the same one are not asked again.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// `keys` made into the MFA session: a [`SessionTokenProvider`] with the device and the code
    /// from `mfa_process`, else from `prompt`.
    pub fn provider(
        &self,
        keys: Arc<dyn ProvideCredentials>,
        client: StsClient,
        ctx: &ProfileContext,
        prompt: &MfaPrompt,
    ) -> Arc<dyn ProvideCredentials> {
        let prompt = match &self.process {
            Some(command) => {
                let command = command.clone();
                MfaPrompt::Callback(Arc::new(move |_prompt: &str| run_mfa_process(&command)))
            }
            None => prompt.clone(),
        };
        Arc::new(
            SessionTokenProvider::new(keys, client, &ctx.env)
                .with_duration(self.duration_seconds)
                .with_mfa(self.serial.clone(), prompt, self.profile.clone()),
        )
    }
}

/// Runs `mfa_process` through the shell with the terminal's standard input and error; the
/// first line of its output, trimmed, is the code. `None` when it fails, prints nothing, or
/// takes longer than [`MFA_PROCESS_LIMIT`].
fn run_mfa_process(command: &str) -> Option<String> {
    #[cfg(unix)]
    let mut process = {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    #[cfg(not(unix))]
    let mut process = {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    };
    let mut child = process
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| tracing::warn!("mfa_process could not be started: {e}"))
        .ok()?;
    let stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.take(MFA_PROCESS_MAX_OUTPUT).read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + MFA_PROCESS_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                tracing::warn!("mfa_process took longer than {MFA_PROCESS_LIMIT:?}; killed");
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?;
    if !status.success() {
        tracing::warn!(?status, "mfa_process failed");
        return None;
    }
    let code = out.lines().next()?.trim().to_owned();
    (!code.is_empty()).then_some(code)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use awscred_core::Env;
    use awscred_profile::ProfileSet;

    use super::*;

    fn of(config: &str) -> Result<Option<MfaSession>, String> {
        let set = ProfileSet::parse(Some((Path::new("/h/.aws/config"), config)), None);
        let ctx = ProfileContext::new(Env::from_vars([("HOME", "/h")]), Arc::new(set), "p".into());
        MfaSession::of(&ctx, "p").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_keys_of_a_profile_that_opts_in() {
        let session = of("[profile p]\nawscred_mfa_session = True\nmfa_serial = SN\n\
                          awscred_mfa_session_duration = 3600\nmfa_process = echo 123456\n")
        .unwrap()
        .unwrap();
        assert_eq!(
            session,
            MfaSession {
                profile: "p".into(),
                serial: "SN".into(),
                duration_seconds: Some(3600),
                process: Some("echo 123456".into()),
            }
        );
        assert_eq!(
            of("[profile p]\nawscred_mfa_session = false\nmfa_serial = SN\n"),
            Ok(None)
        );
        assert_eq!(of("[profile p]\nmfa_serial = SN\n"), Ok(None));
    }

    #[test]
    fn bad_values_name_the_profile_and_key() {
        let no_serial = of("[profile p]\nawscred_mfa_session = true\n").unwrap_err();
        assert!(
            no_serial.contains("needs mfa_serial in the same profile"),
            "{no_serial}"
        );
        let flag = of("[profile p]\nawscred_mfa_session = yes\n").unwrap_err();
        assert!(
            flag.contains("profile p: awscred_mfa_session = \"yes\" is not true or false"),
            "{flag}"
        );
        let short = "[profile p]\nawscred_mfa_session = true\nmfa_serial = SN\nawscred_mfa_session_duration = 60\n";
        let short = of(short).unwrap_err();
        assert!(
            short.contains("a number of seconds from 900 to 129600"),
            "{short}"
        );
    }
}
