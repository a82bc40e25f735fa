//! `awscred configure [--profile NAME]`: the prompts of `aws configure` (`configure/configure.py`).
//! Keys go to the credentials file, region and output to the config file; an empty answer keeps
//! the current value.

use awscred_core::Env;
use awscred_profile::writer::{self, SectionUpdate};

use super::prompt::ask;
use super::{Files, mask, session_profile, warn_if_permissive, write};
use crate::failure::Failure;
use crate::globals::Globals;

/// (key, prompt), in the CLI's order.
const PROMPTS: [(&str, &str); 5] = [
    ("aws_access_key_id", "AWS Access Key ID"),
    ("aws_secret_access_key", "AWS Secret Access Key"),
    ("aws_session_token", "AWS Session Token"),
    ("region", "Default region name"),
    ("output", "Default output format"),
];

const CREDENTIAL_KEYS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

const TIP: &str = "\nTip: You can deliver temporary credentials to the AWS CLI using your AWS \
                   Console session by running the command 'aws login'.\n\n";

pub(crate) fn run(globals: &Globals, env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    let profile = session_profile(globals, env);
    let section = files
        .profiles
        .profile(profile.as_deref().unwrap_or("default"));
    let current = |key: &str| section.and_then(|s| s.get(key)).map(str::to_owned);
    if section.is_none_or(|s| s.is_empty()) {
        print!("{TIP}");
    }
    // (key, Some(value) to set, None to remove), in the order the CLI's dictionary keeps them.
    let mut new_values: Vec<(&str, Option<String>)> = Vec::new();
    let new_access_key = |values: &[(&str, Option<String>)]| {
        values
            .iter()
            .find(|(k, _)| *k == "aws_access_key_id")
            .and_then(|(_, v)| v.clone())
    };
    let temporary = |key: &Option<String>| key.as_deref().is_some_and(|k| k.starts_with("ASIA"));
    for (key, text) in PROMPTS {
        if key == "aws_session_token" {
            let new_key = new_access_key(&new_values);
            let prompt = if new_key.is_some() {
                temporary(&new_key)
            } else {
                current(key).is_some_and(|t| !t.is_empty())
            };
            if !prompt {
                continue;
            }
        }
        let now = current(key);
        let shown = if CREDENTIAL_KEYS.contains(&key) {
            mask(now.as_deref())
        } else {
            now.clone().unwrap_or_else(|| "None".to_owned())
        };
        let answer = ask(&format!("{text} [{shown}]: "))?;
        if !answer.is_empty() && Some(&answer) != now.as_ref() {
            new_values.push((key, Some(answer)));
        }
    }
    let new_key = new_access_key(&new_values);
    if new_key.is_some()
        && !temporary(&new_key)
        && current("aws_session_token").is_some_and(|t| !t.is_empty())
    {
        new_values.retain(|(k, _)| *k != "aws_session_token");
        new_values.push(("aws_session_token", None));
    }
    if new_values.is_empty() {
        return Ok(0);
    }
    let to_update = |section: String, keys: &[&str]| {
        let mut update = SectionUpdate::new(section);
        for (key, value) in new_values.iter().filter(|(k, _)| keys.contains(k)) {
            update = match value {
                Some(v) => update.set(*key, v.clone()),
                None => update.remove(*key),
            };
        }
        update
    };
    let credentials_section = profile.clone().unwrap_or_else(|| "default".to_owned());
    if new_values.iter().any(|(k, _)| CREDENTIAL_KEYS.contains(k)) {
        write(
            env,
            &files.credentials,
            &to_update(credentials_section, &CREDENTIAL_KEYS),
        )?;
        warn_if_permissive(&files.credentials);
    }
    let config_section =
        profile.map_or_else(|| "default".to_owned(), |p| writer::profile_section(&p));
    // The CLI writes the config file whenever anything changed, if only the section's header.
    write(
        env,
        &files.config,
        &to_update(config_section, &["region", "output"]),
    )?;
    Ok(0)
}
