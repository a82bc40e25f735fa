//! `awscred sso login` / `awscred sso logout`, end to end: the real binary against the loopback
//! SSO fake, the test playing the user (and the browser), then `export-credentials` of the SSO
//! profile, then logout.

mod common;

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use awscred_testkit::sso_fake::{self, SsoFake};
use common::*;

const CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n\
sso_role_name = ReadOnly\nregion = eu-west-1\n\n[sso-session my-sso]\n\
sso_start_url = https://d-123.awsapps.com/start\nsso_region = us-east-1\n\
sso_registration_scopes = sso:account:access\n\n[profile legacy]\n\
sso_start_url = https://legacy.awsapps.com/start\nsso_region = us-west-2\n\
sso_account_id = 444455556666\nsso_role_name = Admin\n\n[profile plain]\nregion = eu-west-1\n";

fn setup(fake: &SsoFake) -> Home {
    Home::new()
        .file(".aws/config", CONFIG)
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url())
}

/// The JSON files of a cache directory with `key` at the top level.
fn cache_files(home: &Home, dir: &str, key: &str) -> Vec<serde_json::Value> {
    let dir = home.dir.path().join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .filter_map(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .filter(|v| v.get(key).is_some())
        .collect()
}

// Unix only: Windows has no mode bits, and the CLI's 0o600 sets none there.
#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Exports the profile's credentials, checks them, and logs out.
fn export_then_logout(home: &Home, fake: &SsoFake, profile: &str, account: &str) {
    let out = home.run(&["export-credentials", "--profile", profile]);
    assert_code(&out, 0);
    let doc: serde_json::Value = serde_json::from_str(stdout(&out)).unwrap();
    assert!(
        doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{doc}"
    );
    assert!(doc["SessionToken"].is_string(), "{doc}");
    let roles = fake.requests_to("/federation/credentials");
    assert_eq!(roles.last().unwrap().param("account_id"), Some(account));
    let role_cache = cache_files(home, ".aws/cli/cache", "ProviderType");
    assert_eq!(role_cache.len(), 1, "{role_cache:?}");

    let out = home.run(&["sso", "logout"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
    assert!(cache_files(home, ".aws/sso/cache", "accessToken").is_empty());
    assert!(cache_files(home, ".aws/cli/cache", "ProviderType").is_empty());
    assert_eq!(fake.logged_out().len(), 1);
    // Logged out: the profile has no token any more. botocore's SSO credentials are deferred, so
    // the CLI meets the missing token while reading them: its general error, 255.
    let out = home.run(&["export-credentials", "--profile", profile]);
    assert_code(&out, 255);
    assert!(
        stderr(&out).contains("Error loading SSO Token"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn device_code_login_then_export_then_logout() {
    let fake = SsoFake::start();
    fake.set_interval(1);
    fake.script_device_polls(&["authorization_pending"]);
    let home = setup(&fake);
    let out = home.run(&["sso", "login", "--profile", "legacy", "--no-browser"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("Browser will not be automatically opened."),
        "{text}"
    );
    assert!(text.contains("Then enter the code:\n\nABCD-"), "{text}");
    assert!(
        text.ends_with("Successfully logged into Start URL: https://legacy.awsapps.com/start\n"),
        "{text}"
    );
    assert_eq!(fake.requests_to("/token").len(), 2);
    let tokens = cache_files(&home, ".aws/sso/cache", "accessToken");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["startUrl"], "https://legacy.awsapps.com/start");
    #[cfg(unix)]
    for entry in std::fs::read_dir(home.dir.path().join(".aws/sso/cache")).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()), 0o600);
    }
    export_then_logout(&home, &fake, "legacy", "444455556666");
}

#[test]
fn browser_login_then_export_then_logout() {
    let fake = SsoFake::start();
    let home = setup(&fake);
    let mut child = home.spawn(&["sso", "login", "--profile", "dev", "--no-browser"]);
    // Play the browser as soon as the authorize URL is printed; keep the rest of the output.
    let stdout_pipe = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stdout_pipe).lines() {
            let line = line.unwrap();
            if line.contains("/authorize?") {
                tx.send(line.trim().to_owned()).unwrap();
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        seen
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the authorize URL is printed");
    assert!(
        url.starts_with(&format!("{}/authorize?", fake.url())),
        "{url}"
    );
    // Any local program can reach the listener: requests without this login's state (a forged
    // redirect, a denial, a stray request) get an error page and do not end the login.
    let redirect = url
        .split('&')
        .find_map(|p| p.strip_prefix("redirect_uri="))
        .map(|r| r.replace("%3A", ":").replace("%2F", "/"))
        .unwrap();
    for stray in [
        sso_fake::forge_redirect(&url, "forged-state"),
        format!("{redirect}?error=access_denied"),
        format!("{redirect}?error=access_denied&state=other"),
    ] {
        let (status, page) = sso_fake::browser_visit(&stray);
        assert_eq!(status, 400, "{stray}: {page}");
    }
    let (status, _page) = sso_fake::browser_approve(&url);
    assert_eq!(status, 200);
    let status = child.0.wait().unwrap();
    let text = reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(
        text.ends_with("Successfully logged into Start URL: https://d-123.awsapps.com/start\n"),
        "{text}"
    );
    let create = fake.requests_to("/token");
    assert_eq!(
        create.last().unwrap().body["grantType"],
        "authorization_code"
    );
    let tokens = cache_files(&home, ".aws/sso/cache", "accessToken");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["startUrl"], "https://d-123.awsapps.com/start");
    export_then_logout(&home, &fake, "dev", "111122223333");
}

#[test]
fn login_errors_end_as_in_the_cli() {
    let fake = SsoFake::start();
    let home = setup(&fake);
    let out = home.run(&["sso", "login", "--profile", "plain", "--no-browser"]);
    assert_code(&out, 253);
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("\nawscred: [ERROR]: An error occurred (Configuration): "),
        "{}",
        stderr(&out)
    );
    let out = home.run(&["sso", "login", "--profile", "nope"]);
    assert_code(&out, 255);
    assert_eq!(
        stderr(&out),
        "\nawscred: [ERROR]: The config profile (nope) could not be found\n"
    );
    let out = home.run(&["sso"]);
    assert_code(&out, 252);
    let out = home.run(&["sso", "login", "--no-such-flag"]);
    assert_code(&out, 252);
    // The service refusing the device authorization is a general error.
    fake.script_device_polls(&["expired_token"]);
    let out = home.run(&["sso", "login", "--profile", "legacy", "--no-browser"]);
    assert_code(&out, 255);
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path != "/federation/credentials")
    );
}

#[test]
fn logout_with_nothing_cached_succeeds_quietly() {
    let fake = SsoFake::start();
    let home = setup(&fake);
    let out = home.run(&["sso", "logout"]);
    assert_code(&out, 0);
    assert_eq!((stdout(&out), stderr(&out)), ("", ""));
    assert!(fake.requests().is_empty());
}
