//! `awscred configure get KEY`: `aws configure get` (`configure/get.py`). Prints the value and
//! exits 0; prints nothing and exits 1 when it is not set.

use std::io::Write;

use awscred_core::Env;
use awscred_profile::{Property, Section};
use clap::{Arg, ArgMatches, Command};

use super::set::is_predefined_section;
use super::{Files, session_profile};
use crate::failure::Failure;
use crate::globals::Globals;

pub(crate) fn command() -> Command {
    crate::globals::command("get")
        .about("Print a value from the config or credentials file, as `aws configure get`")
        .arg(
            Arg::new("varname")
                .required(true)
                .help("The name of the config value to print"),
        )
        .arg(
            Arg::new("sso-session")
                .long("sso-session")
                .value_name("NAME")
                .help("Read the value from this [sso-session NAME] section"),
        )
        .arg(
            Arg::new("services")
                .long("services")
                .value_name("NAME")
                .help("Read the value from this [services NAME] section"),
        )
}

/// What botocore's dictionaries hold for a key: a string, or a dictionary of sub-properties.
enum Found<'a> {
    Text(&'a str),
    Nested,
}

pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    super::one_subsection(matches)?;
    let varname = matches
        .get_one::<String>("varname")
        .cloned()
        .unwrap_or_default();
    let profiles = &files.profiles;
    let subsection = |kind: &'static str| matches.get_one::<String>(kind).map(|n| (kind, n));
    let found = if let Some((kind, name)) = subsection("sso-session").or(subsection("services")) {
        let section = match kind {
            "sso-session" => profiles.sso_session(name),
            _ => profiles.services(name),
        };
        let section = section.ok_or_else(|| {
            Failure::General(format!(
                "The config sub-section ({name}) could not be found"
            ))
        })?;
        match varname.split('.').collect::<Vec<_>>()[..] {
            [key, sub] => sub_value(lookup(Some(section), key), sub),
            [_, _, _, ..] => None,
            _ => lookup(Some(section), &varname).map(found),
        }
    } else {
        let profile = session_profile(globals, env);
        let named = || profile.clone().unwrap_or_else(|| "default".to_owned());
        if !varname.contains('.') {
            // botocore's get_scoped_config raises ProfileNotFound for a named profile.
            crate::globals::selected_profile(globals, env)
                .require_in(profiles)
                .map_err(|e| Failure::General(e.to_string()))?;
            lookup(profiles.profile(&named()), &varname).map(found)
        } else {
            dotted(&files, &varname, named())?
        }
    };
    let mut out = std::io::stdout().lock();
    match found {
        Some(Found::Text(value)) => {
            let _ = writeln!(out, "{value}");
            Ok(0)
        }
        Some(Found::Nested) => {
            // The CLI writes this to stderr without a newline.
            eprint!("varname ({varname}) must reference a value, not a section or sub-section.");
            Ok(1)
        }
        None => Ok(1),
    }
}

/// A key as botocore's dictionaries hold it: keys are stored lower-case and looked up as given.
fn lookup<'a>(section: Option<&'a Section>, key: &str) -> Option<&'a Property> {
    if key.chars().any(char::is_uppercase) {
        return None;
    }
    section?.property(key)
}

fn found(property: &Property) -> Found<'_> {
    if property.value().starts_with('\n') {
        Found::Nested
    } else {
        Found::Text(property.value())
    }
}

fn sub_value<'a>(property: Option<&'a Property>, sub: &str) -> Option<Found<'a>> {
    let property = property?;
    if !property.value().starts_with('\n') {
        return None;
    }
    property.sub_property(sub).map(Found::Text)
}

/// `_get_dotted_config_value`.
fn dotted<'a>(
    files: &'a Files,
    varname: &str,
    named: String,
) -> Result<Option<Found<'a>>, Failure> {
    let profiles = &files.profiles;
    let parts: Vec<&str> = varname.split('.').collect();
    if parts.len() == 2 && is_predefined_section(parts[0]) {
        // A top-level section such as [plugins] is not a profile; the CLI then looks in the
        // profile of that name, which is what awscred reads.
        return Ok(lookup(profiles.profile(parts[0]), parts[1]).map(found));
    }
    let (profile, key, remaining): (String, &str, &[&str]) = if parts[0] == "profile" {
        if parts.len() < 3 {
            return Err(Failure::General("list index out of range".to_owned()));
        }
        (parts[1].to_owned(), parts[2], &parts[3..])
    } else if parts[0] == "default" || profiles.profile(parts[0]).is_some() {
        (parts[0].to_owned(), parts[1], &parts[2..])
    } else {
        (named, parts[0], &parts[1..])
    };
    let property = lookup(profiles.profile(&profile), key);
    Ok(match remaining {
        [sub] => sub_value(property, sub),
        _ => property.map(found),
    })
}
