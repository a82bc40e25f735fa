//! `awscred sso populate`, end to end: the real binary against the SSO fake listing accounts and
//! roles over many pages, on a config file with comments and hand-written profiles. The file is
//! compared byte for byte before and after; every generated profile is then resolved by awscred
//! (`export-credentials` against the fake) and by botocore.

// Unix only: botocore (Python), which resolves the written profiles, runs on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::time::{Duration, SystemTime};

use awscred_core::timestamp;
use awscred_testkit::sso_fake::{FakeAccountSpec, SsoFake};
use common::*;
use serde_json::{Value, json};

const CONFIG: &str = "# my config, written by hand\n[default]\nregion = eu-west-1\n\n\
# this one is mine, whatever populate would call it\n[profile ReadOnly-111111111111]\n\
region = us-west-2\noutput = json\n\n[sso-session corp]\n\
sso_start_url = https://d-corp.awsapps.com/start\nsso_region = us-east-1\n; a trailing comment\n\n\
[profile dev]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n\n\
[profile Gone-999999999999]\nregion = us-east-1\n";

const ACCOUNTS: [FakeAccountSpec<'static>; 3] = [
    (
        "111111111111",
        Some("Prod"),
        None,
        &["AdministratorAccess", "ReadOnly"],
    ),
    (
        "222222222222",
        Some("Dev"),
        None,
        &["AdministratorAccess", "PowerUser", "ReadOnly"],
    ),
    ("333333333333", Some("Sand box"), None, &["Sandbox"]),
];

fn setup(fake: &SsoFake) -> Home {
    fake.accept_access_token("access-seed");
    fake.set_accounts(&ACCOUNTS, 2);
    let now = SystemTime::now();
    let token = json!({
        "startUrl": "https://d-corp.awsapps.com/start", "region": "us-east-1",
        "accessToken": "access-seed",
        "expiresAt": timestamp::format_z(now + Duration::from_secs(8 * 3600)),
    });
    let home = Home::new()
        .file(".aws/config", CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url());
    let env = awscred_core::Env::from_vars([("HOME", home.dir.path().to_str().unwrap())]);
    let session = awscred_sso::SsoSession::new(Some("corp".into()), String::new(), String::new());
    let path = awscred_sso::token_path(&env, &session).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, token.to_string()).unwrap();
    home
}

fn config(home: &Home) -> String {
    std::fs::read_to_string(home.dir.path().join(".aws/config")).unwrap()
}

/// The `[profile NAME]` block of `text`, up to the next section.
fn block(text: &str, name: &str) -> String {
    let start = text
        .find(&format!("[profile {name}]"))
        .unwrap_or_else(|| panic!("no profile {name} in\n{text}"));
    let end = text[start + 1..]
        .find("\n[")
        .map_or(text.len(), |i| start + 1 + i + 1);
    text[start..end].to_owned()
}

fn generated(name: &str, account: &str, role: &str) -> String {
    format!(
        "[profile {name}]\nsso_session = corp\nsso_account_id = {account}\nsso_role_name = {role}\n\
         region = us-east-1\nawscred_populated = corp\n"
    )
}

const GENERATED: [(&str, &str, &str); 5] = [
    (
        "AdministratorAccess-111111111111",
        "111111111111",
        "AdministratorAccess",
    ),
    (
        "AdministratorAccess-222222222222",
        "222222222222",
        "AdministratorAccess",
    ),
    ("PowerUser-222222222222", "222222222222", "PowerUser"),
    ("ReadOnly-222222222222", "222222222222", "ReadOnly"),
    ("Sandbox-333333333333", "333333333333", "Sandbox"),
];

#[test]
fn populate_writes_a_profile_per_role_and_keeps_the_rest_byte_for_byte() {
    let fake = SsoFake::start();
    let home = setup(&fake);

    // Dry run: the diff, and nothing written.
    let out = home.run(&["sso", "populate", "--profile", "dev", "--dry-run"]);
    assert_code(&out, 0);
    assert_eq!(config(&home), CONFIG);
    let diff = stdout(&out);
    assert!(diff.starts_with("--- "), "{diff}");
    for (name, account, role) in GENERATED {
        for line in generated(name, account, role).lines() {
            assert!(
                diff.contains(&format!("\n+{line}\n")),
                "{line} not in\n{diff}"
            );
        }
    }
    assert!(!diff.contains("\n-"), "only additions: {diff}");
    assert!(stderr(&out).contains("dry run"), "{}", stderr(&out));
    // Many pages: accounts two at a time, and Dev's three roles in two pages.
    assert_eq!(fake.requests_to("/assignment/accounts").len(), 2);
    assert_eq!(fake.requests_to("/assignment/roles").len(), 4);

    // The real thing: the file as it was, then the new profiles.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = home.dir.path().join(".aws/config");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = home.run(&["sso", "populate", "--sso-session", "corp"]);
    assert_code(&out, 0);
    let after = config(&home);
    let mut expected = CONFIG.to_owned();
    for (name, account, role) in GENERATED {
        expected.push_str(&generated(name, account, role));
    }
    assert_eq!(after, expected);
    let said = stdout(&out);
    assert!(said.starts_with("5 profiles written to "), "{said}");
    assert!(
        said.contains("left alone (not written by awscred sso populate): ReadOnly-111111111111"),
        "{said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.dir.path().join(".aws/config"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "the file's mode is kept");
    }

    // Again: nothing changes.
    let out = home.run(&["sso", "populate", "--sso-session", "corp"]);
    assert_code(&out, 0);
    assert!(
        stdout(&out).starts_with("0 profiles written to "),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("5 unchanged"), "{}", stdout(&out));
    assert_eq!(config(&home), after);

    // A hand edit inside a generated profile is kept; a role goes away; --prune removes its
    // profile and no other (the hand-written Gone-999999999999 stays).
    let edited = after.replace(
        "sso_role_name = ReadOnly\nregion = us-east-1\nawscred_populated = corp\n",
        "sso_role_name = ReadOnly\nregion = us-east-1\nawscred_populated = corp\noutput = table\n",
    );
    std::fs::write(home.dir.path().join(".aws/config"), &edited).unwrap();
    fake.set_accounts(
        &[
            ACCOUNTS[0],
            (
                "222222222222",
                Some("Dev"),
                None,
                &["AdministratorAccess", "ReadOnly"],
            ),
            ACCOUNTS[2],
        ],
        2,
    );
    let out = home.run(&["sso", "populate", "--sso-session", "corp"]);
    assert_code(&out, 0);
    assert_eq!(config(&home), edited, "without --prune nothing is removed");
    let out = home.run(&[
        "sso",
        "populate",
        "--sso-session",
        "corp",
        "--prune",
        "--dry-run",
    ]);
    assert_code(&out, 0);
    let diff = stdout(&out);
    assert!(
        diff.contains("\n-[profile PowerUser-222222222222]\n"),
        "{diff}"
    );
    assert_eq!(config(&home), edited);
    let out = home.run(&["sso", "populate", "--sso-session", "corp", "--prune"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("1 removed"), "{}", stdout(&out));
    let pruned = config(&home);
    assert_eq!(
        pruned,
        edited.replace(&block(&edited, "PowerUser-222222222222"), "")
    );
    assert!(pruned.contains("output = table\n"));
    assert!(pruned.starts_with(CONFIG));

    // Every generated profile resolves, with awscred and with botocore.
    let names: Vec<&str> = GENERATED
        .iter()
        .map(|(n, _, _)| *n)
        .filter(|n| *n != "PowerUser-222222222222")
        .collect();
    for (name, account, role) in GENERATED.iter().filter(|(n, _, _)| names.contains(n)) {
        let out = home.run(&["export-credentials", "--profile", name]);
        assert_code(&out, 0);
        let doc: Value = serde_json::from_str(stdout(&out)).unwrap();
        assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIAFAKE"));
        let call = fake.requests_to("/federation/credentials").pop().unwrap();
        assert_eq!(call.param("account_id"), Some(*account));
        assert_eq!(call.param("role_name"), Some(*role));
    }
    botocore_read_credentials(&home, &names);
}

#[test]
fn names_follow_the_template_and_collisions_are_refused() {
    let fake = SsoFake::start();
    let home = setup(&fake);
    let out = home.run(&[
        "sso",
        "populate",
        "--sso-session",
        "corp",
        "--prefix",
        "corp/",
        "--name-template",
        "{account_name}.{role_name}",
        "--region",
        "eu-central-1",
    ]);
    assert_code(&out, 0);
    let text = config(&home);
    assert!(text.starts_with(CONFIG));
    // `/` and the space are made `-`.
    let sandbox = block(&text, "corp-Sand-box.Sandbox");
    assert!(sandbox.contains("region = eu-central-1\n"), "{sandbox}");
    assert!(text.contains("[profile corp-Prod.ReadOnly]\n"));

    // Two roles, one name: refused, nothing written.
    let out = home.run(&[
        "sso",
        "populate",
        "--sso-session",
        "corp",
        "--name-template",
        "{role_name}",
    ]);
    assert_code(&out, 253);
    assert!(
        stderr(&out).contains("two roles would be written as profile AdministratorAccess"),
        "{}",
        stderr(&out)
    );
    assert_eq!(config(&home), text);

    // Without a login: the token is missing, and the message says what to run.
    let home = Home::new()
        .file(".aws/config", CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url());
    let out = home.run(&["sso", "populate", "--sso-session", "corp"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("sso login"), "{}", stderr(&out));
    assert_eq!(config(&home), CONFIG);
}

/// A legacy profile (start URL and region in the profile, no sso-session): the generated
/// profiles carry them, the marker holds the start URL, and they resolve.
#[test]
fn a_legacy_profile_populates_with_its_start_url() {
    let fake = SsoFake::start();
    fake.accept_access_token("legacy-token");
    fake.set_accounts(&ACCOUNTS[..1], 1);
    let start_url = "https://d-legacy.awsapps.com/start";
    let config = format!(
        "[profile old]\nsso_start_url = {start_url}\nsso_region = eu-west-1\n\
         sso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
    );
    let home = Home::new()
        .file(".aws/config", &config)
        .env("AWS_ENDPOINT_URL_SSO", fake.url());
    let env = awscred_core::Env::from_vars([("HOME", home.dir.path().to_str().unwrap())]);
    let session = awscred_sso::SsoSession::new(None, start_url, String::new());
    let path = awscred_sso::token_path(&env, &session).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let expires = timestamp::format_z(SystemTime::now() + Duration::from_secs(3600));
    std::fs::write(
        path,
        json!({"startUrl": start_url, "region": "eu-west-1", "accessToken": "legacy-token",
            "expiresAt": expires})
        .to_string(),
    )
    .unwrap();
    let out = home.run(&["sso", "populate", "--profile", "old"]);
    assert_code(&out, 0);
    let legacy = |role: &str| {
        format!(
            "[profile {role}-111111111111]\nsso_start_url = {start_url}\n\
             sso_region = eu-west-1\nsso_account_id = 111111111111\n\
             sso_role_name = {role}\nregion = eu-west-1\nawscred_populated = {start_url}\n"
        )
    };
    let expected = format!(
        "{config}{}{}",
        legacy("AdministratorAccess"),
        legacy("ReadOnly")
    );
    assert_eq!(
        std::fs::read_to_string(home.dir.path().join(".aws/config")).unwrap(),
        expected
    );
    assert!(
        stdout(&out).starts_with("2 profiles written"),
        "{}",
        stdout(&out)
    );
    let out = home.run(&[
        "export-credentials",
        "--profile",
        "AdministratorAccess-111111111111",
    ]);
    assert_code(&out, 0);
}
