//! `awscred status [--json]`: every cached session awscred and the AWS CLI know of (SSO tokens,
//! role credentials, `aws login` sessions, MFA sessions, cached `credential_process` answers),
//! when each expires and which profiles use it. Never a secret: only names and times are read
//! out of the files. The `--json` form is documented in docs/commands/status.md.

mod scan;

use std::io::Write;
use std::time::SystemTime;

use awscred_core::{Env, timestamp};
use awscred_profile::ProfileSet;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value, json};

use crate::failure::Failure;
use crate::globals::Globals;
use scan::{Detail, Session};

/// The version of the `--json` document; raised only when a key changes meaning or goes away.
const JSON_VERSION: u32 = 1;

/// The subcommand's parser.
pub(crate) fn command() -> Command {
    crate::globals::command("status")
        .about("List the cached sessions of awscred and the AWS CLI, and when they expire")
        .long_about(
            "List the cached sessions (SSO tokens, role credentials, `aws login` sessions, MFA \
             sessions, cached credential_process answers): when each expires and which profiles \
             use it. Secrets are never shown.",
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print a JSON document (stable; see docs/commands/status.md)"),
        )
}

/// Prints the sessions; 0 unless stdout cannot be written.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    let chain = globals.chain(env);
    let set = match chain.profile_context() {
        Ok(ctx) => ctx.profiles.clone(),
        Err(e) => {
            // The caches are listed all the same; only the profile names are missing.
            tracing::warn!(error = %e, "the configuration cannot be read");
            eprintln!("awscred: the profiles cannot be told: {e}");
            std::sync::Arc::new(ProfileSet::default())
        }
    };
    let sessions = scan::scan(env, &set);
    let now = env.now();
    let text = if matches.get_flag("json") {
        let mut text = serde_json::to_string_pretty(&to_json(&sessions, now)).unwrap_or_default();
        text.push('\n');
        text
    } else {
        render(&sessions, now)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) => Failure::General(format!("cannot write to stdout: {e}")).report(),
    }
}

/// Seconds from `now` to `expires_at`; negative once expired.
fn seconds_left(expires_at: SystemTime, now: SystemTime) -> i64 {
    timestamp::to_unix(expires_at) - timestamp::to_unix(now)
}

/// `2h 05m left`, `45s left`, `expired 3m ago`.
fn human_left(seconds: i64) -> String {
    let n = seconds.unsigned_abs();
    let span = if n >= 86_400 {
        format!("{}d {}h", n / 86_400, n % 86_400 / 3600)
    } else if n >= 3600 {
        format!("{}h {:02}m", n / 3600, n % 3600 / 60)
    } else if n >= 60 {
        format!("{}m", n / 60)
    } else {
        format!("{n}s")
    };
    if seconds > 0 {
        format!("{span} left")
    } else {
        format!("expired {span} ago")
    }
}

fn render(sessions: &[Session], now: SystemTime) -> String {
    if sessions.is_empty() {
        return "No cached sessions.\n".to_owned();
    }
    let mut out = String::new();
    for s in sessions {
        out.push_str(s.kind.name());
        if let Some(name) = s
            .details
            .get("SsoSession")
            .or_else(|| s.details.get("LoginSession"))
            .or_else(|| s.details.get("RoleArn"))
        {
            out.push_str(&format!("  {}", detail_text(name)));
        }
        if let Some(t) = s.expires_at {
            out.push_str(&format!(
                "  expires {} ({})",
                timestamp::format_z(t),
                human_left(seconds_left(t, now))
            ));
        }
        out.push('\n');
        if !s.profiles.is_empty() {
            let names: Vec<&str> = s.profiles.iter().map(String::as_str).collect();
            out.push_str(&format!("    profiles: {}\n", names.join(", ")));
        }
        for (key, value) in &s.details {
            if !matches!(*key, "SsoSession" | "LoginSession" | "RoleArn") {
                out.push_str(&format!("    {key}: {}\n", detail_text(value)));
            }
        }
        out.push_str(&format!("    file: {}\n", s.path.display()));
    }
    out
}

fn detail_text(detail: &Detail) -> String {
    match detail {
        Detail::Text(t) => t.clone(),
        Detail::Flag(true) => "yes".into(),
        Detail::Flag(false) => "no".into(),
    }
}

fn to_json(sessions: &[Session], now: SystemTime) -> Value {
    let list: Vec<Value> = sessions
        .iter()
        .map(|s| {
            let mut m = Map::new();
            m.insert("Kind".into(), json!(s.kind.name()));
            m.insert("File".into(), json!(s.path.display().to_string()));
            m.insert("Profiles".into(), json!(s.profiles));
            match s.expires_at {
                Some(t) => {
                    let left = seconds_left(t, now);
                    m.insert("Expiration".into(), json!(timestamp::format_z(t)));
                    m.insert("SecondsLeft".into(), json!(left.max(0)));
                    m.insert("Expired".into(), json!(left <= 0));
                }
                None => {
                    m.insert("Expiration".into(), Value::Null);
                    m.insert("SecondsLeft".into(), Value::Null);
                    m.insert("Expired".into(), Value::Null);
                }
            }
            for (key, value) in &s.details {
                let v = match value {
                    Detail::Text(t) => json!(t),
                    Detail::Flag(b) => json!(b),
                };
                m.insert((*key).to_owned(), v);
            }
            Value::Object(m)
        })
        .collect();
    json!({
        "Version": JSON_VERSION,
        "Now": timestamp::format_z(now),
        "Sessions": list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_naturally() {
        assert_eq!(human_left(7_500), "2h 05m left");
        assert_eq!(human_left(45), "45s left");
        assert_eq!(human_left(-180), "expired 3m ago");
        assert_eq!(human_left(0), "expired 0s ago");
        assert_eq!(human_left(90_000), "1d 1h left");
    }
}
