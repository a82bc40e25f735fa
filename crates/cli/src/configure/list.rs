//! `awscred configure list`: `aws configure list` (`configure/list.py`), the CLI v2's
//! `NAME : VALUE : TYPE : LOCATION` table, keys masked to their last four characters.

use std::io::Write;

use awscred_core::Env;
use clap::Command;

use super::{Files, mask};
use crate::failure::Failure;
use crate::globals::Globals;

const NOT_SET: &str = "<not set>";

pub(crate) fn command() -> Command {
    crate::globals::command("list")
        .about("Show the credentials and region in use and where each came from")
        .long_about(
            "Show the profile, access key, secret key and region in use and where each came from, \
         as `aws configure list`",
        )
}

/// One row: the value, where it came from (`TYPE`), and the variable or file (`LOCATION`);
/// `None` prints as the CLI prints Python's `None`.
struct Row {
    value: String,
    kind: Option<String>,
    location: Option<String>,
}

impl Row {
    fn not_set() -> Row {
        Row {
            value: NOT_SET.to_owned(),
            kind: None,
            location: None,
        }
    }
}

fn line(name: &str, row: &Row) -> String {
    let none = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".to_owned());
    format!(
        "{name:<10} : {:<24} : {:<16} : {}\n",
        row.value,
        none(&row.kind),
        none(&row.location)
    )
}

pub(crate) fn run(globals: &Globals, env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    let mut out = std::io::stdout().lock();
    let header = Row {
        value: "VALUE".into(),
        kind: Some("TYPE".into()),
        location: Some("LOCATION".into()),
    };
    let mut text = line("NAME", &header);
    let env_list = |names: &str| Some(names.to_owned());
    let profile = if let Some(name) = &globals.profile {
        Row {
            value: name.clone(),
            kind: Some("manual".into()),
            location: Some("--profile".into()),
        }
    } else if let Some(name) = env
        .var("AWS_PROFILE")
        .or_else(|| env.var("AWS_DEFAULT_PROFILE"))
    {
        Row {
            value: name,
            kind: Some("env".into()),
            location: env_list("['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']"),
        }
    } else {
        Row::not_set()
    };
    text.push_str(&line("profile", &profile));
    // The CLI prints these two lines before it looks for credentials, which may fail.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();

    let chain = globals.chain(env);
    let (access_key, secret_key) = match crate::runtime::block_on(chain.resolve())? {
        Ok(creds) => {
            let row = |value: &str| Row {
                value: mask(Some(value)),
                kind: Some(creds.provider().to_owned()),
                location: Some(String::new()),
            };
            (
                row(creds.access_key_id()),
                row(creds.secret_access_key().expose()),
            )
        }
        Err(e) if e.kind() == awscred_core::ErrorKind::NotConfigured => {
            (Row::not_set(), Row::not_set())
        }
        Err(e) => return Err(Failure::General(e.to_string())),
    };
    let region = region_row(globals, env, &files);
    let mut rest = line("access_key", &access_key);
    rest.push_str(&line("secret_key", &secret_key));
    rest.push_str(&line("region", &region));
    let _ = out.write_all(rest.as_bytes());
    Ok(0)
}

/// `_lookup_region`: `AWS_REGION` / `AWS_DEFAULT_REGION`, then the profile's `region`.
fn region_row(globals: &Globals, env: &Env, files: &Files) -> Row {
    if let Some(region) = env
        .var("AWS_REGION")
        .or_else(|| env.var("AWS_DEFAULT_REGION"))
    {
        return Row {
            value: region,
            kind: Some("env".into()),
            location: Some("['AWS_REGION', 'AWS_DEFAULT_REGION']".into()),
        };
    }
    let profile = crate::globals::selected_profile(globals, env).name;
    match files
        .profiles
        .profile(&profile)
        .and_then(|p| p.get("region"))
    {
        Some(region) => Row {
            value: region.to_owned(),
            kind: Some("config-file".into()),
            location: Some(
                env.var("AWS_CONFIG_FILE")
                    .unwrap_or_else(|| "~/.aws/config".to_owned()),
            ),
        },
        None => Row::not_set(),
    }
}
