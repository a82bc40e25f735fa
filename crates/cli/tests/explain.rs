//! `awscred explain` through the real binary, one case per tier that can answer: the report is
//! compared with a snapshot (`tests/snapshots/explain/TIER.txt`, the temporary home written
//! `{home}` with '/' between its parts on every platform, each fake's address `{fake}` and the
//! helper program `{program}`), the `--json` document with its documented schema
//! (docs/commands/explain.md), and neither ever holds a secret. `AWSCRED_BLESS=1 cargo test -p
//! awscred-cli --test explain` rewrites the snapshots after a deliberate change.

mod common;

use std::path::{Path, PathBuf};

use awscred_testkit::fake_http::{FakeServer, Reply};
use common::Home;
use serde_json::Value;

/// Every secret the cases hand out; none may appear in any output.
const SECRETS: &[&str] = &[
    "envSECRET",
    "fileSECRET",
    "configSECRET",
    "roleSECRET",
    "roleTOKEN",
    "processSECRET",
    "processTOKEN",
    "fake-secret-",
    "fake-session-",
    "fakesecret",
    "faketoken",
    "ssoACCESS",
    "webTOKEN",
    "loginSECRET",
    "loginTOKEN",
    "loginREFRESH",
    "loginID",
];

/// STS answering every AssumeRole and AssumeRoleWithWebIdentity.
fn sts() -> FakeServer {
    FakeServer::start(|req| {
        let body = String::from_utf8_lossy(&req.body);
        let action = if body.contains("Action=AssumeRoleWithWebIdentity") {
            "AssumeRoleWithWebIdentity"
        } else {
            "AssumeRole"
        };
        Reply::ok(format!(
            "<{action}Response><{action}Result><AssumedRoleUser>\
             <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
             </AssumedRoleUser><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>\
             <SecretAccessKey>roleSECRET</SecretAccessKey><SessionToken>roleTOKEN</SessionToken>\
             <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></{action}Result>\
             </{action}Response>"
        ))
        .with_header("content-type", "text/xml")
    })
}

struct Case {
    tier: &'static str,
    home: Home,
    args: Vec<&'static str>,
    fakes: Vec<String>,
    /// Secrets of this case besides [`SECRETS`].
    secrets: Vec<String>,
    /// The helper program a `credential_process` line starts, shown as `{program}`.
    program: Option<String>,
    /// Kept alive for the run.
    _servers: Vec<Box<dyn std::any::Any>>,
}

fn case(tier: &'static str, home: Home, args: &[&'static str]) -> Case {
    Case {
        tier,
        home,
        args: args.to_vec(),
        fakes: Vec::new(),
        secrets: Vec::new(),
        program: None,
        _servers: Vec::new(),
    }
}

const SOURCE: &str = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = fileSECRET\n";

fn cases() -> Vec<Case> {
    let mut out = vec![
        case(
            "env",
            Home::new()
                .env("AWS_ACCESS_KEY_ID", "AKIDENV")
                .env("AWS_SECRET_ACCESS_KEY", "envSECRET")
                .env("AWS_REGION", "eu-west-1"),
            &[],
        ),
        case(
            "shared-credentials-file",
            Home::new()
                .file(".aws/credentials", SOURCE)
                .file(".aws/config", "[profile base]\nregion = eu-central-1\n"),
            &["--profile", "base"],
        ),
        case(
            "config-file",
            Home::new().file(
                ".aws/config",
                "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = configSECRET\n",
            ),
            &[],
        ),
    ];
    // A helper program printing the CLI's process document (`sh` on Unix, `cmd` on Windows).
    let home = Home::new();
    let helper = awscred_testkit::credential_helper(
        &home.dir.path().join("helper"),
        "creds",
        "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \
         \"processSECRET\", \"SessionToken\": \"processTOKEN\", \"Expiration\": \
         \"2099-01-01T00:00:00Z\"}",
        "",
        0,
    );
    let program = helper.split(' ').next().unwrap_or_default().to_owned();
    let home = home.file(
        ".aws/config",
        &format!("[profile p]\ncredential_process = {helper}\n"),
    );
    let mut c = case("custom-process", home, &["--profile", "p"]);
    c.program = Some(program);
    out.push(c);
    // A chain of two roles: base's keys, then ops, then admin.
    let fake = sts();
    let mut c = case(
        "assume-role",
        Home::new()
            .file(".aws/credentials", SOURCE)
            .file(
                ".aws/config",
                "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\n\
                 source_profile = base\n\n[profile admin]\n\
                 role_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = ops\n\
                 region = us-west-2\n",
            )
            .env("AWS_ENDPOINT_URL_STS", &fake.url()),
        &["--profile", "admin"],
    );
    c.fakes.push(fake.url());
    c._servers.push(Box::new(fake));
    out.push(c);
    let fake = sts();
    let mut c = case(
        "assume-role-with-web-identity",
        Home::new()
            .file("token", "webTOKEN-from-the-identity-provider")
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", "{home}/token")
            .env("AWS_ROLE_SESSION_NAME", "explain-test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_STS", &fake.url()),
        &[],
    );
    c.fakes.push(fake.url());
    c._servers.push(Box::new(fake));
    out.push(c);
    let fake = awscred_testkit::sso_fake::SsoFake::start();
    fake.accept_access_token("ssoACCESS");
    fake.set_role_expiration_ms(4_070_908_800_000);
    let mut c = case(
        "sso",
        Home::new()
            .file(
                ".aws/config",
                "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\
                 sso_role_name = Role\n\n[sso-session corp]\n\
                 sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
            )
            .file(
                ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
                "{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\", \
                 \"accessToken\": \"ssoACCESS\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}",
            )
            .env("AWS_ENDPOINT_URL_SSO", fake.url()),
        &["--profile", "s"],
    );
    c.fakes.push(fake.url().to_owned());
    c._servers.push(Box::new(fake));
    out.push(c);
    // An `aws login` session whose credentials are still good for years: no refresh, so no
    // call to the sign-in service; its endpoint is the fake all the same, so that a refresh
    // could reach nothing else.
    let fake = awscred_testkit::signin_fake::SigninFake::start();
    let session = "arn:aws:iam::123456789012:user/alice";
    let mut home = Home::new().file(
        ".aws/config",
        "[profile web]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = eu-west-1\n",
    );
    let root = home.dir.path().to_owned();
    let token_path = awscred_login::login_token_path(
        &awscred_core::Env::from_vars([(awscred_testkit::HOME_VAR, root.to_str().unwrap())]),
        session,
    )
    .unwrap();
    let key = awscred_testkit::signin_fake::suite_dpop_key();
    let token = serde_json::json!({
        "accessToken": {
            "accessKeyId": "ASIALOGIN", "secretAccessKey": "loginSECRET",
            "sessionToken": "loginTOKEN", "accountId": "123456789012",
            "expiresAt": "2099-01-01T00:00:00Z",
        },
        "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": "loginREFRESH", "idToken": "loginID.token.jwt", "dpopKey": key,
    });
    home = home
        .file(
            token_path.strip_prefix(&root).unwrap().to_str().unwrap(),
            &token.to_string(),
        )
        .env("AWS_ENDPOINT_URL_SIGNIN", &fake.url());
    let mut c = case("login", home, &["--profile", "web"]);
    // The key's body: the PEM's base64 lines.
    c.secrets = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .map(str::to_owned)
        .collect();
    assert!(!c.secrets.is_empty(), "the key has a body");
    c.fakes.push(fake.url());
    c._servers.push(Box::new(fake));
    out.push(c);
    let fake = awscred_testkit::ecs_fake::FakeContainerEndpoint::start();
    let mut c = case(
        "container-role",
        Home::new().env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &fake.full_uri()),
        &[],
    );
    c.fakes.push(fake.base_url());
    c._servers.push(Box::new(fake));
    out.push(c);
    let fake = awscred_testkit::imds_fake::FakeImds::start();
    let mut c = case(
        "iam-role",
        Home::new()
            .env("AWS_EC2_METADATA_DISABLED", "false")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &fake.endpoint()),
        &[],
    );
    c.fakes
        .push(fake.endpoint().trim_end_matches('/').to_owned());
    c._servers.push(Box::new(fake));
    out.push(c);
    out
}

/// Every secret `case` must keep out of its output.
fn secrets(case: &Case) -> impl Iterator<Item = &str> {
    SECRETS
        .iter()
        .copied()
        .chain(case.secrets.iter().map(String::as_str))
}

fn normalise(text: &str, case: &Case) -> String {
    let mut text = text.replace(case.home.dir.path().to_str().unwrap(), "{home}");
    for fake in &case.fakes {
        text = text.replace(fake.as_str(), "{fake}");
    }
    if let Some(program) = &case.program {
        text = text.replace(&format!("(program '{program}'"), "(program '{program}'");
    }
    // Paths below the home directory, joined with '\\' on Windows.
    if cfg!(windows) {
        text = text.replace('\\', "/");
    }
    text
}

fn run(case: &Case, extra: &[&str]) -> std::process::Output {
    let home = case.home.dir.path().to_str().unwrap().to_owned();
    let mut args = vec!["explain"];
    args.extend(&case.args);
    args.extend(extra);
    let mut cmd = case.home.command(&args);
    for (name, value) in &case.home.env {
        cmd.env(name, value.replace("{home}", &home));
    }
    cmd.output().expect("awscred runs")
}

fn snapshot_path(tier: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/snapshots/explain/{tier}.txt"))
}

#[test]
fn explain_matches_its_snapshot_for_each_tier() {
    let bless = std::env::var_os("AWSCRED_BLESS").is_some();
    let mut differ = Vec::new();
    for case in cases() {
        let out = run(&case, &[]);
        let text = normalise(&String::from_utf8_lossy(&out.stdout), &case);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{}: {text}\n{err}", case.tier);
        assert!(
            text.contains(&format!("credentials: from {}\n", case.tier)),
            "{}: {text}",
            case.tier
        );
        let path = snapshot_path(case.tier);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            differ.push(format!(
                "{}:\n--- snapshot\n{want}--- now\n{text}",
                case.tier
            ));
        }
        for secret in secrets(&case) {
            assert!(!text.contains(secret), "{}: {secret} in {text}", case.tier);
            assert!(!err.contains(secret), "{}: {secret} in {err}", case.tier);
        }
    }
    assert!(differ.is_empty(), "\n{}", differ.join("\n"));
}

#[test]
fn the_json_document_follows_its_schema_and_holds_no_secret() {
    for case in cases() {
        let out = run(&case, &["--json"]);
        let text = String::from_utf8_lossy(&out.stdout);
        for secret in secrets(&case) {
            assert!(!text.contains(secret), "{}: {secret} in {text}", case.tier);
        }
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["schema"], 1);
        assert_eq!(doc["exit_status"], 0);
        assert_eq!(doc["credentials"]["provider"], case.tier);
        assert!(doc["profile"]["name"].is_string());
        assert!(doc["files"].as_array().is_some_and(|f| f.len() == 2));
        let tiers = doc["tiers"].as_array().unwrap();
        assert_eq!(tiers.len(), 10, "every tier");
        let resolved = tiers
            .iter()
            .position(|t| t["status"] == "resolved")
            .unwrap();
        assert_eq!(tiers[resolved]["name"], case.tier);
        assert!(
            tiers[resolved + 1..]
                .iter()
                .all(|t| t["status"] == "not-reached"),
            "{}",
            case.tier
        );
    }
    // A failure: the error and its exit status are in the document too.
    let out = Home::new().run(&["explain", "--json", "--profile", "nope"]);
    assert_eq!(out.status.code(), Some(253));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["exit_status"], 253);
    assert_eq!(doc["profile"]["exists"], false);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("The config profile (nope) could not be found"),
        "{doc}"
    );
}

#[test]
fn each_tier_logs_what_it_tries_at_debug_and_never_a_secret() {
    for case in cases() {
        let home = case.home.dir.path().to_str().unwrap().to_owned();
        let mut args = vec!["export-credentials"];
        args.extend(&case.args);
        let mut cmd = case.home.command(&args);
        for (name, value) in &case.home.env {
            cmd.env(name, value.replace("{home}", &home));
        }
        let out = cmd.env("AWSCRED_LOG", "debug").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", case.tier);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            log.contains(&format!(
                "DEBUG awscred_chain: tier resolved tier=\"{}\"",
                case.tier
            )),
            "{}: {log}",
            case.tier
        );
        // What the tier itself tried, from the tier's own crate.
        let own = match case.tier {
            "env" => "trying AWS_ACCESS_KEY_ID",
            "assume-role" => {
                "awscred_sts::provider: no cached role credentials: calling STS AssumeRole"
            }
            "assume-role-with-web-identity" => "calling STS AssumeRoleWithWebIdentity",
            "sso" => "awscred_sso::provider: no cached SSO role credentials",
            "custom-process" => "awscred_process: running credential_process profile=p",
            "container-role" => "awscred_ecs::provider: asking the container credentials endpoint",
            "iam-role" => "awscred_imds::provider: asking instance metadata",
            _ => "the profile's tier applies",
        };
        assert!(log.contains(own), "{}: {log}", case.tier);
        for secret in secrets(&case) {
            assert!(!log.contains(secret), "{}: {secret} in {log}", case.tier);
        }
    }
    // The README's example: one crate's events alone.
    let case = cases()
        .into_iter()
        .find(|c| c.tier == "assume-role")
        .unwrap();
    let mut cmd = case
        .home
        .command(&["export-credentials", "--profile", "admin"]);
    for (name, value) in &case.home.env {
        cmd.env(name, value);
    }
    let out = cmd
        .env("AWSCRED_LOG", "awscred_sts=debug")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("DEBUG awscred_sts::provider:"), "{log}");
    assert!(!log.contains("awscred_chain"), "{log}");
}

#[test]
fn a_role_says_whether_sts_or_the_clis_cache_answered() {
    let case = cases()
        .into_iter()
        .find(|c| c.tier == "assume-role")
        .unwrap();
    let first = normalise(&text_of(&run(&case, &[])), &case);
    assert!(
        first.contains(
            "credentials        STS {fake} (signing region us-west-2; expires 2099-01-01T00:00:00Z)"
        ),
        "{first}"
    );
    // The answer was written to ~/.aws/cli/cache: the next run reads it and calls nobody.
    let second = normalise(&text_of(&run(&case, &[])), &case);
    assert!(
        second.contains("credentials        cache hit {home}/.aws/cli/cache/")
            && second.contains(".json (expires 2099-01-01T00:00:00Z)"),
        "{second}"
    );
}

fn text_of(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
