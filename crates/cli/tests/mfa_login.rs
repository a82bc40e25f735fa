//! `awscred configure mfa-login` end to end against moto's GetSessionToken with signature
//! checking on: the MFA code fed on stdin, the session written to the credentials file, then
//! read back by `awscred export-credentials` and by botocore.

// Unix only: moto and botocore (Python) run on the host, not under Wine.
#![cfg(unix)]

mod common;

use awscred_testkit::moto::MotoServer;
use common::Home;

const SETUP: &str = r#"
import boto3, json
iam = boto3.client('iam')
iam.create_user(UserName='u')
key = iam.create_access_key(UserName='u')['AccessKey']
allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]})
iam.put_user_policy(UserName='u', PolicyName='sts', PolicyDocument=allow)
print(key['AccessKeyId'])
print(key['SecretAccessKey'])
"#;

fn moto_with_user() -> (MotoServer, String, String) {
    let moto = MotoServer::start();
    let out = moto.run_python(SETUP);
    let mut lines = out.lines().map(str::to_owned);
    let (id, secret) = (lines.next().unwrap(), lines.next().unwrap());
    moto.enable_auth();
    (moto, id, secret)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The keys of `profile` as botocore resolves them from the same files.
fn botocore_keys(home: &Home, profile: &str) -> String {
    let script = format!(
        "import botocore.session\n\
         c = botocore.session.Session(profile='{profile}').get_credentials().get_frozen_credentials()\n\
         print(c.access_key, c.secret_key, c.token)"
    );
    let out = std::process::Command::new(awscred_testkit::python())
        .args(["-c", &script])
        .env_clear()
        .env("HOME", home.dir.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

#[test]
fn mfa_login_writes_a_session_profile_that_awscred_and_botocore_use() {
    let (moto, id, secret) = moto_with_user();
    let home = Home::new()
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint())
        .env("AWS_REGION", "us-east-1")
        .file(
            ".aws/credentials",
            &format!(
                "# my keys\n[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
            ),
        )
        .file(
            ".aws/config",
            "[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev-phone\n",
        );
    // The code, then Enter for the suggested profile name.
    let out = home.run_with_input(
        &["configure", "mfa-login", "--duration-seconds", "900"],
        "123456\n\n",
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with(
            "MFA token code: Profile to update [123456789012-dev-phone]: Temporary credentials \
             written to profile '123456789012-dev-phone'\nCredentials will expire at "
        ),
        "{stdout}"
    );
    // moto's expiry has microseconds; the CLI prints its own session's ISO 8601 text.
    assert!(stdout.contains("+00:00\n"), "{stdout}");
    assert!(stdout.ends_with(
        "\nTo use these credentials, specify --profile 123456789012-dev-phone when running \
         AWS CLI commands\n"
    ));
    let credentials = std::fs::read_to_string(home.dir.path().join(".aws/credentials")).unwrap();
    let prefix = format!(
        "# my keys\n[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n\
         [123456789012-dev-phone]\naws_access_key_id = "
    );
    assert!(credentials.starts_with(&prefix), "{credentials}");
    assert!(credentials.contains("\naws_session_token = "));
    assert!(!stdout.contains(&secret) && !text(&out.stderr).contains(&secret));

    let export = home.run_with_input(
        &[
            "export-credentials",
            "--profile",
            "123456789012-dev-phone",
            "--format",
            "env-no-export",
        ],
        "",
    );
    assert_eq!(export.status.code(), Some(0), "{}", text(&export.stderr));
    let exported = text(&export.stdout);
    let value = |name: &str| {
        exported
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    assert!(credentials.contains(&format!(
        "aws_access_key_id = {}\n",
        value("AWS_ACCESS_KEY_ID")
    )));
    assert!(credentials.contains(&format!(
        "aws_session_token = {}\n",
        value("AWS_SESSION_TOKEN")
    )));
    assert_eq!(
        botocore_keys(&home, "123456789012-dev-phone"),
        format!(
            "{} {} {}",
            value("AWS_ACCESS_KEY_ID"),
            value("AWS_SECRET_ACCESS_KEY"),
            value("AWS_SESSION_TOKEN")
        )
    );
}

#[test]
fn without_credentials_it_asks_for_the_keys_first_and_refusals_write_nothing() {
    let (moto, id, secret) = moto_with_user();
    let home = Home::new()
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint())
        .env("AWS_REGION", "us-east-1");
    let answers = format!("{id}\n{secret}\nGAHT12345678\n654321\n\n");
    let out = home.run_with_input(&["configure", "mfa-login"], &answers);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with(
            "Please provide your AWS credentials:\nAWS Access Key ID: AWS Secret Access Key: \
             MFA serial number or ARN: MFA token code: Profile to update [session-GAHT12345678]: \
             Temporary credentials written to profile 'session-GAHT12345678'\nCredentials will \
             expire at "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(" UTC\nTo use these credentials"),
        "{stdout}"
    );
    let credentials = std::fs::read_to_string(home.dir.path().join(".aws/credentials")).unwrap();
    assert!(credentials.starts_with("[session-GAHT12345678]\naws_access_key_id = "));

    // A wrong secret: STS refuses the signature; exit 1, the CLI's wording, nothing written.
    let fresh = Home::new()
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint())
        .env("AWS_REGION", "us-east-1");
    let answers = format!("{id}\nnot-the-secret\nGAHT12345678\n654321\np\n");
    let out = fresh.run_with_input(&["configure", "mfa-login"], &answers);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("\nawscred: [ERROR]: An error occurred: An error occurred ("),
        "{stderr}"
    );
    assert!(
        stderr.contains("when calling the GetSessionToken operation"),
        "{stderr}"
    );
    assert!(!fresh.dir.path().join(".aws/credentials").exists());

    // A missing answer: the CLI's error, exit 1, nothing asked after it.
    let out = fresh.run_with_input(&["configure", "mfa-login"], &format!("{id}\n\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "\nawscred: [ERROR]: AWS Secret Access Key is required\n"
    );
    // A code too short: botocore's parameter validation (252) before any request.
    let out = fresh.run_with_input(
        &["configure", "mfa-login", "--update-profile", "p"],
        &format!("{id}\n{secret}\nGAHT12345678\n12\n"),
    );
    assert_eq!(out.status.code(), Some(252));
    assert!(text(&out.stderr).contains(
        "Parameter validation failed:\nInvalid length for parameter TokenCode, value: 2, valid \
         min length: 6"
    ));
    assert!(!fresh.dir.path().join(".aws/credentials").exists());
}

/// The call is made with the profile's retry settings, as botocore's STS client is: an STS that
/// is always unavailable gets `max_attempts` calls (three by default), then the failure.
#[test]
fn get_session_token_is_retried_as_the_profile_says() {
    use awscred_testkit::fake_http::{FakeServer, Reply};
    let unavailable = "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>\
                       <Message>try later</Message></Error></ErrorResponse>";
    let sts = FakeServer::start(move |_| Reply::status(503, unavailable));
    let answers = "AKIDEXAMPLE\nsecret\nGAHT12345678\n654321\np\n";
    for (max_attempts, calls) in [(None, 3), (Some("1"), 1), (Some("2"), 2)] {
        sts.clear_requests();
        let mut home = Home::new()
            .env("AWS_ENDPOINT_URL_STS", &sts.url())
            .env("AWS_REGION", "us-east-1");
        if let Some(n) = max_attempts {
            home = home.env("AWS_MAX_ATTEMPTS", n);
        }
        let out = home.run_with_input(&["configure", "mfa-login"], answers);
        assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            sts.requests().len(),
            calls,
            "AWS_MAX_ATTEMPTS={max_attempts:?}"
        );
        assert!(!home.dir.path().join(".aws/credentials").exists());
    }
}
