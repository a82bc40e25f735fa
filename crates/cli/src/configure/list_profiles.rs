//! `awscred configure list-profiles`: `aws configure list-profiles`, the profiles of both files
//! one a line, in botocore's order (the config file's, in file order, then those only in the
//! credentials file).

use awscred_core::fs::ReadLimit;
use std::io::Write;
use std::path::Path;

use awscred_core::Env;
use awscred_profile::ProfileSet;
use clap::Command;

use super::Files;
use crate::failure::Failure;

pub(crate) fn command() -> Command {
    crate::globals::command("list-profiles")
        .about("List the profiles of the config and credentials files")
}

pub(crate) fn run(env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    let mut names: Vec<String> = Vec::new();
    for (path, is_config) in [(&files.config, true), (&files.credentials, false)] {
        for name in names_in_file_order(env, path, is_config) {
            if files.profiles.profile(&name).is_some() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    for name in names {
        let _ = writeln!(out, "{name}");
    }
    Ok(0)
}

/// Each section header's profile, as the parser names it, in the order of the headers.
fn names_in_file_order(env: &Env, path: &Path, is_config: bool) -> Vec<String> {
    let Ok(bytes) = env.read_file(path, ReadLimit::CONFIG) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut names = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('[')) {
        let header = format!("{line}\n");
        let one = (path, header.as_str());
        let set = if is_config {
            ProfileSet::parse(Some(one), None)
        } else {
            ProfileSet::parse(None, Some(one))
        };
        names.extend(set.profile_names().into_iter().map(str::to_owned));
    }
    names
}
