//! `awscred configure mfa-login`: `aws configure mfa-login` (CLI v2 2.30.3+,
//! `configure/mfalogin.py`). STS `GetSessionToken` with an MFA code, signed with the profile's
//! long-term keys (or keys typed in when there are none), the session written into a profile of
//! the credentials file.

use awscred_core::{Credentials, Env, Secret};
use awscred_sts::{SessionTokenRequest, StsServiceError};
use clap::{Arg, ArgMatches, Command, value_parser};

use super::prompt::{ask, error_with_status_1};
use super::{Files, warn_if_permissive, write};
use crate::failure::Failure;
use crate::globals::Globals;

pub(crate) fn command() -> Command {
    crate::globals::command("mfa-login")
        .about("Get temporary credentials with an MFA code and write them into a profile")
        .arg(
            Arg::new("update-profile")
                .long("update-profile")
                .value_name("NAME")
                .help("The profile to write (default: ACCOUNT-DEVICE from the MFA ARN, asked)"),
        )
        .arg(
            Arg::new("duration-seconds")
                .long("duration-seconds")
                .value_name("SECONDS")
                .value_parser(value_parser!(i64))
                .default_value("43200")
                .help("How long the credentials last (900 to 129600 seconds)"),
        )
        .arg(
            Arg::new("serial-number")
                .long("serial-number")
                .value_name("ARN")
                .help("The MFA device's ARN or serial number (default: the profile's mfa_serial)"),
        )
}

/// `_generate_profile_name_from_mfa`.
pub(crate) fn default_profile_name(mfa_serial: &str) -> String {
    if mfa_serial.starts_with("arn:aws:iam::") {
        let parts: Vec<&str> = mfa_serial.split(':').collect();
        let device = parts
            .get(5)
            .map_or("", |p| p.rsplit('/').next().unwrap_or(p));
        return format!("{}-{device}", parts.get(4).unwrap_or(&""));
    }
    format!("session-{mfa_serial}")
}

/// The CLI's `get_credential_value`: `PROMPT: `, `None` for an empty answer.
fn ask_value(prompt: &str) -> Result<Option<String>, Failure> {
    Ok(Some(ask(&format!("{prompt}: "))?).filter(|a| !a.is_empty()))
}

pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<u8, Failure> {
    let files = Files::load(env)?;
    let duration = matches
        .get_one::<i64>("duration-seconds")
        .copied()
        .unwrap_or(43200);
    let serial_arg = matches.get_one::<String>("serial-number").cloned();
    let update_profile = matches.get_one::<String>("update-profile").cloned();
    let chain = globals.chain(env);
    let resolved = crate::runtime::block_on(chain.resolve())?;
    let prompted_for_keys = matches!(&resolved, Err(e) if e.is_not_configured());
    let (source, serial, token) = match resolved {
        Ok(creds) => {
            let configured = chain
                .profile_context()
                .ok()
                .and_then(|ctx| ctx.profile_value("mfa_serial"))
                .map(str::to_owned);
            let serial = match serial_arg.or(configured) {
                Some(s) => s,
                None => match ask_value("MFA serial number or ARN")? {
                    Some(s) => s,
                    None => {
                        return Ok(error_with_status_1(
                            "MFA serial number or MFA device ARN is required",
                        ));
                    }
                },
            };
            let Some(token) = ask_value("MFA token code")? else {
                return Ok(error_with_status_1("MFA token code is required"));
            };
            (creds, serial, token)
        }
        Err(e) if e.is_not_configured() => {
            println!("Please provide your AWS credentials:");
            let mut answers = Vec::new();
            for (key, prompt) in [
                ("aws_access_key_id", "AWS Access Key ID"),
                ("aws_secret_access_key", "AWS Secret Access Key"),
                ("mfa_serial", "MFA serial number or ARN"),
                ("mfa_token", "MFA token code"),
            ] {
                if key == "mfa_serial" {
                    if let Some(serial) = &serial_arg {
                        answers.push(serial.clone());
                        continue;
                    }
                }
                match ask_value(prompt)?.filter(|a| a != "None") {
                    Some(a) => answers.push(a),
                    None => return Ok(error_with_status_1(&format!("{prompt} is required"))),
                }
            }
            let [akid, secret, serial, token] = <[String; 4]>::try_from(answers)
                .map_err(|_| Failure::General("missing answers".to_owned()))?;
            (
                Credentials::new(akid, Secret::new(secret), None, None, "prompt"),
                serial,
                token,
            )
        }
        Err(e) => return Err(crate::export::checked(Err(e), env).unwrap_err()),
    };
    let target = match update_profile.filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => {
            let default = default_profile_name(&serial);
            let answer = ask(&format!("Profile to update [{default}]: "))?;
            if answer.is_empty() { default } else { answer }
        }
    };
    validate(duration, &serial, &token)?;
    // The chain's client: the profile's endpoint, and its retry settings as botocore's client.
    let client = chain
        .sts_client()
        .map_err(|e| Failure::General(e.to_string()))?;
    let request = SessionTokenRequest::default()
        .with_duration_seconds(u32::try_from(duration).ok())
        .with_mfa(serial, Secret::new(token));
    let session = match crate::runtime::block_on(client.get_session_token(&source, &request))? {
        Ok(session) => session,
        Err(e) if e.is_refused_by_service() => {
            // botocore's ClientError text: the service's code and message, not our context.
            let service =
                std::error::Error::source(&e).and_then(|s| s.downcast_ref::<StsServiceError>());
            let text = service.map_or_else(|| e.to_string(), ToString::to_string);
            return Ok(error_with_status_1(&format!("An error occurred: {text}")));
        }
        Err(e) => return Err(Failure::General(e.to_string())),
    };
    let update = awscred_profile::writer::SectionUpdate::new(target.clone())
        .set("aws_access_key_id", session.access_key_id.clone())
        .set("aws_secret_access_key", session.secret_access_key.expose())
        .set("aws_session_token", session.session_token.expose());
    write(env, &files.credentials, &update)?;
    warn_if_permissive(&files.credentials);
    let expires = expiry_text(session.expiration, prompted_for_keys);
    println!("Temporary credentials written to profile '{target}'");
    println!("Credentials will expire at {expires}");
    println!("To use these credentials, specify --profile {target} when running AWS CLI commands");
    Ok(0)
}

/// How the CLI prints the expiry. With keys typed in, it calls STS through a plain botocore
/// session, whose datetime it formats as `YYYY-MM-DD HH:MM:SS UTC`; with the profile's keys, it
/// uses its own session, whose timestamps are already ISO 8601 strings (Python's `isoformat`:
/// microseconds when there are any, `+00:00`).
fn expiry_text(expiration: std::time::SystemTime, prompted_for_keys: bool) -> String {
    let z = awscred_core::timestamp::format_z(expiration);
    let seconds = z.trim_end_matches('Z');
    if prompted_for_keys {
        return format!("{} UTC", seconds.replace('T', " "));
    }
    let micros = expiration
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros());
    match micros {
        0 => format!("{seconds}+00:00"),
        us => format!("{seconds}.{us:06}+00:00"),
    }
}

/// botocore's checks of the request against the STS model (minimums only, as botocore checks).
fn validate(duration: i64, serial: &str, token: &str) -> Result<(), Failure> {
    let mut problems = Vec::new();
    if duration < 900 {
        problems.push(format!(
            "Invalid value for parameter DurationSeconds, value: {duration}, valid min value: 900"
        ));
    }
    if serial.chars().count() < 9 {
        problems.push(format!(
            "Invalid length for parameter SerialNumber, value: {}, valid min length: 9",
            serial.chars().count()
        ));
    }
    if token.chars().count() < 6 {
        problems.push(format!(
            "Invalid length for parameter TokenCode, value: {}, valid min length: 6",
            token.chars().count()
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure::ParamValidation(format!(
        "Parameter validation failed:\n{}",
        problems.join("\n")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_names_are_the_clis() {
        assert_eq!(
            default_profile_name("arn:aws:iam::123456789012:mfa/dev-phone"),
            "123456789012-dev-phone"
        );
        assert_eq!(default_profile_name("GAHT12345678"), "session-GAHT12345678");
    }

    #[test]
    fn expiry_as_each_cli_path_prints_it() {
        let t = awscred_core::timestamp::parse("2026-12-06T16:00:43.745795Z").unwrap();
        assert_eq!(expiry_text(t, false), "2026-12-06T16:00:43.745795+00:00");
        assert_eq!(expiry_text(t, true), "2026-12-06 16:00:43 UTC");
        let t = awscred_core::timestamp::parse("2026-12-06T16:00:43Z").unwrap();
        assert_eq!(expiry_text(t, false), "2026-12-06T16:00:43+00:00");
    }
}
