//! Role credentials and tokens against the loopback fake of the portal and SSO-OIDC.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::{ErrorKind, ProvideCredentials};
use awscred_sso::{SsoProvider, SsoTokenProvider};
use common::*;
use serde_json::json;

const SESSION_KEY: &str = "my-sso";
const LEGACY_URL: &str = "https://legacy.awsapps.com/start";

fn write_token(s: &Setup, key: &str, token: serde_json::Value) -> std::path::PathBuf {
    let path = s.token_file(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, token.to_string()).unwrap();
    path
}

fn refreshable(s: &Setup, access: &str, expires: String) -> serde_json::Value {
    s.fake.accept_refresh_token("old-refresh", "cid", "csecret");
    json!({
        "startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
        "accessToken": access, "expiresAt": expires, "refreshToken": "old-refresh",
        "clientId": "cid", "clientSecret": "csecret",
        "registrationExpiresAt": "2199-03-06T19:53:17UTC",
    })
}

#[tokio::test]
async fn session_profile_resolves_and_shares_the_cli_cache() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("good-token");
    s.fake.set_role_expiration_ms(4_102_444_800_000);
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "good-token", "expiresAt": in_minutes(&s.env, 120)}),
    );
    let provider = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIAFAKE"));
    assert_eq!(creds.account_id(), Some("111122223333"));
    assert_eq!(creds.provider(), "sso");
    assert_eq!(
        creds.expiration(),
        Some(UNIX_EPOCH + Duration::from_secs(4_102_444_800))
    );
    let calls = s.fake.requests_to("/federation/credentials");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].param("role_name"), Some("ReadOnly"));
    assert_eq!(calls[0].param("account_id"), Some("111122223333"));
    assert_eq!(
        calls[0]
            .headers
            .get("x-amz-sso_bearer_token")
            .map(String::as_str),
        Some("good-token")
    );

    // The CLI's key: sha1 of {"accountId":..,"roleName":..,"sessionName":..} (compact, sorted).
    let key = sha1(r#"{"accountId":"111122223333","roleName":"ReadOnly","sessionName":"my-sso"}"#);
    assert_eq!(provider.cache_key(), key);
    let cache = s.path(&format!(".aws/cli/cache/{key}.json"));
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(
        text.starts_with(r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAFAKE"#),
        "{text}"
    );
    assert!(
        text.ends_with(r#""Expiration": "2100-01-01T00:00:00Z", "AccountId": "111122223333"}}"#),
        "{text}"
    );
    // Unix only: file modes (the CLI's 0o600 sets none on Windows).
    #[cfg(unix)]
    assert_eq!(mode(&cache), 0o600);

    // A second resolution is served from the shared cache.
    let again = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
    let cached = again.provide_credentials().await.unwrap();
    assert_eq!(cached.access_key_id(), creds.access_key_id());
    assert_eq!(cached.account_id(), Some("111122223333"));
    assert_eq!(s.fake.requests_to("/federation/credentials").len(), 1);
}

#[tokio::test]
async fn cached_role_credentials_near_expiry_are_refetched() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("good-token");
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "good-token", "expiresAt": in_minutes(&s.env, 120)}),
    );
    let provider = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
    let cache = s.path(&format!(".aws/cli/cache/{}.json", provider.cache_key()));
    std::fs::create_dir_all(cache.parent().unwrap()).unwrap();
    let stale = json!({"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIASTALE", "SecretAccessKey": "x",
        "SessionToken": "y", "Expiration": in_minutes(&s.env, 10), "AccountId": "111122223333"}});
    std::fs::write(&cache, stale.to_string()).unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert_ne!(creds.access_key_id(), "ASIASTALE");
    assert_eq!(s.fake.requests_to("/federation/credentials").len(), 1);
    // A corrupt cache file is a miss, as in the CLI.
    std::fs::write(&cache, "{not json").unwrap();
    assert!(provider.provide_credentials().await.is_ok());
}

#[tokio::test]
async fn legacy_profile_uses_the_start_url_token_and_its_own_cache_key() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("legacy-token");
    write_token(
        &s,
        LEGACY_URL,
        json!({"accessToken": "legacy-token", "expiresAt": in_minutes(&s.env, 60)}),
    );
    let provider = SsoProvider::new(&s.ctx("legacy"), "legacy", s.http.clone()).unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert_eq!(creds.account_id(), Some("444455556666"));
    let key = sha1(
        r#"{"accountId":"444455556666","roleName":"Admin","startUrl":"https://legacy.awsapps.com/start"}"#,
    );
    assert_eq!(provider.cache_key(), key);
    assert!(s.path(&format!(".aws/cli/cache/{key}.json")).exists());
}

#[tokio::test]
async fn expired_legacy_token_names_the_login_command_without_calling_the_portal() {
    let s = Setup::new(SESSION_CONFIG);
    write_token(
        &s,
        LEGACY_URL,
        json!({"accessToken": "legacy-token", "expiresAt": in_minutes(&s.env, -1),
        "refreshToken": "r", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2199-01-01T00:00:00Z"}),
    );
    let err = SsoProvider::new(&s.ctx("legacy"), "legacy", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("awscred sso login --profile legacy"),
        "{err}"
    );
    assert!(
        s.fake.requests().is_empty(),
        "legacy tokens are never refreshed"
    );
}

#[tokio::test]
async fn missing_token_file_is_a_clear_error() {
    let s = Setup::new(SESSION_CONFIG);
    let err = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Token for my-sso does not exist"), "{text}");
    assert!(text.contains(&sha1("my-sso")), "{text}");
    assert!(text.contains("awscred sso login --profile dev"), "{text}");
}

#[tokio::test]
async fn refresh_within_the_window_writes_the_new_token_back() {
    let s = Setup::new(SESSION_CONFIG);
    let path = write_token(
        &s,
        SESSION_KEY,
        refreshable(&s, "old-token", in_minutes(&s.env, 5)),
    );
    let creds = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    assert!(creds.access_key_id().starts_with("ASIAFAKE"));
    let token_calls = s.fake.requests_to("/token");
    assert_eq!(token_calls.len(), 1);
    let body = &token_calls[0].body;
    assert_eq!(body["grantType"], "refresh_token");
    assert_eq!(body["refreshToken"], "old-refresh");
    assert_eq!(body["clientId"], "cid");
    let written = s.read_json(&path);
    let new_access = written["accessToken"].as_str().unwrap().to_owned();
    assert!(new_access.starts_with("access-token-"), "{written}");
    assert!(
        written["refreshToken"]
            .as_str()
            .unwrap()
            .starts_with("refresh-token-")
    );
    assert_eq!(written["clientId"], "cid");
    assert_eq!(written["clientSecret"], "csecret");
    assert_eq!(
        written["registrationExpiresAt"], "2199-03-06T19:53:17UTC",
        "kept verbatim"
    );
    assert_eq!(written["startUrl"], "https://d-123.awsapps.com/start");
    assert_eq!(written["region"], "us-east-1");
    let keys: Vec<&str> = written
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 8);
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.starts_with(r#"{"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1", "accessToken": "#), "{raw}");
    // Unix only: file modes (the CLI's 0o600 sets none on Windows).
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    // The portal saw the new token.
    let portal = s.fake.requests_to("/federation/credentials");
    assert_eq!(portal[0].headers["x-amz-sso_bearer_token"], new_access);
}

#[tokio::test]
async fn failed_refresh_keeps_a_still_valid_token() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("old-token");
    let path = write_token(
        &s,
        SESSION_KEY,
        refreshable(&s, "old-token", in_minutes(&s.env, 5)),
    );
    let before = std::fs::read(&path).unwrap();
    s.fake.fail_refresh_with("invalid_grant");
    let creds = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    assert!(creds.access_key_id().starts_with("ASIAFAKE"));
    assert_eq!(s.fake.requests_to("/token").len(), 1, "one attempt");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the cache file is untouched"
    );
    let portal = s.fake.requests_to("/federation/credentials");
    assert_eq!(portal[0].headers["x-amz-sso_bearer_token"], "old-token");
}

#[tokio::test]
async fn expired_token_that_cannot_be_refreshed_names_the_login_command() {
    let s = Setup::new(SESSION_CONFIG);
    write_token(
        &s,
        SESSION_KEY,
        refreshable(&s, "old-token", in_minutes(&s.env, -5)),
    );
    s.fake.fail_refresh_with("invalid_grant");
    let err = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Token has expired and refresh failed"),
        "{text}"
    );
    assert!(text.contains("`awscred sso login --profile dev`"), "{text}");
    assert!(s.fake.requests_to("/federation/credentials").is_empty());
    // Without refresh keys there is no attempt at all.
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "t", "expiresAt": in_minutes(&s.env, -5)}),
    );
    let before = s.fake.requests().len();
    let err = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .token()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("awscred sso login --profile dev"),
        "{err}"
    );
    assert_eq!(s.fake.requests().len(), before);
}

#[tokio::test]
async fn portal_rejecting_the_token_names_the_login_command() {
    let s = Setup::new(SESSION_CONFIG);
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "revoked-token", "expiresAt": in_minutes(&s.env, 60)}),
    );
    let err = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("has expired or is otherwise invalid"),
        "{text}"
    );
    assert!(text.contains("awscred sso login --profile dev"), "{text}");
    assert!(!text.contains("revoked-token"), "{text}");
}

#[tokio::test]
async fn refresh_is_attempted_at_most_once_a_minute() {
    let start = SystemTime::now();
    let clock = Arc::new(ManualClock::new(start));
    let s = Setup::with_env(SESSION_CONFIG, clock.clone());
    s.fake.fail_refresh_with("invalid_grant");
    // 14 minutes left: inside the advisory window, outside the mandatory one.
    write_token(
        &s,
        SESSION_KEY,
        refreshable(&s, "old-token", in_minutes(&s.env, 14)),
    );
    let provider = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
    let first = provider.token().await.unwrap();
    assert_eq!(first.token.expose(), "old-token");
    assert_eq!(s.fake.requests_to("/token").len(), 1);
    clock.advance(Duration::from_secs(30));
    provider.token().await.unwrap();
    assert_eq!(
        s.fake.requests_to("/token").len(),
        1,
        "no second attempt within a minute"
    );
    clock.advance(Duration::from_secs(31));
    provider.token().await.unwrap();
    assert_eq!(s.fake.requests_to("/token").len(), 2);
    // Once the token has expired, the failure is an error.
    clock.advance(Duration::from_secs(14 * 60));
    let err = provider.token().await.unwrap_err();
    assert!(
        err.to_string().contains("awscred sso login --profile dev"),
        "{err}"
    );
}

#[tokio::test]
async fn token_provider_serves_a_fresh_token_without_calls() {
    let s = Setup::new(SESSION_CONFIG);
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "tok", "expiresAt": "2080-10-16T03:56:45UTC"}),
    );
    let provider = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
    let t = provider.token().await.unwrap();
    assert_eq!(t.token.expose(), "tok");
    assert_eq!(iso(t.expiration), "2080-10-16T03:56:45Z");
    assert!(!format!("{t:?} {provider:?}").contains("\"tok\""));
    assert!(s.fake.requests().is_empty());
    // A legacy profile has no token provider.
    assert!(
        SsoTokenProvider::new(&s.ctx("legacy"), "legacy", s.http.clone())
            .unwrap_err()
            .is_not_configured()
    );
}

#[tokio::test]
async fn configuration_errors() {
    let config = format!(
        "{SESSION_CONFIG}\n[profile half]\nsso_account_id = 1\n[profile ghost]\nsso_session = nope\n\
         sso_account_id = 1\nsso_role_name = R\n[profile token-only]\nsso_session = my-sso\n"
    );
    let s = Setup::new(&config);
    let err = |p: &str| SsoProvider::new(&s.ctx(p), p, s.http.clone()).unwrap_err();
    let e = err("half");
    assert_eq!(e.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        e.to_string()
            .contains("missing required configuration: sso_role_name, sso_start_url, sso_region"),
        "{e}"
    );
    assert!(
        err("ghost")
            .to_string()
            .contains("sso-session does not exist: \"nope\"")
    );
    let e = err("token-only");
    assert!(e.is_not_configured());
    assert!(
        e.to_string()
            .contains("selected profile will resolve an access token instead of credentials")
    );
}

/// An endpoint that answers with whatever the test says.
#[derive(Debug)]
struct Canned(u16, Vec<u8>, &'static str);

impl HttpClient for Canned {
    fn send(
        &self,
        _r: HttpRequest,
        _t: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        let resp = http::Response::builder()
            .status(self.0)
            .header("content-type", self.2)
            .body(self.1.clone())
            .unwrap();
        Box::pin(async move { Ok(resp) })
    }
}

#[tokio::test]
async fn hostile_portal_answers_are_clear_errors_without_secrets() {
    let s = Setup::new(SESSION_CONFIG);
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "bearer-secret", "expiresAt": in_minutes(&s.env, 60)}),
    );
    let cases: Vec<(Canned, &str)> = vec![
        (Canned(200, b"<html>bearer-secret</html>".to_vec(), "text/html"), "not valid JSON"),
        (Canned(200, b"[1,2]".to_vec(), "application/json"), "not a JSON object"),
        (Canned(200, br#"{"roleCredentials": {"accessKeyId": "A"}}"#.to_vec(), "application/json"), "secretAccessKey"),
        (Canned(200, br#"{"other": 1}"#.to_vec(), "application/json"), "roleCredentials"),
        (Canned(500, vec![b'x'; 100_000], "text/plain"), "HTTP 500"),
        (Canned(200, br#"{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T", "expiration": 1e300}}"#.to_vec(), "application/json"), "out of range"),
    ];
    for (client, expect) in cases {
        let err = SsoProvider::new(&s.ctx("dev"), "dev", Arc::new(client))
            .unwrap()
            .with_retry(fast_retry())
            .provide_credentials()
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expect), "{expect}: {text}");
        assert!(text.contains(s.fake.url()), "names the endpoint: {text}");
        assert!(!text.contains("bearer-secret"), "{text}");
        assert!(text.len() < 1000, "{text}");
    }
}

#[tokio::test]
async fn unreachable_portal_is_a_network_error_naming_it() {
    let s = Setup::new(SESSION_CONFIG);
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "t", "expiresAt": in_minutes(&s.env, 60)}),
    );
    let port = awscred_testkit::free_port();
    let env = awscred_core::Env::from_vars([
        (
            awscred_testkit::HOME_VAR,
            s.home.path().to_str().unwrap().to_owned(),
        ),
        ("AWS_ENDPOINT_URL_SSO", format!("http://127.0.0.1:{port}")),
    ]);
    let mut ctx = s.ctx("dev");
    ctx.env = env;
    let err = SsoProvider::new(&ctx, "dev", s.http.clone())
        .unwrap()
        .with_retry(fast_retry())
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn credentials_debug_never_shows_secrets() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("good-token");
    write_token(
        &s,
        SESSION_KEY,
        json!({"accessToken": "good-token", "expiresAt": in_minutes(&s.env, 60)}),
    );
    let provider = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    let shown = format!("{creds:?} {provider:?}");
    assert!(
        !shown.contains(creds.secret_access_key().expose()),
        "{shown}"
    );
    assert!(
        !shown.contains(creds.session_token().unwrap().expose()),
        "{shown}"
    );
    assert!(!shown.contains("good-token"), "{shown}");
    assert!(
        creds
            .origins()
            .iter()
            .any(|o| o.what == "sso_start_url" && o.from.ends_with("config:8")),
        "{:?}",
        creds.origins()
    );
}
