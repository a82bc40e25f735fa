//! The guard against `credential_process` loops through `awscred export-credentials`.
//!
//! `export-credentials` prints credentials in the credential process format, so a profile can
//! name it as its own `credential_process`, and a profile that (through others) names itself
//! would start processes forever. The AWS CLI stops this with the environment variable
//! `_AWS_CLI_PROFILE_CHAIN`: a CSV row of the profiles whose `export-credentials` is in progress.
//! On start, `export-credentials` refuses to run when its profile is already in the row or the
//! row holds 4 profiles, and otherwise adds its profile before resolving, so every process it
//! starts inherits the longer row. The same variable is used here, so the CLI and awscred
//! detect loops that pass through both.
//!
//! The CLI calls [`enter_export_credentials`] at start. Since setting the process environment
//! is unsafe in Rust, the extended row is kept in this process instead, and every
//! [`CredentialProcessProvider`](crate::CredentialProcessProvider) passes it to its child.

use std::sync::{Mutex, OnceLock};

use awscred_core::{Env, Error};

/// The variable naming the profiles whose `export-credentials` is in progress, the CLI's name.
pub const PROFILE_CHAIN_VAR: &str = "_AWS_CLI_PROFILE_CHAIN";

/// How many nested `export-credentials` may be in progress before the next one refuses to
/// start, the CLI's limit.
pub const MAX_RECURSION: usize = 4;

/// The row of profiles in progress, read from the environment and checked for one more.
///
/// ```
/// use awscred_core::Env;
/// use awscred_process::recursion::{ProfileChain, PROFILE_CHAIN_VAR};
///
/// let env = Env::from_vars([(PROFILE_CHAIN_VAR, "a,b")]);
/// let chain = ProfileChain::check(&env, "c").unwrap();
/// assert_eq!(chain.to_var(), "a,b,c");
/// let err = ProfileChain::check(&env, "a").unwrap_err();
/// assert!(err.to_string().contains("profile cycle: a -> b -> a"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChain {
    profiles: Vec<String>,
}

impl ProfileChain {
    /// Reads [`PROFILE_CHAIN_VAR`] from `env` and checks that `profile` may start another
    /// `export-credentials`; on success returns the row with `profile` added. The errors are the
    /// CLI's: `Maximum recursive credential process resolution reached (4).` and `Credential
    /// process resolution detected an infinite loop, profile cycle: a -> b -> a`.
    pub fn check(env: &Env, profile: &str) -> Result<ProfileChain, Error> {
        let seen = parse_row(&env.var(PROFILE_CHAIN_VAR).unwrap_or_default());
        if seen.len() >= MAX_RECURSION {
            return Err(Error::invalid_config(format!(
                "Maximum recursive credential process resolution reached ({MAX_RECURSION}).\n\
                 Profiles seen: {}",
                seen.join(" -> ")
            )));
        }
        if seen.iter().any(|p| p == profile) {
            return Err(Error::invalid_config(format!(
                "Credential process resolution detected an infinite loop, profile cycle: {} -> \
                 {profile}",
                seen.join(" -> ")
            )));
        }
        let mut profiles = seen;
        profiles.push(profile.to_owned());
        Ok(ProfileChain { profiles })
    }

    /// The profiles, outermost first.
    pub fn profiles(&self) -> &[String] {
        &self.profiles
    }

    /// The variable's value for child processes: one CSV row, as Python's `csv.writer` writes it.
    pub fn to_var(&self) -> String {
        write_row(&self.profiles)
    }

    /// Makes this row the one every credential process started from now on receives.
    pub fn install(&self) {
        *installed().lock().unwrap_or_else(|e| e.into_inner()) = Some(self.to_var());
    }
}

/// What the CLI calls when `export-credentials` starts for `profile`: checks the row of profiles
/// in progress ([`ProfileChain::check`]) and installs the extended row for the credential
/// processes this run starts ([`ProfileChain::install`]).
pub fn enter_export_credentials(env: &Env, profile: &str) -> Result<(), Error> {
    ProfileChain::check(env, profile)?.install();
    Ok(())
}

fn installed() -> &'static Mutex<Option<String>> {
    static INSTALLED: OnceLock<Mutex<Option<String>>> = OnceLock::new();
    INSTALLED.get_or_init(|| Mutex::new(None))
}

/// The value a child process gets: the installed row, else the one this process received (so a
/// plain `awscred` command run from inside a credential process still passes it on).
pub(crate) fn value_for_child(env: &Env) -> Option<String> {
    installed()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .or_else(|| env.var(PROFILE_CHAIN_VAR))
}

/// Python's `list(csv.reader([value]))[0]` for one line: fields split on commas, a field that
/// starts with `"` is quoted and `""` inside it is one quote.
pub(crate) fn parse_row(value: &str) -> Vec<String> {
    let mut fields = Vec::new();
    if value.is_empty() {
        return fields;
    }
    let mut field = String::new();
    let mut chars = value.chars().peekable();
    let mut at_start = true;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            other => {
                field.push(other);
                at_start = false;
            }
        }
    }
    fields.push(field);
    fields
}

/// Python's `csv.writer` row (minimal quoting), without the line terminator.
pub(crate) fn write_row(fields: &[String]) -> String {
    let quote = |f: &String| {
        // A lone empty field is quoted so that it reads back as one field, as Python does.
        let needs = f.contains([',', '"', '\r', '\n']) || (fields.len() == 1 && f.is_empty());
        if needs {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f.clone()
        }
    };
    fields.iter().map(quote).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_round_trip() {
        for fields in [
            row(&["a"]),
            row(&["a", "b"]),
            row(&["with,comma", "with\"quote", "plain"]),
            row(&["", "x"]),
            row(&["sp ace"]),
        ] {
            assert_eq!(parse_row(&write_row(&fields)), fields, "{fields:?}");
        }
        assert_eq!(write_row(&row(&["a,b", "c"])), "\"a,b\",c");
        assert_eq!(parse_row(""), Vec::<String>::new());
        assert_eq!(parse_row("a,,b"), row(&["a", "", "b"]));
    }

    #[test]
    fn check_messages_are_the_clis() {
        let env = Env::from_vars([(PROFILE_CHAIN_VAR, "a,b,c,d")]);
        assert_eq!(
            ProfileChain::check(&env, "e").unwrap_err().to_string(),
            "Maximum recursive credential process resolution reached (4).\nProfiles seen: a -> \
             b -> c -> d"
        );
        let env = Env::from_vars([(PROFILE_CHAIN_VAR, "a,b")]);
        assert_eq!(
            ProfileChain::check(&env, "b").unwrap_err().to_string(),
            "Credential process resolution detected an infinite loop, profile cycle: a -> b -> b"
        );
        let none: [(&str, &str); 0] = [];
        let chain = ProfileChain::check(&Env::from_vars(none), "dev").unwrap();
        assert_eq!(chain.profiles(), ["dev"]);
        assert_eq!(chain.to_var(), "dev");
    }
}
