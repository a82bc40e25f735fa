//! `awscred configure set KEY VALUE`: `aws configure set` (`configure/set.py`), key for key.

use awscred_core::Env;
use awscred_profile::writer::{self, SectionUpdate};
use clap::{Arg, ArgMatches, Command};

use super::{Files, session_profile, warn_if_permissive, write};
use crate::failure::Failure;
use crate::globals::Globals;

/// Keys the CLI writes to the credentials file instead of the config file.
pub(crate) const CREDENTIAL_KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// The CLI v2's `PREDEFINED_SECTION_NAMES` is the string `'plugins'`, not a tuple, so its
/// `in` tests are substring tests: `plugins`, `plug`, `s` and the empty string all pass.
pub(crate) fn is_predefined_section(name: &str) -> bool {
    "plugins".contains(name)
}

pub(crate) fn command() -> Command {
    crate::globals::command("set")
        .about(
            "Set a value in the config file (keys in the credentials file), as `aws configure set`",
        )
        .arg(
            Arg::new("varname")
                .required(true)
                .help("The name of the config value to set"),
        )
        .arg(Arg::new("value").required(true).help("The value to set"))
        .arg(
            Arg::new("sso-session")
                .long("sso-session")
                .value_name("NAME")
                .help("Set the value in this [sso-session NAME] section"),
        )
        .arg(
            Arg::new("services")
                .long("services")
                .value_name("NAME")
                .help("Set the value in this [services NAME] section"),
        )
}

pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    super::one_subsection(matches)?;
    let arg = |name: &str| matches.get_one::<String>(name).cloned();
    let varname = arg("varname").unwrap_or_default();
    let value = arg("value").unwrap_or_default();
    for kind in ["sso-session", "services"] {
        if let Some(name) = arg(kind) {
            return set_subsection(&files, env, kind, &name, &varname, value);
        }
    }
    if varname.split('.').count() == 2 && varname.starts_with("profile.") {
        // The CLI fails here with an IndexError.
        return Err(Failure::General(format!(
            "{varname}: name the key too, as in profile.NAME.KEY"
        )));
    }
    let (section_profile, key, nested) = target(&varname, session_profile(globals, env));
    let apply = |update: SectionUpdate| match nested {
        Some(sub) => update.set_nested(key.clone(), sub, value.clone()),
        None => update.set(key.clone(), value.clone()),
    };
    if CREDENTIAL_KEYS.contains(&key.as_str()) {
        write(
            env,
            &files.credentials,
            &apply(SectionUpdate::new(section_profile)),
        )?;
        warn_if_permissive(&files.credentials);
        return Ok(0);
    }
    let section = if is_predefined_section(&section_profile) || section_profile == "default" {
        section_profile
    } else {
        writer::profile_section(&section_profile)
    };
    write(env, &files.config, &apply(SectionUpdate::new(section)))?;
    Ok(0)
}

/// `_run_main`'s reading of the dotted name: the profile (or predefined section), the key,
/// and the sub-key of a nested value.
fn target(varname: &str, session_profile: Option<String>) -> (String, String, Option<String>) {
    let named = || {
        session_profile
            .clone()
            .unwrap_or_else(|| "default".to_owned())
    };
    if !varname.contains('.') {
        return (named(), varname.to_owned(), None);
    }
    let parts: Vec<&str> = varname.split('.').collect();
    let (profile, remaining): (String, &[&str]) = match parts[0] {
        "default" => ("default".to_owned(), &parts[1..]),
        "profile" => (parts[1].to_owned(), &parts[2..]),
        first if !is_predefined_section(first) => (named(), &parts[..]),
        _ if parts.len() == 2 => return (parts[0].to_owned(), parts[1].to_owned(), None),
        // The CLI then writes the whole dotted name as a key of the default profile.
        _ => return ("default".to_owned(), varname.to_owned(), None),
    };
    // `profile.NAME` alone fails in the CLI (IndexError); the name is then the key.
    let key = remaining
        .first()
        .map_or_else(|| varname.to_owned(), |k| (*k).to_owned());
    let nested = (remaining.len() == 2).then(|| remaining[1].to_owned());
    (profile, key, nested)
}

fn set_subsection(
    files: &Files,
    env: &Env,
    kind: &str,
    name: &str,
    varname: &str,
    value: String,
) -> Result<u8, Failure> {
    let allowed = |c: char| c.is_alphanumeric() || "_-/.%@:+".contains(c);
    if !name.starts_with(allowed) {
        // The CLI puts its own prefix into this one message.
        return Err(Failure::ParamValidation(format!(
            "awscred: [ERROR]: Invalid value for --{kind}."
        )));
    }
    let update = SectionUpdate::new(writer::section_header(kind, name));
    let update = match varname.split_once('.') {
        None => update.set(varname, value),
        Some((_, sub)) if sub.contains('.') => {
            return Err(Failure::ParamValidation(
                "Found more than two parts in the property to set. Deep nesting of properties \
                 is not supported."
                    .to_owned(),
            ));
        }
        Some((key, sub)) => update.set_nested(key, sub, value),
    };
    write(env, &files.config, &update)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_as_the_cli_reads_them() {
        let t = |v: &str, p: Option<&str>| target(v, p.map(str::to_owned));
        let s =
            |a: &str, b: &str, c: Option<&str>| (a.to_owned(), b.to_owned(), c.map(str::to_owned));
        assert_eq!(t("region", None), s("default", "region", None));
        assert_eq!(t("region", Some("dev")), s("dev", "region", None));
        assert_eq!(
            t("default.region", Some("dev")),
            s("default", "region", None)
        );
        assert_eq!(t("profile.x.region", None), s("x", "region", None));
        assert_eq!(t("profile.x.s3.a", None), s("x", "s3", Some("a")));
        assert_eq!(
            t("s3.max_concurrent_requests", Some("d")),
            s("d", "s3", Some("max_concurrent_requests"))
        );
        assert_eq!(t("plugins.foo", None), s("plugins", "foo", None));
        assert_eq!(t("lug.foo", None), s("lug", "foo", None));
    }
}
