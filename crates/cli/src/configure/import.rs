//! `awscred configure import --csv file://PATH`: `aws configure import` (`configure/importer.py`),
//! the IAM console's access-key CSV into profiles of the credentials file.

use awscred_core::Env;
use awscred_core::fs::ReadLimit;
use awscred_profile::writer::SectionUpdate;
use clap::{Arg, ArgAction, ArgMatches, Command};

use super::{Files, warn_if_permissive, write};
use crate::failure::Failure;

const USER_NAME: &str = "User Name";
const ACCESS_KEY_ID: &str = "Access Key ID";
const SECRET_ACCESS_KEY: &str = "Secret Access key";

pub(crate) fn command() -> Command {
    crate::globals::command("import")
        .about("Import the IAM console's access-key CSV as profiles of the credentials file")
        .arg(
            Arg::new("csv")
                .long("csv")
                .required(true)
                .value_name("CSV")
                .help("file://PATH of the CSV (with User name, Access key ID and Secret access key), or the CSV itself"),
        )
        .arg(
            Arg::new("skip-invalid")
                .long("skip-invalid")
                .action(ArgAction::SetTrue)
                .help("Skip rows that are invalid instead of failing"),
        )
        .arg(
            Arg::new("profile-prefix")
                .long("profile-prefix")
                .value_name("PREFIX")
                .default_value("")
                .help("Put this before every profile name"),
        )
}

pub(crate) fn run(matches: &ArgMatches, env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    let csv = matches
        .get_one::<String>("csv")
        .cloned()
        .unwrap_or_default();
    let strict = !matches.get_flag("skip-invalid");
    let prefix = matches
        .get_one::<String>("profile-prefix")
        .cloned()
        .unwrap_or_default();
    let contents = match csv.strip_prefix("file://") {
        Some(path) => read_param_file(env, path)?,
        None => {
            if !csv.contains('\n') && std::path::Path::new(&csv).exists() {
                return Err(Failure::General(
                    "You may be passing a file to import without the 'file://' prefix. To import \
                     a CSV file, use --csv file://path/to/file.csv"
                        .to_owned(),
                ));
            }
            csv
        }
    };
    warn_if_permissive(&files.credentials);
    let rows = parse(&contents, strict).map_err(Failure::General)?;
    for (name, akid, secret) in &rows {
        let update = SectionUpdate::new(format!("{prefix}{name}"))
            .set("aws_access_key_id", *akid)
            .set("aws_secret_access_key", *secret);
        write(env, &files.credentials, &update)?;
    }
    println!("Successfully imported {} profile(s)", rows.len());
    Ok(0)
}

/// The CLI's `file://` parameter: the file's text, or its usage error (252).
fn read_param_file(env: &Env, path: &str) -> Result<String, Failure> {
    let expanded = awscred_profile::expand_path(path, env);
    let fail = |why: String| {
        Failure::ParamValidation(format!(
            "Error parsing parameter '--csv': Unable to load paramfile file://{path}: {why}"
        ))
    };
    let bytes = env.read_file(&expanded, ReadLimit::CONFIG).map_err(|e| {
        fail(match e.kind() {
            // CPython's words for the commonest case, as the CLI quotes them.
            std::io::ErrorKind::NotFound => {
                format!(
                    "[Errno 2] No such file or directory: '{}'",
                    expanded.display()
                )
            }
            _ => e.to_string(),
        })
    })?;
    String::from_utf8(bytes).map_err(|_| fail("the file is not valid UTF-8".to_owned()))
}

/// Python's `str.splitlines`.
fn split_lines(text: &str) -> Vec<&str> {
    let breaks = [
        '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\u{85}', '\u{2028}', '\u{2029}',
    ];
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(breaks) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                rest = &rest[i + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

fn header_key(header: &str) -> String {
    header
        .strip_prefix('\u{feff}')
        .unwrap_or(header)
        .to_lowercase()
        .trim()
        .to_owned()
}

/// `CSVCredentialParser`: (user name, access key id, secret key) per row.
fn parse(csv: &str, strict: bool) -> Result<Vec<(&str, &str, &str)>, String> {
    if csv.trim().is_empty() {
        return Err("Provided CSV contains no contents".to_owned());
    }
    let lines = split_lines(csv);
    let headers: Vec<String> = lines[0].split(',').map(header_key).collect();
    let mut indices = Vec::new();
    for expected in [USER_NAME, ACCESS_KEY_ID, SECRET_ACCESS_KEY] {
        let index = headers
            .iter()
            .position(|h| *h == header_key(expected))
            .ok_or_else(|| format!("Expected header \"{expected}\" not found"))?;
        indices.push((expected, index));
    }
    let mut rows = Vec::new();
    for (count, row) in lines[1..].iter().enumerate() {
        let cols: Vec<&str> = row.split(',').collect();
        let mut values = Vec::new();
        let mut missing = None;
        for (header, index) in &indices {
            match cols.get(*index).map(|c| c.trim()).filter(|c| !c.is_empty()) {
                Some(v) => values.push(v),
                None => {
                    missing = Some(*header);
                    break;
                }
            }
        }
        match missing {
            None => rows.push((values[0], values[1], values[2])),
            Some(_) if !strict => {}
            Some(header) => {
                return Err(format!(
                    "Failed to parse entry #{}: Row missing value for header \"{header}\"",
                    count + 1
                ));
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_consoles_csv() {
        let csv = "\u{feff}User name,Password,Access key ID,Secret access key,Console login link\r\n\
                   alice,pw,AKIA1,S1,https://x\r\n bob , ,AKIA2 , S2,\r\n";
        assert_eq!(
            parse(csv, true).unwrap(),
            vec![("alice", "AKIA1", "S1"), ("bob", "AKIA2", "S2")]
        );
        let bad = "User Name,Access Key ID,Secret Access Key\nalice,AKIA1,\ncarol,AKIA3,S3\n";
        assert_eq!(
            parse(bad, true).unwrap_err(),
            "Failed to parse entry #1: Row missing value for header \"Secret Access key\""
        );
        assert_eq!(parse(bad, false).unwrap(), vec![("carol", "AKIA3", "S3")]);
        assert_eq!(
            parse("User Name,Access Key ID\n", true).unwrap_err(),
            "Expected header \"Secret Access key\" not found"
        );
        assert_eq!(
            parse(" \n", true).unwrap_err(),
            "Provided CSV contains no contents"
        );
    }
}
