//! `awscred console`: the AWS Management Console, signed in with the credentials the chain gives
//! the profile. Temporary credentials (a role, SSO, an `aws login` session...) are exchanged
//! for a sign-in token at the partition's federation endpoint; long-term keys are first turned
//! into temporary ones with STS `GetFederationToken` and [`FEDERATION_POLICY`]. The login URL is
//! opened in the default browser, or printed with `--print`; it is never logged.

mod federation;

use std::io::Write;
use std::sync::Arc;

use awscred_core::http::{HttpClient, HyperClient};
use awscred_core::{Credentials, Env};
use awscred_sts::{FederationTokenRequest, StsClient, StsEndpoint};
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::failure::Failure;
use crate::globals::{self, Globals};
use federation::Partition;

/// The session policy of `GetFederationToken`: everything. A federated user's permissions are
/// the intersection of this policy and the IAM user's own, so the console session can do what
/// the user can (except IAM and most STS calls, which federated users cannot make), no more.
pub(crate) const FEDERATION_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The federated user's name (`arn:aws:sts::<account>:federated-user/awscred-console`).
const FEDERATED_USER: &str = "awscred-console";

/// The subcommand's parser (`--profile` and `--region` are the global options).
pub(crate) fn command() -> Command {
    globals::command("console")
        .about("Open the AWS Management Console signed in with the profile's credentials")
        .long_about(
            "Open the AWS Management Console signed in with the profile's credentials (or print \
             the sign-in URL with --print). The URL is a secret: whoever has it has the session.",
        )
        .arg(
            Arg::new("service")
                .long("service")
                .value_name("NAME")
                .default_value("console")
                .help("The console page: a service (`s3`, `ec2`...) or a path (`ec2/v2/home`)"),
        )
        .arg(
            Arg::new("print")
                .long("print")
                .action(ArgAction::SetTrue)
                .help("Print the sign-in URL on stdout instead of opening a browser"),
        )
        .arg(
            Arg::new("duration")
                .long("duration")
                .value_name("DURATION")
                .value_parser(parse_duration)
                .help(
                    "How long the console session lasts (`900`, `45m`, `12h`): GetFederationToken's \
                     DurationSeconds for long-term keys, the federation endpoint's SessionDuration \
                     for role credentials",
                ),
        )
}

/// `900`, `90s`, `45m`, `12h`, `1h30m`: seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let invalid = || format!("`{text}` is not a duration (e.g. 900, 45m, 12h, 1h30m)");
    if let Ok(n) = text.parse::<u64>() {
        return Ok(n);
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(invalid()),
        };
        let n: u64 = number.parse().map_err(|_| invalid())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(invalid)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(invalid());
    }
    Ok(total)
}

/// Opens (or prints) the console URL; returns the exit status.
pub(crate) fn run(globals: &Globals, matches: &ArgMatches, env: &Env) -> u8 {
    match console(globals, matches, env) {
        Ok(()) => 0,
        Err(failure) => failure.report(),
    }
}

fn console(globals: &Globals, matches: &ArgMatches, env: &Env) -> Result<(), Failure> {
    let chain = globals.chain(env);
    globals::check_profile_exists(globals, env, &chain)?;
    let region = chain.region();
    let partition =
        Partition::for_region(region.as_deref(), env).map_err(Failure::Configuration)?;
    let service = matches
        .get_one::<String>("service")
        .map_or("console", String::as_str);
    let duration = matches.get_one::<u64>("duration").copied();
    let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(env));
    let creds = crate::export::resolve(&chain, env)?;
    let long_term = creds.session_token().is_none();
    if let Some(d) = duration {
        // GetFederationToken's DurationSeconds, or the federation endpoint's SessionDuration.
        let (range, what) = if long_term {
            (900..=129_600, "GetFederationToken (long-term keys)")
        } else {
            (900..=43_200, "the federation endpoint's SessionDuration")
        };
        if !range.contains(&d) {
            return Err(Failure::Configuration(format!(
                "--duration {d}s is out of range for {what}: {} to {} seconds",
                range.start(),
                range.end()
            )));
        }
    }
    let url = crate::runtime::block_on(async {
        let (creds, session_duration) = if creds.session_token().is_some() {
            (creds, duration)
        } else {
            (
                federation_token(&chain, http.clone(), &creds, duration).await?,
                None,
            )
        };
        let token = partition
            .signin_token(http.as_ref(), &creds, session_duration)
            .await
            .map_err(Failure::General)?;
        let destination = partition.destination(service, region.as_deref());
        Ok::<_, Failure>(partition.login_url(&destination, &token))
    })??;
    tracing::debug!(
        service,
        region = region.as_deref().unwrap_or(""),
        "console sign-in URL made"
    );
    if matches.get_flag("print") {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(url.expose().as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
            .map_err(|e| Failure::General(format!("cannot write to stdout: {e}")));
    }
    eprintln!("Opening the AWS console in your browser (use --print to get the URL instead).");
    awscred_sso::open_browser(url.expose());
    Ok(())
}

/// Long-term keys cannot sign in to the console: `GetFederationToken` (signed with them, at the
/// profile's STS endpoint) turns them into a federated user's temporary credentials.
async fn federation_token(
    chain: &awscred_chain::Chain,
    http: Arc<dyn HttpClient>,
    creds: &Credentials,
    duration: Option<u64>,
) -> Result<Credentials, Failure> {
    let ctx = chain
        .profile_context()
        .map_err(|e| Failure::General(e.to_string()))?;
    let endpoint = StsEndpoint::resolve(ctx).map_err(|e| Failure::Configuration(e.to_string()))?;
    let request = FederationTokenRequest::new(FEDERATED_USER.into())
        .with_policy(Some(FEDERATION_POLICY.into()))
        .with_duration_seconds(duration.map(|d| u32::try_from(d).unwrap_or(u32::MAX)));
    let sts = StsClient::new(http, endpoint);
    let issued = sts
        .get_federation_token(creds, &request)
        .await
        .map_err(|e| Failure::Client(e.to_string()))?;
    Ok(Credentials::new(
        issued.access_key_id.clone(),
        issued.secret_access_key.clone(),
        Some(issued.session_token.clone()),
        Some(issued.expiration),
        "sts-federation-token",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900"), Ok(900));
        assert_eq!(parse_duration("45m"), Ok(2700));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("90s"), Ok(90));
        for bad in ["", "h", "1x", "1h30", "0m", "-5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
