//! `awscred status`, end to end: two homes with the same configuration, one whose caches botocore
//! fills through its own fetchers (tests/botocore_caches.py: an SSO token refreshed and written
//! back, SSO role credentials, AssumeRole and AssumeRoleWithWebIdentity credentials), the other
//! filled by awscred (`export-credentials` of the same profiles against the same kind of fakes).
//! Both also hold an `aws login` session, an MFA session and a cached credential_process answer
//! (in the formats their writers use), and hostile files. `status` must list every session with
//! its profiles, the same way for both homes, unreadable files as such, and never a secret.

// Unix only: botocore's fetchers (Python) fill one of the homes, on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
#[cfg(unix)]
use std::process::Command;
use std::time::{Duration, SystemTime};

use awscred_core::{Env, timestamp};
use awscred_testkit::moto::MotoServer;
use awscred_testkit::sso_fake::SsoFake;
use common::*;
use serde_json::{Value, json};

const LOGIN_SESSION: &str = "arn:aws:iam::123456789012:user/alice";
const PROFILES: [&str; 4] = ["sso-dev", "admin", "admin-too", "web"];

fn config(home: &Path) -> String {
    format!(
        "# hand-written\n[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\n\
         sso_role_name = ReadOnly\nregion = eu-west-1\n\n[sso-session corp]\n\
         sso_start_url = https://d-corp.awsapps.com/start\nsso_region = us-east-1\n\n\
         [profile base]\nregion = us-east-1\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nregion = us-east-1\n\n\
         [profile admin-too]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nregion = us-east-1\n\n\
         [profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\n\
         web_identity_token_file = {}/token.jwt\nrole_session_name = web-session\nregion = us-east-1\n\n\
         [profile login]\nlogin_session = {LOGIN_SESSION}\nregion = eu-west-1\n\n\
         [profile proc]\ncredential_process = /bin/false\n",
        home.display()
    )
}

fn iso(t: SystemTime) -> String {
    timestamp::format_z(t)
}

/// A home with the configuration, an SSO token due for a refresh, and the session files that no
/// fake writes here.
fn home(moto: &MotoServer, sso: &SsoFake) -> Home {
    let home = Home::new();
    let root = home.dir.path().to_owned();
    let now = SystemTime::now();
    let in_1h = iso(now + Duration::from_secs(3600));
    sso.accept_refresh_token("refresh-seed", "client-seed", "client-secret-seed");
    let token = json!({
        "startUrl": "https://d-corp.awsapps.com/start", "region": "us-east-1",
        "accessToken": "access-seed", "expiresAt": iso(now + Duration::from_secs(300)),
        "clientId": "client-seed", "clientSecret": "client-secret-seed",
        "registrationExpiresAt": iso(now + Duration::from_secs(86400)),
        "refreshToken": "refresh-seed",
    });
    let login = json!({
        "accessToken": {"accessKeyId": "ASIALOGIN", "secretAccessKey": "login-secret-value",
            "sessionToken": "login-session-token", "accountId": "123456789012",
            "expiresAt": in_1h},
        "tokenType": "aws_sigv4", "refreshToken": "login-refresh-token",
        "idToken": "login-id-token", "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nbG9naW4ta2V5\n-----END EC PRIVATE KEY-----\n",
    });
    let marked = |kind: &str, profile: &str| {
        json!({"Credentials": {"AccessKeyId": "ASIAMARK", "SecretAccessKey": "marked-secret",
            "SessionToken": "marked-token", "Expiration": in_1h},
            "Awscred": {"Kind": kind, "Profile": profile}})
        .to_string()
    };
    let env = Env::from_vars([("HOME", root.to_str().unwrap())]);
    let login_path = awscred_login::login_token_path(&env, LOGIN_SESSION).unwrap();
    let login_rel = login_path
        .strip_prefix(&root)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let registration = json!({"clientId": "c", "clientSecret": "registration-secret",
        "expiresAt": in_1h});
    let home = home
        .file(".aws/config", &config(&root))
        .file(
            ".aws/credentials",
            &format!("[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = {SECRET}\n"),
        )
        .file("token.jwt", "web-identity-jwt")
        .file(&login_rel, &login.to_string())
        .file(
            ".aws/cli/cache/mfa-entry.json",
            &marked("mfa-session", "base"),
        )
        .file(
            ".aws/cli/cache/process-entry.json",
            &marked("credential-process", "proc"),
        )
        .file(
            ".aws/sso/cache/botocore-client-id-us-east-1.json",
            &registration.to_string(),
        )
        // Hostile and leftover files.
        .file(
            ".aws/cli/cache/garbled.json",
            "{\"Credentials\": {\"SecretAccessKey\": \"gar",
        )
        .file(".aws/cli/cache/array.json", "[1, 2]")
        .file(
            ".aws/cli/cache/no-expiry.json",
            "{\"Credentials\": {\"AccessKeyId\": \"A\"}}",
        )
        .file(".aws/cli/cache/k.json.lock", "123")
        .file(".aws/sso/cache/binary.json", "\u{0}\u{1}\u{2}")
        .file(".aws/login/cache/empty.json", "")
        .env("AWS_ENDPOINT_URL_SSO", sso.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", sso.url())
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint());
    // The SSO token goes where the CLI names it: SHA-1 of the session name.
    let token_path = awscred_sso::token_path(
        &env,
        &awscred_sso::SsoSession::new(Some("corp".into()), String::new(), String::new()),
    )
    .unwrap();
    std::fs::write(&token_path, token.to_string()).unwrap();
    std::fs::create_dir_all(root.join(".aws/cli/cache/dir.json")).unwrap();
    // Larger than any cache file: not read.
    std::fs::write(root.join(".aws/cli/cache/huge.json"), vec![b' '; 2 << 20]).unwrap();
    // A FIFO would block a read forever.
    #[cfg(unix)]
    assert!(
        Command::new("mkfifo")
            .arg(root.join(".aws/sso/cache/fifo.json"))
            .status()
            .unwrap()
            .success()
    );
    home
}

fn fill_with_awscred(home: &Home) {
    for profile in PROFILES {
        let out = home.run(&["export-credentials", "--profile", profile]);
        assert_code(&out, 0);
    }
}

/// Every secret value in the home's cache files.
fn secrets(home: &Home) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let secret = [
                        "SecretAccessKey",
                        "SessionToken",
                        "accessToken",
                        "refreshToken",
                        "clientSecret",
                        "secretAccessKey",
                        "sessionToken",
                        "dpopKey",
                        "idToken",
                    ]
                    .contains(&k.as_str());
                    match v {
                        Value::String(s) if secret => out.push(s.clone()),
                        other => walk(other, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = vec![SECRET.to_owned(), "web-identity-jwt".to_owned()];
    for dir in [".aws/sso/cache", ".aws/cli/cache", ".aws/login/cache"] {
        for entry in std::fs::read_dir(home.dir.path().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            // Not the FIFO: its read would block.
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                walk(&v, &mut out);
            }
        }
    }
    assert!(out.len() > 15, "{out:?}");
    out
}

/// The sessions of `status --json`, without what differs between homes (files, times).
fn summary(home: &Home) -> (Value, BTreeSet<String>) {
    let out = home.run(&["status", "--json"]);
    assert_code(&out, 0);
    let doc: Value = serde_json::from_str(stdout(&out)).unwrap();
    assert_eq!(doc["Version"], 1);
    let text = home.run(&["status"]);
    assert_code(&text, 0);
    for secret in secrets(home) {
        assert!(
            !stdout(&out).contains(&secret),
            "{secret} in {}",
            stdout(&out)
        );
        assert!(
            !stdout(&text).contains(&secret),
            "{secret} in {}",
            stdout(&text)
        );
    }
    let mut kinds = BTreeSet::new();
    let sessions: Vec<Value> = doc["Sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            kinds.insert(s["Kind"].as_str().unwrap().to_owned());
            let mut s = s.clone();
            let m = s.as_object_mut().unwrap();
            for k in ["File", "Expiration", "SecondsLeft", "Error"] {
                m.remove(k);
            }
            // A generated session name holds the time it was made.
            if let Some(Value::String(arn)) = m.get_mut("RoleArn")
                && let Some(at) = arn.find("/botocore-session-")
            {
                arn.truncate(at + "/botocore-session-".len());
            }
            s
        })
        .collect();
    (json!(sessions), kinds)
}

fn find<'a>(sessions: &'a Value, kind: &str) -> Vec<&'a Value> {
    sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Kind"] == kind)
        .collect()
}

#[test]
fn every_session_written_by_botocore_or_awscred_is_listed_without_secrets() {
    let moto = MotoServer::start();
    let (sso_a, sso_b) = (SsoFake::start(), SsoFake::start());
    let by_botocore = home(&moto, &sso_a);
    let by_awscred = home(&moto, &sso_b);
    botocore_read_credentials(&by_botocore, &PROFILES);
    fill_with_awscred(&by_awscred);
    // Both refreshed the token through SSO-OIDC and wrote it back.
    assert_eq!(sso_a.requests_to("/token").len(), 1);
    assert_eq!(sso_b.requests_to("/token").len(), 1);

    let (botocore, kinds) = summary(&by_botocore);
    let (awscred, _) = summary(&by_awscred);
    assert_eq!(botocore, awscred, "the same sessions, whoever wrote them");
    let expected: BTreeSet<String> = [
        "sso-token",
        "sso-role-credentials",
        "assume-role",
        "web-identity",
        "login",
        "mfa-session",
        "credential-process",
        "unreadable",
    ]
    .map(String::from)
    .into();
    assert_eq!(kinds, expected);

    let one = |kind: &str| {
        let found = find(&botocore, kind);
        assert_eq!(found.len(), 1, "{kind}: {botocore:#}");
        found[0].clone()
    };
    let token = one("sso-token");
    assert_eq!(token["SsoSession"], "corp");
    assert_eq!(token["StartUrl"], "https://d-corp.awsapps.com/start");
    assert_eq!(token["Region"], "us-east-1");
    assert_eq!(token["RefreshToken"], true);
    assert_eq!(token["Profiles"], json!(["sso-dev"]));
    assert_eq!(token["Expired"], false);
    assert_eq!(one("sso-role-credentials")["Profiles"], json!(["sso-dev"]));
    assert_eq!(one("sso-role-credentials")["AccountId"], "111122223333");
    let role = one("assume-role");
    assert_eq!(role["Profiles"], json!(["admin", "admin-too"]));
    assert!(
        role["RoleArn"]
            .as_str()
            .unwrap()
            .contains(":assumed-role/admin/"),
        "{role}"
    );
    assert_eq!(one("web-identity")["Profiles"], json!(["web"]));
    let login = one("login");
    assert_eq!(login["LoginSession"], LOGIN_SESSION);
    assert_eq!(login["Profiles"], json!(["login"]));
    assert_eq!(login["AccountId"], "123456789012");
    assert_eq!(one("mfa-session")["Profiles"], json!(["base"]));
    assert_eq!(one("credential-process")["Profiles"], json!(["proc"]));
    // garbled, array, no-expiry, dir.json, huge (cli); binary, fifo (sso); empty (login).
    let hostile = if cfg!(unix) { 8 } else { 7 };
    assert_eq!(find(&botocore, "unreadable").len(), hostile, "{botocore:#}");

    // The full JSON of one session: every documented key.
    let out = by_awscred.run(&["status", "--json"]);
    let doc: Value = serde_json::from_str(stdout(&out)).unwrap();
    let token = doc["Sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Kind"] == "sso-token")
        .unwrap();
    let left = token["SecondsLeft"].as_i64().unwrap();
    assert!(left > 7 * 3600 && left <= 8 * 3600, "{token}");
    assert!(token["File"].as_str().unwrap().ends_with(".json"));
    assert!(timestamp::parse(token["Expiration"].as_str().unwrap()).is_some());
    let garbled = doc["Sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["File"].as_str().unwrap().ends_with("garbled.json"))
        .unwrap();
    assert_eq!(garbled["Kind"], "unreadable");
    assert!(
        garbled["Error"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{garbled}"
    );

    // The text form.
    let text = by_awscred.run(&["status"]);
    let text = stdout(&text);
    assert!(text.contains("sso-token  corp  expires "), "{text}");
    assert!(text.contains("    profiles: admin, admin-too\n"), "{text}");
    assert!(text.contains("    RefreshToken: yes\n"), "{text}");
}

#[test]
fn an_empty_home_has_no_sessions_and_a_broken_config_still_lists_them() {
    let home = Home::new();
    let out = home.run(&["status"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "No cached sessions.\n");
    let out = home.run(&["status", "--json"]);
    let doc: Value = serde_json::from_str(stdout(&out)).unwrap();
    assert_eq!(doc["Sessions"], json!([]));

    let in_1h = iso(SystemTime::now() + Duration::from_secs(3600));
    let home = Home::new().file(".aws/config", "[profile x\nbroken").file(
        ".aws/cli/cache/e.json",
        &json!({"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S3CR3T",
                "SessionToken": "T0K3N", "Expiration": in_1h}})
        .to_string(),
    );
    let out = home.run(&["status", "--json"]);
    assert_code(&out, 0);
    let doc: Value = serde_json::from_str(stdout(&out)).unwrap();
    assert_eq!(doc["Sessions"][0]["Kind"], "role-credentials", "{doc}");
    assert!(!stdout(&out).contains("S3CR3T") && !stdout(&out).contains("T0K3N"));
}
