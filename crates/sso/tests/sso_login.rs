//! `sso login` (both flows, end to end against the fake, with the test playing the browser) and
//! `sso logout`.

mod common;

use std::time::Duration;

use awscred_sso::{LogoutSummary, SsoLoginOptions, login, logout};
use awscred_testkit::sso_fake;
use common::*;
use serde_json::json;

fn fast(profile: &str) -> SsoLoginOptions {
    SsoLoginOptions::default()
        .with_profile(Some(profile.to_owned()))
        .with_no_browser(true)
        .with_poll_unit(Duration::from_millis(2))
        .with_callback_timeout(Duration::from_secs(20))
}

/// Waits for the authorize URL to be printed, then plays the browser with `act`.
fn browser<F>(out: SharedOut, act: F) -> std::thread::JoinHandle<(u16, String)>
where
    F: FnOnce(&str) -> (u16, String) + Send + 'static,
{
    std::thread::spawn(move || {
        for _ in 0..2000 {
            let text = out.text();
            if let Some(url) = text.lines().find(|l| l.contains("/authorize?")) {
                return act(url.trim());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("no authorize URL was printed: {}", out.text());
    })
}

#[tokio::test]
async fn device_code_login_end_to_end() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.set_interval(1);
    s.fake.script_device_polls(&[
        "authorization_pending",
        "slow_down",
        "authorization_pending",
    ]);
    let mut out = SharedOut::default();
    let started = std::time::Instant::now();
    login(&s.ctx("legacy"), s.http.clone(), &fast("legacy"), &mut out)
        .await
        .unwrap();
    // interval 1, then 1 + 5 after slow_down: 1 + 6 + 6 units of 2 ms.
    assert!(started.elapsed() >= Duration::from_millis(26));
    let text = out.text();
    assert!(
        text.contains("Browser will not be automatically opened."),
        "{text}"
    );
    assert!(text.contains("/device\n"), "{text}");
    assert!(text.contains("Then enter the code:\n\nABCD-"), "{text}");
    assert!(text.contains("/device?user_code=ABCD-"), "{text}");
    assert!(
        text.contains("Waiting for the authorization to complete"),
        "{text}"
    );
    assert!(
        text.ends_with("Successfully logged into Start URL: https://legacy.awsapps.com/start\n"),
        "{text}"
    );

    let polls = s.fake.requests_to("/token");
    assert_eq!(polls.len(), 4);
    assert!(
        polls
            .iter()
            .all(|p| p.body["grantType"] == "urn:ietf:params:oauth:grant-type:device_code")
    );
    let register = &s.fake.requests_to("/client/register")[0].body;
    assert!(
        register["clientName"]
            .as_str()
            .unwrap()
            .starts_with("botocore-client-1"),
        "{register}"
    );
    assert_eq!(register["clientType"], "public");
    assert!(register.get("grantTypes").is_none());

    let token_path = s.token_file("https://legacy.awsapps.com/start");
    let token = s.read_json(&token_path);
    assert_eq!(token["startUrl"], "https://legacy.awsapps.com/start");
    assert_eq!(token["region"], "us-west-2");
    assert!(
        token["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("access-token-")
    );
    assert!(
        token["refreshToken"]
            .as_str()
            .unwrap()
            .starts_with("refresh-token-")
    );
    assert!(
        token["registrationExpiresAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    // Unix only: file modes (the CLI's 0o600 sets none on Windows).
    #[cfg(unix)]
    assert_eq!(mode(&token_path), 0o600);

    // The registration is cached under the CLI's key and reused by the next login.
    let reg_key = sha1(
        r#"{"region": "us-west-2", "scopes": null, "session_name": null, "startUrl": "https://legacy.awsapps.com/start", "tool": "botocore"}"#,
    );
    let reg = s.read_json(&s.path(&format!(".aws/sso/cache/{reg_key}.json")));
    assert!(
        reg["clientId"].as_str().unwrap().starts_with("client-"),
        "{reg}"
    );
    assert!(reg.get("grantTypes").is_none());
    login(
        &s.ctx("legacy"),
        s.http.clone(),
        &fast("legacy"),
        &mut SharedOut::default(),
    )
    .await
    .unwrap();
    assert_eq!(s.fake.requests_to("/client/register").len(), 1);
    assert_eq!(s.fake.requests_to("/device_authorization").len(), 2);

    // The new token works for credentials.
    let creds = awscred_sso::SsoProvider::new(&s.ctx("legacy"), "legacy", s.http.clone()).unwrap();
    use awscred_core::ProvideCredentials;
    assert!(creds.provide_credentials().await.is_ok());
}

#[tokio::test]
async fn device_code_login_stops_on_expired_token() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake
        .script_device_polls(&["authorization_pending", "expired_token"]);
    let mut options = fast("dev");
    options.use_device_code = true;
    let err = login(
        &s.ctx("dev"),
        s.http.clone(),
        &options,
        &mut SharedOut::default(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("pending authorization to retrieve an SSO token has expired"),
        "{err}"
    );
    assert_eq!(s.fake.requests_to("/token").len(), 2);
    assert!(!s.token_file("my-sso").exists());
}

#[tokio::test]
async fn pre_authorized_device_login_prints_no_prompt() {
    let s = Setup::new(SESSION_CONFIG);
    let mut options = fast("dev");
    options.use_device_code = true;
    let mut out = SharedOut::default();
    login(&s.ctx("dev"), s.http.clone(), &options, &mut out)
        .await
        .unwrap();
    assert_eq!(
        out.text(),
        "Successfully logged into Start URL: https://d-123.awsapps.com/start\n"
    );
    // --use-device-code on an sso-session registers with the session's scopes, keyed by session.
    let register = &s.fake.requests_to("/client/register")[0].body;
    assert_eq!(register["clientName"], "botocore-client-my-sso");
    assert_eq!(register["scopes"], json!(["sso:account:access"]));
    assert!(s.token_file("my-sso").exists());
}

#[tokio::test]
async fn authorization_code_login_end_to_end() {
    let s = Setup::new(SESSION_CONFIG);
    let out = SharedOut::default();
    let fake_url = s.fake.url().to_owned();
    let driver = browser(out.clone(), move |url| {
        assert!(url.starts_with(&format!("{fake_url}/authorize?")), "{url}");
        sso_fake::browser_approve(url)
    });
    let mut writer = out.clone();
    login(&s.ctx("dev"), s.http.clone(), &fast("dev"), &mut writer)
        .await
        .unwrap();
    let (status, page) = driver.join().unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Request approved"), "{page}");

    let authorize = &s.fake.requests_to("/authorize")[0];
    assert_eq!(authorize.param("response_type"), Some("code"));
    assert_eq!(authorize.param("code_challenge_method"), Some("S256"));
    assert_eq!(authorize.param("scopes"), Some("sso:account:access"));
    let challenge = authorize.param("code_challenge").unwrap();
    assert_eq!(challenge.len(), 43, "base64url of SHA-256 without padding");
    let redirect = authorize.param("redirect_uri").unwrap();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"),
        "{redirect}"
    );
    assert_eq!(authorize.param("state").unwrap().len(), 36);

    let register = &s.fake.requests_to("/client/register")[0].body;
    assert_eq!(
        register["grantTypes"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        register["redirectUris"],
        json!(["http://127.0.0.1/oauth/callback"])
    );
    assert_eq!(register["issuerUrl"], "https://d-123.awsapps.com/start");
    assert_eq!(register["clientName"], "botocore-client-my-sso");

    let create = &s.fake.requests_to("/token")[0].body;
    assert_eq!(create["grantType"], "authorization_code");
    assert_eq!(create["redirectUri"], redirect);
    assert_eq!(create["codeVerifier"].as_str().unwrap().len(), 64);

    let token = s.read_json(&s.token_file("my-sso"));
    assert!(
        token["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("access-token-")
    );
    assert_eq!(token["clientId"], register_client_id(&s));
    let text = out.text();
    assert!(
        text.contains("Browser will not be automatically opened."),
        "{text}"
    );
    assert!(!text.contains("Then enter the code"), "{text}");
    assert!(
        text.ends_with("Successfully logged into Start URL: https://d-123.awsapps.com/start\n"),
        "{text}"
    );

    // The registration is cached for the auth-code flow (with grantTypes), keyed by session.
    let reg_key = sha1(
        r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "my-sso", "startUrl": "https://d-123.awsapps.com/start", "tool": "botocore"}"#,
    );
    let reg = s.read_json(&s.path(&format!(".aws/sso/cache/{reg_key}.json")));
    assert_eq!(
        reg["grantTypes"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(reg["scopes"], json!(["sso:account:access"]));
}

fn register_client_id(s: &Setup) -> String {
    let reg = &s.fake.requests_to("/client/register");
    assert_eq!(reg.len(), 1);
    let token = s.read_json(&s.token_file("my-sso"));
    token["clientId"].as_str().unwrap().to_owned()
}

/// The `state` the login put in its authorize URL.
fn state_of(authorize_url: &str) -> String {
    authorize_url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_owned()
}

fn redirect_of(authorize_url: &str) -> String {
    authorize_url
        .split('&')
        .find_map(|p| p.strip_prefix("redirect_uri="))
        .map(|r| r.replace("%3A", ":").replace("%2F", "/"))
        .unwrap()
}

#[tokio::test]
async fn authorization_code_login_ignores_requests_of_another_state_and_waits_for_its_own() {
    let s = Setup::new(SESSION_CONFIG);
    let out = SharedOut::default();
    let driver = browser(out.clone(), |url| {
        let redirect = redirect_of(url);
        // A forged redirect, a denial without the state, a stray request: each answered with
        // an error page and ignored; then the real redirect.
        let forged = sso_fake::forge_redirect(url, "forged-state");
        let ignored = [
            sso_fake::browser_visit(&forged),
            sso_fake::browser_visit(&format!("{redirect}?error=access_denied")),
            sso_fake::browser_visit(&format!("{redirect}?error=access_denied&state=other")),
            sso_fake::browser_visit(&format!("{redirect}?unrelated=1")),
        ];
        for (status, page) in ignored {
            assert_eq!(status, 400);
            assert!(page.contains("Not this login"), "{page}");
        }
        sso_fake::browser_approve(url)
    });
    login(
        &s.ctx("dev"),
        s.http.clone(),
        &fast("dev"),
        &mut out.clone(),
    )
    .await
    .expect("the real redirect still logs in");
    assert_eq!(driver.join().unwrap().0, 200);
    assert_eq!(s.fake.requests_to("/token").len(), 1);
    assert!(s.token_file("my-sso").exists());
}

#[tokio::test]
async fn authorization_code_login_reports_a_denied_request() {
    let s = Setup::new(SESSION_CONFIG);
    let out = SharedOut::default();
    let driver = browser(out.clone(), |url| {
        let redirect = redirect_of(url);
        // A stray request first (no code), then the denial, carrying this login's state as
        // the authorization server sends it.
        let _ = sso_fake::browser_visit(&format!("{redirect}?unrelated=1"));
        sso_fake::browser_visit(&format!(
            "{redirect}?error=access_denied&state={}",
            state_of(url)
        ))
    });
    let err = login(
        &s.ctx("dev"),
        s.http.clone(),
        &fast("dev"),
        &mut out.clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(driver.join().unwrap().0, 200);
    assert!(
        err.to_string()
            .contains("Failed to retrieve an authorization code."),
        "{err}"
    );
}

#[tokio::test]
async fn authorization_code_login_gives_up_after_the_callback_timeout() {
    let s = Setup::new(SESSION_CONFIG);
    let mut options = fast("dev");
    options.callback_timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err = login(
        &s.ctx("dev"),
        s.http.clone(),
        &options,
        &mut SharedOut::default(),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("has expired"), "{err}");
}

#[tokio::test]
async fn login_configuration_errors() {
    let s = Setup::new("[profile plain]\nregion = x\n[profile broken]\nsso_session = nope\n");
    let e = login(
        &s.ctx("plain"),
        s.http.clone(),
        &fast("plain"),
        &mut SharedOut::default(),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains(
            "Missing the following required SSO configuration values: sso_start_url, sso_region"
        ),
        "{e}"
    );
    let e = login(
        &s.ctx("broken"),
        s.http.clone(),
        &fast("broken"),
        &mut SharedOut::default(),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("The specified sso-session does not exist: \"nope\""),
        "{e}"
    );
    assert!(s.fake.requests().is_empty());
}

#[tokio::test]
async fn logout_removes_sso_tokens_and_credentials_only() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("tok-1");
    let w = |rel: &str, v: serde_json::Value| s.home.write(rel, v.to_string());
    let t1 = w(
        ".aws/sso/cache/a.json",
        json!({"accessToken": "tok-1", "expiresAt": "2099-01-01T00:00:00Z", "region": "us-east-1"}),
    );
    let t2 = w(
        ".aws/sso/cache/b.json",
        json!({"accessToken": "tok-2", "expiresAt": "2099-01-01T00:00:00Z"}),
    );
    let reg = w(
        ".aws/sso/cache/reg.json",
        json!({"clientId": "c", "clientSecret": "s", "expiresAt": "2099-01-01T00:00:00Z"}),
    );
    let junk = s.home.write(".aws/sso/cache/junk.json", "not json");
    let sso_creds = w(
        ".aws/cli/cache/x.json",
        json!({"ProviderType": "sso", "Credentials": {}}),
    );
    let role_creds = w(
        ".aws/cli/cache/y.json",
        json!({"ProviderType": "assume-role", "Credentials": {}}),
    );
    let summary = logout(&s.ctx("dev"), s.http.clone()).await.unwrap();
    assert_eq!((summary.tokens, summary.credentials), (2, 1));
    assert!(!t1.exists() && !t2.exists() && !sso_creds.exists());
    assert!(reg.exists() && junk.exists() && role_creds.exists());
    assert_eq!(s.fake.logged_out(), vec!["tok-1".to_owned()]);
    // Nothing left: a second logout is a no-op, and a missing cache directory is fine.
    assert_eq!(
        logout(&s.ctx("dev"), s.http.clone()).await.unwrap(),
        LogoutSummary::default()
    );
    std::fs::remove_dir_all(s.path(".aws/sso")).unwrap();
    assert_eq!(
        logout(&s.ctx("dev"), s.http.clone()).await.unwrap(),
        LogoutSummary::default()
    );
}
