//! The portal and SSO-OIDC calls retried as the CLI's standard mode does (transport failures,
//! 5xx, throttling; three attempts), against the loopback fake with queued failures and
//! millisecond backoff.

mod common;

use std::time::Duration;

use awscred_core::retry::RetryConfig;
use awscred_core::{ErrorKind, ProvideCredentials};
use awscred_sso::{SsoLoginOptions, SsoProvider, SsoTokenProvider, login};
use common::*;
use serde_json::json;

const PORTAL: &str = "/federation/credentials";

/// A session profile with a valid token the fake accepts.
fn portal_setup() -> Setup {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_access_token("good-token");
    let path = s.token_file("my-sso");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let token = json!({"accessToken": "good-token", "expiresAt": in_minutes(&s.env, 120)});
    std::fs::write(path, token.to_string()).unwrap();
    s
}

fn provider(s: &Setup) -> SsoProvider {
    SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .with_retry(fast_retry())
}

#[tokio::test]
async fn two_503s_then_an_answer_succeed_after_three_requests() {
    let s = portal_setup();
    s.fake
        .fail_next(PORTAL, &[(503, ""), (503, "ServiceUnavailableException")]);
    let creds = provider(&s).provide_credentials().await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIAFAKE"));
    assert_eq!(s.fake.requests_to(PORTAL).len(), 3);
}

#[tokio::test]
async fn three_503s_are_the_error_after_exactly_three_requests() {
    let s = portal_setup();
    // A fourth answer would succeed: the provider must not ask for it.
    s.fake.fail_next(PORTAL, &[(503, ""), (503, ""), (503, "")]);
    let err = provider(&s).provide_credentials().await.unwrap_err();
    assert_eq!(s.fake.requests_to(PORTAL).len(), 3);
    let text = err.to_string();
    assert!(text.contains("GetRoleCredentials"), "{text}");
    assert!(text.contains(s.fake.url()), "names the endpoint: {text}");
    assert!(text.contains("HTTP 503"), "{text}");
    assert!(!text.contains("good-token"), "{text}");
    // The next resolution is a new call, and the portal answers again.
    assert!(provider(&s).provide_credentials().await.is_ok());
    assert_eq!(s.fake.requests_to(PORTAL).len(), 4);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for (status, code) in [
        (400, "UnauthorizedException"),
        (401, "UnauthorizedException"),
        (400, "InvalidRequestException"),
        (403, "ForbiddenException"),
        (404, "ResourceNotFoundException"),
    ] {
        let s = portal_setup();
        s.fake.fail_next(PORTAL, &[(status, code)]);
        let err = provider(&s).provide_credentials().await.unwrap_err();
        assert_eq!(
            s.fake.requests_to(PORTAL).len(),
            1,
            "{status} {code}: {err}"
        );
    }
    // The fake's own refusal of an unknown token: 401 UnauthorizedException, the login hint.
    let s = portal_setup();
    let bad = s.token_file("my-sso");
    let token = json!({"accessToken": "revoked", "expiresAt": in_minutes(&s.env, 120)});
    std::fs::write(bad, token.to_string()).unwrap();
    let err = provider(&s).provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("awscred sso login"), "{err}");
    assert_eq!(s.fake.requests_to(PORTAL).len(), 1);
}

#[tokio::test]
async fn throttling_is_retried() {
    for failure in [
        (429, "TooManyRequestsException"),
        (429, ""),
        (400, "ThrottlingException"),
        (400, "RequestTimeoutException"),
    ] {
        let s = portal_setup();
        s.fake.fail_next(PORTAL, &[failure]);
        let creds = provider(&s).provide_credentials().await.unwrap();
        assert!(creds.access_key_id().starts_with("ASIAFAKE"));
        assert_eq!(s.fake.requests_to(PORTAL).len(), 2, "{failure:?}");
    }
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let s = portal_setup();
    s.fake.fail_next(PORTAL, &[(0, "")]);
    assert!(provider(&s).provide_credentials().await.is_ok());
    assert_eq!(s.fake.requests_to(PORTAL).len(), 2);
    // Dropped every time: a network error naming the operation, after three attempts.
    s.fake.fail_next(PORTAL, &[(0, ""), (0, ""), (0, "")]);
    std::fs::remove_dir_all(s.path(".aws/cli/cache")).unwrap();
    let err = provider(&s).provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.to_string().contains("GetRoleCredentials"), "{err}");
    assert_eq!(s.fake.requests_to(PORTAL).len(), 5);
}

#[tokio::test]
async fn the_policy_is_the_callers() {
    let s = portal_setup();
    s.fake.fail_next(PORTAL, &[(503, ""), (503, "")]);
    let once = fast_retry().with_max_attempts(1);
    let err = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .with_retry(once)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    assert_eq!(s.fake.requests_to(PORTAL).len(), 1);
}

fn refreshable_setup(minutes_left: i64) -> (Setup, std::path::PathBuf) {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.accept_refresh_token("old-refresh", "cid", "csecret");
    let path = s.token_file("my-sso");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let token = json!({
        "startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
        "accessToken": "old-token", "expiresAt": in_minutes(&s.env, minutes_left),
        "refreshToken": "old-refresh", "clientId": "cid", "clientSecret": "csecret",
        "registrationExpiresAt": "2199-03-06T19:53:17UTC",
    });
    std::fs::write(&path, token.to_string()).unwrap();
    (s, path)
}

#[tokio::test]
async fn the_token_refresh_is_retried() {
    let (s, path) = refreshable_setup(-5);
    s.fake
        .fail_next("/token", &[(500, "InternalServerException"), (503, "")]);
    let token = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .with_retry(fast_retry())
        .token()
        .await
        .unwrap();
    assert!(token.token.expose().starts_with("access-token-"));
    assert_eq!(s.fake.requests_to("/token").len(), 3);
    assert_eq!(
        s.read_json(&path)["accessToken"].as_str(),
        Some(token.token.expose())
    );
}

#[tokio::test]
async fn a_refresh_failing_three_times_keeps_a_still_valid_token() {
    let (s, path) = refreshable_setup(5);
    let before = std::fs::read(&path).unwrap();
    s.fake
        .fail_next("/token", &[(503, ""), (503, ""), (503, "")]);
    let token = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .with_retry(fast_retry())
        .token()
        .await
        .unwrap();
    assert_eq!(token.token.expose(), "old-token");
    assert_eq!(s.fake.requests_to("/token").len(), 3);
    assert_eq!(std::fs::read(&path).unwrap(), before, "untouched");
    assert!(
        !s.path(".aws/sso/cache")
            .join(format!("{}.json.lock", sha1("my-sso")))
            .exists(),
        "the lock is released after a failed refresh"
    );
}

#[tokio::test]
async fn provider_passes_its_policy_to_the_token_refresh() {
    let (s, _) = refreshable_setup(-5);
    s.fake.fail_next("/token", &[(503, ""), (503, "")]);
    // The refreshed token is a new one: the fake accepts it at the portal.
    let creds = provider(&s).provide_credentials().await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIAFAKE"));
    assert_eq!(s.fake.requests_to("/token").len(), 3);
}

fn login_options(retry: RetryConfig) -> SsoLoginOptions {
    SsoLoginOptions::default()
        .with_profile(Some("legacy".into()))
        .with_no_browser(true)
        .with_poll_unit(Duration::from_millis(2))
        .with_callback_timeout(Duration::from_secs(20))
        .with_retry(retry)
}

#[tokio::test]
async fn login_calls_are_retried_and_polling_answers_are_not_failures() {
    let s = Setup::new(SESSION_CONFIG);
    s.fake.set_interval(1);
    s.fake.fail_next("/client/register", &[(503, "")]);
    s.fake.fail_next(
        "/device_authorization",
        &[(429, "TooManyRequestsException")],
    );
    s.fake.fail_next("/token", &[(502, "")]);
    s.fake.script_device_polls(&[
        "authorization_pending",
        "slow_down",
        "authorization_pending",
    ]);
    let mut out = SharedOut::default();
    login(
        &s.ctx("legacy"),
        s.http.clone(),
        &login_options(fast_retry()),
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(s.fake.requests_to("/client/register").len(), 2);
    assert_eq!(s.fake.requests_to("/device_authorization").len(), 2);
    // One 502 retried, three polling answers, the token.
    assert_eq!(s.fake.requests_to("/token").len(), 5);
    assert!(out.text().contains("Successfully logged into Start URL"));
}

#[tokio::test]
async fn polling_answers_do_not_use_up_attempts() {
    // One attempt per call, and more polling answers than attempts: the flow still completes,
    // since waiting for the user is the login loop's business, not a retry.
    let s = Setup::new(SESSION_CONFIG);
    s.fake.set_interval(1);
    s.fake.script_device_polls(&["authorization_pending"; 5]);
    let once = fast_retry().with_max_attempts(1);
    let mut out = SharedOut::default();
    login(
        &s.ctx("legacy"),
        s.http.clone(),
        &login_options(once),
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(s.fake.requests_to("/token").len(), 6);
    // And a 503 with one attempt allowed ends the login, naming the call and the endpoint.
    s.fake.fail_next("/device_authorization", &[(503, "")]);
    let err = login(
        &s.ctx("legacy"),
        s.http.clone(),
        &login_options(once),
        &mut out,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("StartDeviceAuthorization"), "{text}");
    assert!(text.contains(s.fake.url()), "{text}");
}
