//! `awscred configure sso` / `configure sso-session` end to end: the real binary against the
//! loopback SSO-OIDC and portal fakes (accounts and roles in several pages), with piped input
//! and on a pseudo-terminal driven by arrow keys; the profile it writes then resolves with
//! `export-credentials` and with botocore.

// Unix only: the pseudo-terminal driver and botocore (Python) run on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::process::Output;

use awscred_testkit::sso_fake::SsoFake;
use common::*;

/// 11 accounts (pages of 4): names, an email-only one and an id-only one, out of order.
fn accounts(fake: &SsoFake) {
    const ROLES: &[&str] = &[
        "ReadOnly", "admin", "Billing", "Dev", "Ops", "Audit", "Zeta", "Net",
    ];
    let mut list: Vec<(String, Option<String>, Option<String>)> = (0..9)
        .map(|i| {
            (
                format!("11112222{i:04}"),
                Some(format!("Team {}", (b'I' - i as u8) as char)),
                Some(format!("team{i}@example.com")),
            )
        })
        .collect();
    list.push(("999988887777".into(), None, Some("solo@example.com".into())));
    list.push(("000011112222".into(), None, None));
    let specs: Vec<_> = list
        .iter()
        .map(|(id, n, e)| (id.as_str(), n.as_deref(), e.as_deref(), ROLES))
        .collect();
    fake.set_accounts(&specs, 4);
}

fn home(fake: &SsoFake) -> Home {
    Home::new()
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url())
}

/// `configure sso` with the device code (the fake authorizes at once) and `input` piped.
fn configure_sso_piped(home: &Home, input: &str) -> Output {
    home.run_with_input(
        &["configure", "sso", "--use-device-code", "--no-browser"],
        input,
    )
}

fn config(home: &Home) -> String {
    std::fs::read_to_string(home.dir.path().join(".aws/config")).unwrap_or_default()
}

/// `export-credentials` of the profile gets the fake's role credentials for that account/role.
fn exports(home: &Home, fake: &SsoFake, profile: &str, account: &str, role: &str) {
    let out = home.run(&["export-credentials", "--profile", profile]);
    assert_code(&out, 0);
    let doc: serde_json::Value = serde_json::from_str(stdout(&out)).unwrap();
    assert!(
        doc["AccessKeyId"].as_str().unwrap().starts_with("ASIAFAKE"),
        "{doc}"
    );
    let call = fake.requests_to("/federation/credentials").pop().unwrap();
    assert_eq!(call.param("account_id"), Some(account));
    assert_eq!(call.param("role_name"), Some(role));
}

/// botocore (the CLI's engine) resolves the profile from the files awscred wrote.
fn botocore_resolves(home: &Home, fake: &SsoFake, profile: &str) {
    let script = r#"
import os, sys, botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials().get_frozen_credentials()
print(c.access_key)
"#;
    let out = std::process::Command::new(awscred_testkit::python())
        .env_clear()
        .env("HOME", home.dir.path())
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["-c", script, profile])
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(stdout(&out).starts_with("ASIAFAKE"), "{}", stdout(&out));
}

#[test]
fn piped_answers_with_a_new_session_and_pages_of_accounts_and_roles() {
    let fake = SsoFake::start();
    accounts(&fake);
    let home = home(&fake);
    // Sorted as the CLI sorts them (name, else email, lower-cased; bare ids last): solo@,
    // Team A (0008) .. Team I (0000), then the bare id.
    let input = "corp\nhttps://d-123.awsapps.com/start\nus-east-1\n\n3\n3\neu-west-1\njson\n\n";
    let out = home.run_with_input(
        &[
            "configure",
            "sso",
            "--use-device-code",
            "--no-browser",
            "--debug",
        ],
        input,
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    // The token, the client secret and the device code never show, even with --debug.
    for secret in [
        "access-token-",
        "refresh-token-",
        "client-secret-",
        "device-code-",
    ] {
        assert!(
            !text.contains(secret) && !stderr(&out).contains(secret),
            "{secret}"
        );
    }
    for expected in [
        "SSO session name (Recommended): corp\n",
        "SSO start URL [None]: https://d-123.awsapps.com/start\n",
        "SSO region [None]: us-east-1\n",
        "SSO registration scopes [sso:account:access]: \n",
        "There are 11 AWS accounts available to you.\n",
        "   1) solo@example.com (999988887777)\n   2) Team A, team8@example.com (111122220008)\n",
        "  10) Team I, team0@example.com (111122220000)\n  11) 000011112222\n",
        "Using the account ID 111122220007\n",
        "There are 8 roles available to you.\n",
        "   1) admin\n   2) Audit\n   3) Billing\n",
        "Using the role name \"Billing\"\n",
        "Default client Region [None]: eu-west-1\n",
        "CLI default output format (json if not specified) [None]: json\n",
        "Profile name [Billing-111122220007]: \n",
        "To use this profile, specify the profile name using --profile, as shown:\n\n\
         aws sts get-caller-identity --profile Billing-111122220007\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(
        config(&home),
        "[profile Billing-111122220007]\nsso_session = corp\nsso_account_id = 111122220007\n\
         sso_role_name = Billing\nregion = eu-west-1\noutput = json\n[sso-session corp]\n\
         sso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n"
    );
    // Every page was read.
    assert_eq!(fake.requests_to("/assignment/accounts").len(), 3);
    assert_eq!(fake.requests_to("/assignment/roles").len(), 2);
    exports(
        &home,
        &fake,
        "Billing-111122220007",
        "111122220007",
        "Billing",
    );
    botocore_resolves(&home, &fake, "Billing-111122220007");
}

const DOWN: &str = "\x1b[B";
const UP: &str = "\x1b[A";

#[cfg(unix)]
#[test]
fn on_a_terminal_with_the_browser_and_arrow_keys() {
    use serde_json::json;
    let fake = SsoFake::start();
    accounts(&fake);
    let home = home(&fake);
    let run = pty(
        &home,
        &["configure", "sso", "--no-browser"],
        json!([
            {"expect": "SSO session name (Recommended): "}, {"send": "corp\r"},
            {"expect": "SSO start URL [None]: "}, {"send": "https://d-123.awsapps.com/start\r"},
            {"expect": "SSO region [None]: "}, {"send": "us-east-1\r"},
            {"expect": "SSO registration scopes [sso:account:access]: "}, {"send": "\r"},
            {"expect": "Waiting for the authorization to complete"}, {"browse": true},
            {"expect": "There are 11 AWS accounts available to you."},
            {"expect": "> solo@example.com (999988887777)"},
            {"send": format!("{DOWN}{DOWN}")},
            {"expect": "> Team B, team7@example.com (111122220007)"},
            {"send": "\r"},
            {"expect": "Using the account ID 111122220007"},
            {"expect": "There are 8 roles available to you."},
            {"expect": "> admin"},
            {"send": format!("{}{UP}", DOWN.repeat(9))},
            {"expect": "> ReadOnly"},
            {"send": "\r"},
            {"expect": "Using the role name \"ReadOnly\""},
            {"expect": "Default client Region [None]: "}, {"send": "\r"},
            {"expect": "CLI default output format (json if not specified) [None]: "},
            {"send": "\r"},
            {"expect": "Profile name [ReadOnly-111122220007]: "}, {"send": "dev\r"},
            {"expect": "aws sts get-caller-identity --profile dev"},
        ]),
    );
    assert_eq!(run.failed, serde_json::Value::Null, "{}", run.transcript);
    assert_eq!(run.status, 0, "{}", run.transcript);
    // The menu is erased once chosen, as the CLI's.
    assert!(run.transcript.contains("\x1b[J"), "{}", run.transcript);
    assert_eq!(
        config(&home),
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122220007\n\
         sso_role_name = ReadOnly\n[sso-session corp]\n\
         sso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n"
    );
    let create = fake.requests_to("/token");
    assert_eq!(
        create.last().unwrap().body["grantType"],
        "authorization_code"
    );
    exports(&home, &fake, "dev", "111122220007", "ReadOnly");
    botocore_resolves(&home, &fake, "dev");
}

#[cfg(unix)]
#[test]
fn ctrl_c_at_any_prompt_writes_nothing() {
    use serde_json::json;
    let fake = SsoFake::start();
    accounts(&fake);
    let before = "# mine\n[profile other]\nregion = eu-west-1\n";
    let home = home(&fake).file(".aws/config", before);
    // At a line prompt the terminal turns Ctrl-C into SIGINT.
    let run = pty(
        &home,
        &["configure", "sso", "--use-device-code", "--no-browser"],
        json!([
            {"expect": "SSO session name (Recommended): "}, {"send": "corp\r"},
            {"expect": "SSO start URL [None]: "}, {"send": "https://d-123.awsapps.com/start\r"},
            {"expect": "SSO region [None]: "}, {"send": "\x03"},
        ]),
    );
    assert_eq!(run.failed, serde_json::Value::Null, "{}", run.transcript);
    assert_eq!(run.status, -2, "{}", run.transcript);
    assert_eq!(config(&home), before);
    // In the menu (raw mode) it ends the wizard with the CLI's 130.
    let run = pty(
        &home,
        &["configure", "sso", "--use-device-code", "--no-browser"],
        json!([
            {"expect": "SSO session name (Recommended): "}, {"send": "corp\r"},
            {"expect": "SSO start URL [None]: "}, {"send": "https://d-123.awsapps.com/start\r"},
            {"expect": "SSO region [None]: "}, {"send": "us-east-1\r"},
            {"expect": "SSO registration scopes [sso:account:access]: "}, {"send": "\r"},
            {"expect": "> solo@"}, {"send": "\x03"},
        ]),
    );
    assert_eq!(run.failed, serde_json::Value::Null, "{}", run.transcript);
    assert_eq!(run.status, 130, "{}", run.transcript);
    assert_eq!(config(&home), before);
    // And in configure sso-session.
    let run = pty(
        &home,
        &["configure", "sso-session"],
        json!([
            {"expect": "SSO session name: "}, {"send": "corp\r"},
            {"expect": "SSO start URL [None]: "}, {"send": "\x03"},
        ]),
    );
    assert_eq!(run.status, -2, "{}", run.transcript);
    assert_eq!(config(&home), before);
}

#[test]
fn sso_session_then_sso_with_that_session_reuses_its_token() {
    let fake = SsoFake::start();
    fake.set_accounts(&[("111122223333", Some("Only"), None, &["Admin"])], 4);
    let before = "# keep me\n[default]\nregion = us-west-2\n";
    let home = home(&fake).file(".aws/config", before);
    // A start URL without a scheme gets the CLI's message and the question again.
    let out = home.run_with_input(&["configure", "sso-session"],
        "\ncorp\nd-123.awsapps.com/start\nhttps://d-123.awsapps.com/start\neu-west-1\nsso:account:access, extra:scope\n",
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "SSO session name: \nA value is required\nSSO session name: corp\n\
             SSO start URL [None]: d-123.awsapps.com/start\nNot a valid Start URL\n\
             SSO start URL [None]: https://d-123.awsapps.com/start\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with(
            "\nCompleted configuring SSO session: corp\nRun the following to login and refresh \
             access token for this session:\n\nawscred sso login --sso-session corp\n"
        ),
        "{text}"
    );
    assert_eq!(
        config(&home),
        format!(
            "{before}[sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\n\
             sso_region = eu-west-1\nsso_registration_scopes = sso:account:access, extra:scope\n"
        )
    );

    // configure sso with that session: no session questions; one login.
    let default_profile = |input: &str| {
        home.run_with_input(
            &[
                "configure",
                "sso",
                "--use-device-code",
                "--no-browser",
                "--profile",
                "default",
            ],
            input,
        )
    };
    let out = default_profile("corp\n\n\n");
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("SSO session name (Recommended): corp\n"),
        "{text}"
    );
    assert!(!text.contains("SSO start URL"), "{text}");
    assert!(
        text.contains("The only AWS account available to you is: 111122223333\nUsing the account ID 111122223333\nThe only role available to you is: Admin\nUsing the role name \"Admin\"\n"),
        "{text}"
    );
    assert!(
        text.contains("Default client Region [us-west-2]: \n"),
        "{text}"
    );
    assert!(
        text.ends_with("The AWS CLI is now configured to use the default profile.\nRun the following command to verify your configuration:\n\naws sts get-caller-identity\n"),
        "{text}"
    );
    assert_eq!(fake.requests_to("/device_authorization").len(), 1);
    let registration = &fake.requests_to("/client/register")[0];
    assert_eq!(
        registration.body["scopes"],
        serde_json::json!(["sso:account:access", "extra:scope"])
    );
    assert!(config(&home).starts_with(
        "# keep me\n[default]\nregion = us-west-2\nsso_session = corp\nsso_account_id = 111122223333\n\
         sso_role_name = Admin\n[sso-session corp]\n"
    ));
    exports(&home, &fake, "default", "111122223333", "Admin");

    // Again: the cached token is still good, so no new login.
    let out = default_profile("\n\n\n");
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("SSO session name [corp]: \n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(fake.requests_to("/device_authorization").len(), 1);
}

#[test]
fn an_unparsable_config_is_refused_before_any_question() {
    let fake = SsoFake::start();
    let before = "[profile ok]\nregion = x\nthis line is not ini\n";
    let home = home(&fake).file(".aws/config", before);
    for args in [&["configure", "sso"][..], &["configure", "sso-session"][..]] {
        let out = home.run_with_input(args, "corp\n");
        assert_code(&out, 255);
        assert_eq!(stdout(&out), "");
        let path = home.dir.path().join(".aws/config");
        assert!(
            stderr(&out).contains(&format!("{}:3", path.display())),
            "{}",
            stderr(&out)
        );
        assert_eq!(config(&home), before);
    }
}

#[test]
fn a_refused_listing_configures_the_session_alone_and_input_ending_writes_nothing() {
    let fake = SsoFake::start();
    fake.set_accounts(&[("111122223333", None, None, &["Admin"])], 4);
    fake.fail_next("/assignment/accounts", &[(401, "UnauthorizedException")]);
    let home = home(&fake);
    let input = "corp\nhttps://d-1.awsapps.com/start\nus-east-1\n\n\n\nsess\n";
    let out = configure_sso_piped(&home, input);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("Unable to list AWS accounts and/or roles. Skipping configuring AWS credential provider for profile.\n"),
        "{text}"
    );
    assert!(text.contains("Profile name [None]: sess\n"), "{text}");
    assert!(
        text.ends_with("Successfully configured SSO for profile: sess\n"),
        "{text}"
    );
    assert!(config(&home).starts_with("[profile sess]\nsso_session = corp\n[sso-session corp]\n"));

    // The input ends before the last answer: an error, and no file.
    let fresh = self::home(&fake);
    let out = configure_sso_piped(&fresh, "corp\nhttps://d-1.awsapps.com/start\n");
    assert_code(&out, 255);
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    assert!(!fresh.dir.path().join(".aws/config").exists());
}
