//! `awscred export-credentials` against the real AWS CLI v2 (`aws configure export-credentials`,
//! 2.36.7 built from its source), on every case of the botocore differential
//! (tests/diff_cases) and the cases below that only the real CLI answers faithfully (its own
//! exit statuses for a profile that does not exist, a file it cannot parse, parameters botocore
//! refuses before calling STS), and the `aws login` and SSO cases whose answers do not depend on
//! the clock (expiries in 2099 or 2001, a fake that answers the same way every time).
//!
//! CI cannot run the CLI v2, so its answers are a fixture, `tests/fixtures/cliv2_export.json`:
//! exit status, stdout and the last line of stderr of each case, with the temporary home written
//! `{home}` and the fake's address `{fake}`. To re-record it (the CLI's answers do not depend on
//! the machine; the fake answers the same way every time):
//!
//! ```sh
//! AWSCRED_CLIV2=/work/ref/venv-cliv2/bin/aws cargo test -p awscred-cli --test cliv2_diff
//! ```
//!
//! The test then compares awscred with the fixture: the exit status and stdout must be identical,
//! and the last line of stderr must be the CLI's (`aws: ` read as `awscred: `) or hold the CLI's
//! message verbatim inside the context awscred adds. The cases that differ on purpose are listed
//! in [`KNOWN_DIFFERENCES`] (and in docs/conformance.md); any other difference fails, and so does
//! a listed case that stops differing. A second test checks that `explain` exits as
//! `export-credentials` does in every case.
//!
//! On Windows (under Wine in CI) awscred is compared with the same answers, recorded on Linux:
//! the CLI's answers differ there only where they spell a path (`{home}\.aws\config`) and in
//! its line endings (Python writes `\r\n` to a Windows console or pipe), so those two are
//! read the Linux way before comparing ([`platform_neutral`]).

mod diff_cases;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use awscred_testkit::{ClearEnv as _, TempDir};
use diff_cases::{
    Case, Outcome, case, cases, fake_service, role_case, run_awscred, setup, sso_role_case,
};
use serde_json::{Value, json};

/// The cases only the real CLI answers: what botocore_export.py cannot model.
fn cliv2_cases() -> Vec<Case> {
    vec![
        // Profiles that do not exist, the ways a newcomer meets them.
        case("config [dev] without the profile prefix")
            .config("[dev]\naws_access_key_id = A\naws_secret_access_key = S\n")
            .profile("dev"),
        case("AWS_PROFILE naming a credentials-file [profile dev]")
            .credentials("[profile dev]\naws_access_key_id = A\naws_secret_access_key = S\n")
            .env("AWS_PROFILE", "dev"),
        case("--profile that does not exist, no files").profile("nope"),
        // Files that cannot be parsed.
        case("config file that cannot be parsed").config("[default\nregion = us-east-1\n"),
        case("credentials file that cannot be parsed")
            .credentials("aws_access_key_id = A\naws_secret_access_key = S\n"),
        case("config file that cannot be parsed, --profile")
            .config("[profile dev\nregion = us-east-1\n")
            .credentials(diff_cases::CREDS)
            .profile("dev"),
        case("config file that cannot be parsed, env keys")
            .config("[default\nregion = us-east-1\n")
            .keys(),
        // Parameters botocore refuses against the STS model before any request.
        role_case("assume role, duration_seconds under 900", "garbled", "duration_seconds = 899\n"),
        role_case("assume role, role_session_name of 1 character", "garbled", "role_session_name = a\n"),
        role_case("assume role, external_id of 1 character", "garbled", "external_id = x\n"),
        role_case("assume role, mfa_serial under 9 characters", "garbled", "mfa_serial = short\n"),
        case("assume role, role_arn under 20 characters")
            .env("AWS_ENDPOINT_URL", "{fake}")
            .config("[profile r]\nrole_arn = arn:aws:iam::1:r\nsource_profile = src\nregion = us-east-1\n")
            .credentials(diff_cases::SOURCE_KEYS)
            .profile("r"),
        case("web identity, AWS_ROLE_SESSION_NAME of 1 character")
            .env("AWS_ENDPOINT_URL", "{fake}")
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/garbled")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", "{home}/token")
            .env("AWS_ROLE_SESSION_NAME", "a")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .file("token", "a-web-identity-token"),
        case("web identity, token under 4 characters")
            .env("AWS_ENDPOINT_URL", "{fake}")
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/garbled")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", "{home}/token")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .file("token", "abc"),
        // Accepted by the model: the request is sent (the fake answers 400 without XML).
        role_case("assume role, duration_seconds of 900", "garbled", "duration_seconds = 900\n"),
        // IAM Identity Center answering (tests/sso.rs's export after a login).
        sso_role_case(
            "SSO GetRoleCredentials answers",
            "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\
             sso_role_name = Good\n\n[sso-session corp]\n\
             sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
        ),
        // `aws login` sessions (tests/login_refresh.rs), at times that do not depend on the clock:
        // good until 2099 (no refresh), or ended in 2001 (a refresh, which the fake refuses).
        login_case("aws login session good until 2099", Some("2099-01-01T00:00:00Z"), None),
        login_case("aws login session, token file missing", None, None),
        login_case(
            "aws login session expired, the refresh refused (TOKEN_EXPIRED)",
            Some("2001-01-01T00:00:00Z"),
            None,
        ),
        login_case(
            "aws login session expired, a key that is not base64",
            Some("2001-01-01T00:00:00Z"),
            Some("-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5a\n-----END EC PRIVATE KEY-----\n"),
        ),
    ]
}

/// An `aws login` session profile `web`: its token file (in the CLI's format, as
/// tests/login_refresh.rs writes it) when `expires_at` is given, with the cross-SDK suite's key
/// or `key`; every endpoint at the fake.
fn login_case(name: &'static str, expires_at: Option<&str>, key: Option<&str>) -> Case {
    /// sha256 of the session ARN, the CLI's file name.
    const TOKEN_FILE: &str =
        ".aws/login/cache/b7d71d383b9557a9bad4c3346c50365819226484c6824a0fdef66637be339db0.json";
    let c = case(name)
        .env("AWS_ENDPOINT_URL", "{fake}")
        .config(
            "[profile web]\nlogin_session = arn:aws:iam::123456789012:user/alice\n\
             region = eu-west-1\n",
        )
        .profile("web");
    let Some(expires_at) = expires_at else {
        return c;
    };
    let key = key.map_or_else(awscred_testkit::signin_fake::suite_dpop_key, str::to_owned);
    let token = json!({
        "accessToken": {
            "accessKeyId": "ASIALOGIN", "secretAccessKey": "loginsecret",
            "sessionToken": "logintoken", "accountId": "123456789012", "expiresAt": expires_at,
        },
        "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": "refresh-0", "idToken": "id.token.jwt", "dpopKey": key,
    });
    c.file(TOKEN_FILE, Box::leak(token.to_string().into_boxed_str()))
}

fn all_cases() -> Vec<Case> {
    let mut all = cases();
    all.extend(cliv2_cases());
    all
}

/// Cases where awscred answers differently on purpose, with the kind of difference (`output`:
/// exit status or stdout; `message`: the last line of stderr, the CLI's message not in it) and
/// why. Mirrored in docs/conformance.md.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "legacy SSO token expired",
        "message",
        "awscred names the profile and its own login command (`awscred sso login --profile s`) \
         where the CLI says `aws sso login with the corresponding profile`",
    ),
    (
        "SSO GetRoleCredentials unauthorized",
        "message",
        "as the case above",
    ),
    (
        "SSO GetRoleCredentials answers 400 without JSON",
        "message",
        "the CLI quotes the unparseable error body; awscred never quotes a service's body (it \
         may be anything a proxy returns) and names the endpoint and status. Same exit status",
    ),
    (
        "web identity env, token file missing",
        "message",
        "the CLI's text is CPython's OSError format (`[Errno 2] No such file or directory: \
         'PATH'`); awscred names the token file, the role and the profile in Rust's words",
    ),
    (
        "web identity profile, token file missing",
        "message",
        "as the case above",
    ),
    (
        "assume role, STS answers 400 without XML",
        "message",
        "the CLI's last line is the body it could not parse (`b'this is not XML'`, after a \
         Python parse error); awscred names endpoint, status and content type, never the body",
    ),
    (
        "assume role, STS answers 403 without a body",
        "message",
        "as the case above (`b''`)",
    ),
    (
        "assume role, mfa_serial under 9 characters",
        "message",
        "with no terminal to ask for the MFA code on, the CLI's prompt meets the end of its input \
         and it prints an empty error (`aws: [ERROR]:`, Python's EOFError has no text); awscred \
         says which role needs a code and that there is no terminal. Same exit status (255)",
    ),
    (
        "assume role, duration_seconds of 900",
        "message",
        "as the case above: the model accepts 900, the request goes out and the fake answers \
         400 without XML",
    ),
    (
        "aws login session, token file missing",
        "message",
        "awscred writes botocore's (PyPI) and the cross-SDK suite's sentence (`... session S. \
         Please reauthenticate with 'aws login'.`) without botocore's `Error loading login \
         session token:` lead; the CLI v2's botocore fork writes `S, Please`. Same exit status \
         (253)",
    ),
    (
        "aws login session expired, the refresh refused (TOKEN_EXPIRED)",
        "message",
        "awscred gives botocore's (PyPI 1.44.8) one message for every refusal of the refresh \
         (`Your session has expired or credentials have changed. Please reauthenticate using \
         'aws login'.`, which tests/login_refresh.rs holds it to), then the service's error; \
         the CLI v2's fork has one message per error code (`Your session has expired. ...`). \
         Same exit status (255)",
    ),
    (
        "aws login session expired, a key that is not base64",
        "message",
        "the CLI appends CPython's binascii text (`Invalid base64-encoded string: number of \
         data characters (13) cannot be 1 more than a multiple of 4`); awscred ends botocore's \
         sentence with a period and says in its own words that the key is not valid base64, \
         naming the session, the profile and the file. Same exit status (255)",
    ),
];

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cliv2_export.json")
}

/// What the CLI answered in one case.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recorded {
    code: i32,
    stdout: String,
    /// The last non-empty line of stderr, `{home}` and `{fake}` in place of the run's own.
    stderr: String,
}

fn last_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

fn generalise(text: &str, home: &Path, fake: &str) -> String {
    text.replace(home.to_str().unwrap(), "{home}")
        .replace(fake, "{fake}")
}

fn run_cliv2(aws: &str, case: &Case, env: &BTreeMap<String, String>) -> Outcome {
    let mut cmd = Command::new(aws);
    cmd.env_clear()
        .envs(env)
        .args(["configure", "export-credentials", "--format", case.format]);
    if let Some(profile) = case.profile {
        cmd.args(["--profile", profile]);
    }
    let out = cmd.output().expect("the AWS CLI v2 runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs every case with the CLI v2 at `aws` and writes the fixture.
fn record(aws: &str, cases: &[Case]) {
    let fake = fake_service();
    let version = Command::new(aws).arg("--version").output().unwrap();
    let mut recorded = Vec::new();
    for case in cases {
        let home = TempDir::new("cliv2");
        let env = setup(case, home.path(), &fake.url());
        let out = run_cliv2(aws, case, &env);
        recorded.push(json!({
            "name": case.name,
            "code": out.code,
            "stdout": generalise(&out.stdout, home.path(), &fake.url()),
            "stderr": generalise(last_line(&out.stderr), home.path(), &fake.url()),
        }));
    }
    let doc = json!({
        "recorded_with": String::from_utf8_lossy(&version.stdout).trim(),
        "command": "aws configure export-credentials",
        "cases": recorded,
    });
    std::fs::create_dir_all(fixture_path().parent().unwrap()).unwrap();
    std::fs::write(
        fixture_path(),
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
    )
    .unwrap();
}

fn fixture() -> BTreeMap<String, Recorded> {
    let text = std::fs::read_to_string(fixture_path()).expect("the CLI v2 fixture");
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                Recorded {
                    code: c["code"].as_i64().unwrap() as i32,
                    stdout: c["stdout"].as_str().unwrap().to_owned(),
                    stderr: c["stderr"].as_str().unwrap().to_owned(),
                },
            )
        })
        .collect()
}

/// awscred on `case`, in the fixture's terms.
fn awscred(case: &Case, fake: &str) -> Recorded {
    let home = TempDir::new("cliv2-awscred");
    let env = setup(case, home.path(), fake);
    let out = run_awscred(case, &env);
    Recorded {
        code: out.code,
        stdout: platform_neutral(&generalise(&out.stdout, home.path(), fake), false),
        stderr: platform_neutral(&generalise(last_line(&out.stderr), home.path(), fake), true),
    }
}

/// `text` as it reads on Linux, where the fixture was recorded: on Windows, `\r\n` line ends
/// read as `\n`, and in a message (`is_message`) the path separator `\` as `/` (no message of
/// these cases holds a backslash but in a path). Elsewhere `text` as it is.
fn platform_neutral(text: &str, is_message: bool) -> String {
    if !cfg!(windows) {
        return text.to_owned();
    }
    let text = text.replace("\r\n", "\n");
    if is_message {
        text.replace('\\', "/")
    } else {
        text
    }
}

#[test]
fn export_credentials_matches_the_cli_v2() {
    let cases = all_cases();
    if let Ok(aws) = std::env::var("AWSCRED_CLIV2") {
        record(&aws, &cases);
    }
    let recorded = fixture();
    assert_eq!(
        recorded.len(),
        cases.len(),
        "the fixture has {} cases, the suite {}: re-record it",
        recorded.len(),
        cases.len()
    );
    let fake = fake_service();
    let (mut identical, mut with_context, mut known) = (0, 0, 0);
    let mut unexpected = Vec::new();
    for case in &cases {
        let want = recorded
            .get(case.name)
            .unwrap_or_else(|| panic!("{:?} is not in the fixture: re-record it", case.name));
        let got = awscred(case, &fake.url());
        let cli_message = want.stderr.strip_prefix("aws: ").unwrap_or(&want.stderr);
        let ours = got.stderr.strip_prefix("awscred: ").unwrap_or(&got.stderr);
        // The CLI's cause, after the words its handlers put before it, which awscred must write
        // the same; awscred may add context around the cause (the profile, the file).
        let mut cause = cli_message;
        for prefix in [
            "[ERROR]:",
            " ",
            "An error occurred (Configuration): ",
            "Unable to retrieve credentials: ",
        ] {
            cause = cause.strip_prefix(prefix).unwrap_or(cause);
        }
        let lead = &cli_message[..cli_message.len() - cause.len()];
        let kind = if got.code != want.code || got.stdout != want.stdout {
            Some("output")
        } else if ours == cli_message {
            identical += 1;
            None
        } else if !cause.trim().is_empty() && ours.starts_with(lead) && ours.contains(cause) {
            with_context += 1;
            None
        } else {
            Some("message")
        };
        let listed = KNOWN_DIFFERENCES
            .iter()
            .chain(diff_cases::OUTPUT_DIFFERENCES)
            .find(|(n, _, _)| *n == case.name);
        match (kind, listed) {
            (None, None) => {}
            (None, Some(_)) => unexpected.push(format!(
                "{:?} is listed as a known difference but now agrees with the CLI v2",
                case.name
            )),
            (Some(kind), Some((_, listed_kind, _))) if kind == *listed_kind => known += 1,
            (Some(kind), _) => unexpected.push(format!(
                "{:?}: {kind} differs\n  CLI v2:  {want:?}\n  awscred: {got:?}",
                case.name
            )),
        }
    }
    eprintln!(
        "{} cases: {identical} identical to the CLI v2, {with_context} with the CLI's message \
         inside added context, {known} known differences, {} unexpected",
        cases.len(),
        unexpected.len()
    );
    assert!(unexpected.is_empty(), "\n{}", unexpected.join("\n"));
    // No case sent STS a request the CLI refuses before sending (ParamValidationError).
    let refused_before_sending = fake.requests().iter().any(|r| {
        let body = String::from_utf8_lossy(&r.body);
        body.contains("DurationSeconds=899")
            || body.contains("RoleSessionName=a&")
            || body.contains("ExternalId=x&")
    });
    assert!(!refused_before_sending, "{:#?}", fake.requests());
}

#[test]
fn explain_exits_as_export_credentials_in_every_case() {
    let fake = fake_service();
    let mut differ = Vec::new();
    for case in all_cases() {
        let home = TempDir::new("cliv2-explain");
        let env = setup(&case, home.path(), &fake.url());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
        cmd.env_clear_but_essentials().envs(&env).arg("explain");
        if let Some(profile) = case.profile {
            cmd.args(["--profile", profile]);
        }
        let explain = cmd.output().unwrap().status.code().unwrap_or(-1);
        let home = TempDir::new("cliv2-explain");
        let env = setup(&case, home.path(), &fake.url());
        let export = run_awscred(&case, &env).code;
        if explain != export {
            differ.push(format!(
                "{:?}: explain {explain}, export {export}",
                case.name
            ));
        }
    }
    assert!(differ.is_empty(), "\n{}", differ.join("\n"));
}
