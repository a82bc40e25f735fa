//! `awscred configure sso` / `configure sso-session` end to end: the real binary against the
//! loopback SSO-OIDC and portal fakes (accounts and roles in several pages), with piped input
//! and on a pseudo-terminal driven by arrow keys; the profile it writes then resolves with
//! `export-credentials` and with botocore.

mod common;

use std::io::Write;
use std::process::{Output, Stdio};

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

fn run_with_input(home: &Home, args: &[&str], input: &str) -> Output {
    let mut child = home
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("awscred starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
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
    let out = run_with_input(
        &home,
        &["configure", "sso", "--use-device-code", "--no-browser"],
        input,
    );
    assert_code(&out, 0);
    let text = stdout(&out);
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
