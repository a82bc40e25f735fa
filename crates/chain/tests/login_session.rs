//! A `login_session` profile (written by `aws login`) through the whole chain: the cached
//! credentials answer, an expiring session is refreshed through the sign-in service (the loopback
//! fake), and when neither works (missing token, a refused refresh, an unusable key), the chain
//! stops with that error instead of falling through to the container or instance-metadata tiers.

#![cfg(feature = "login")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use awscred_chain::{Chain, TierStatus};
use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::{Env, ErrorKind, Secret, timestamp};
use awscred_login::login_token_path;
use awscred_testkit::signin_fake::SigninFake;

const HOME: &str = "/home/u";
const NOW: &str = "2026-11-28T09:00:00Z";
/// The cross-SDK suite's key (login-provider-test-cases.json).
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";
/// A piece of the key's body: must never show.
const KEY_PIECE: &str = "u8InPLpQeQLJ";

fn token_json(expires_at: &str) -> String {
    serde_json::json!({
        "accessToken": {
            "accessKeyId": "ASIALOGINCHAIN",
            "secretAccessKey": "SECRETloginCHAIN",
            "sessionToken": "SESSIONloginCHAIN",
            "accountId": "123456789012",
            "expiresAt": expires_at,
        },
        "tokenType": "aws_sigv4",
        "refreshToken": "REFRESHloginCHAIN",
        "idToken": "IDloginCHAIN",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "signInRegion": "eu-west-1",
        "dpopKey": KEY,
    })
    .to_string()
}

/// A home with `[default] login_session = console` (plus a `credential_process` that must not
/// run: login comes first), and the token file when `expires_at` is given.
fn env(expires_at: Option<&str>, extra: &[(&str, String)]) -> Env {
    env_with(expires_at, extra).0
}

/// The same, and the in-memory file system (to read what a refresh wrote).
fn env_with(expires_at: Option<&str>, extra: &[(&str, String)]) -> (Env, Arc<MemFs>) {
    let mut vars: Vec<(String, String)> = vec![
        (awscred_testkit::HOME_VAR.into(), HOME.into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let fs = Arc::new(MemFs::default().with_file(
        Path::new(HOME).join(".aws/config"),
        "[default]\nregion = eu-west-1\nlogin_session = console\n\
         credential_process = /nonexistent/never-run\n",
    ));
    let base = Env::from_vars(vars.clone());
    if let Some(expires_at) = expires_at {
        let path: PathBuf = login_token_path(&base, "console").expect("home is set");
        fs.insert(path, token_json(expires_at));
    }
    let env = Env::from_vars(vars)
        .with_fs(fs.clone())
        .with_clock(Arc::new(ManualClock::new(
            timestamp::parse(NOW).expect("a timestamp"),
        )));
    (env, fs)
}

/// The sign-in fake on the test's fixed clock, accepting the token file's refresh token.
fn signin() -> SigninFake {
    let fake = SigninFake::start();
    let now = timestamp::parse(NOW).expect("a timestamp");
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    fake.set_now(secs.as_secs() as i64);
    fake.accept_refresh_token("REFRESHloginCHAIN", "arn:aws:signin:::devtools/same-device");
    fake
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn cached_login_credentials_answer() {
    let chain = Chain::builder()
        .env(env(Some("2026-11-28T10:00:00Z"), &[]))
        .build();
    let rt = runtime();
    let creds = rt.block_on(chain.resolve()).expect("credentials");
    assert_eq!(creds.access_key_id(), "ASIALOGINCHAIN");
    assert_eq!(creds.secret_access_key().expose(), "SECRETloginCHAIN");
    assert_eq!(
        creds.session_token().map(Secret::expose),
        Some("SESSIONloginCHAIN")
    );
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provider(), "login");
    assert_eq!(creds.expiration(), timestamp::parse("2026-11-28T10:00:00Z"));

    let explanation = rt.block_on(chain.explain());
    let login = explanation
        .tiers
        .iter()
        .find(|t| t.tier == "login")
        .expect("a login tier line");
    assert!(
        matches!(login.status, TierStatus::Resolved),
        "{explanation}"
    );
    let text = explanation.to_string();
    for secret in [
        "SECRETloginCHAIN",
        "SESSIONloginCHAIN",
        "REFRESHloginCHAIN",
        "IDloginCHAIN",
        KEY_PIECE,
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

fn assert_stops_at_login(env: Env, want: &str) {
    let chain = Chain::builder().env(env).build();
    let rt = runtime();
    let err = rt.block_on(chain.resolve()).expect_err("no credentials");
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{text}");
    assert!(text.contains(want), "{text}");
    // Neither the process (which would fail to start), nor the container or IMDS tiers.
    assert!(!text.contains("never-run"), "{text}");
    assert!(!text.to_lowercase().contains("unable to locate"), "{text}");
    // Every tier is listed; the login tier failed, and the chain reached none after it.
    let explanation = rt.block_on(chain.explain());
    let login = explanation
        .tiers
        .iter()
        .position(|t| t.tier == "login")
        .expect("the login tier is listed");
    assert!(
        matches!(explanation.tiers[login].status, TierStatus::Failed(_)),
        "{explanation}"
    );
    assert!(
        explanation.tiers[login + 1..]
            .iter()
            .all(|t| matches!(t.status, TierStatus::NotReached)),
        "{explanation}"
    );
}

#[test]
fn an_expiring_session_is_refreshed_and_written_back() {
    let fake = signin();
    let vars = [("AWS_ENDPOINT_URL_SIGNIN", fake.url())];
    let (env, fs) = env_with(Some("2026-11-28T09:03:00Z"), &vars);
    let path = login_token_path(&env, "console").expect("home is set");
    let chain = Chain::builder().env(env).build();
    let rt = runtime();
    let creds = rt.block_on(chain.resolve()).expect("refreshed credentials");
    assert_eq!(creds.access_key_id(), "ASIASIGNIN1");
    assert_eq!(creds.secret_access_key().expose(), "signinSecret1");
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provider(), "login");
    // The fake's 900 s from the fixed clock.
    assert_eq!(creds.expiration(), timestamp::parse("2026-11-28T09:15:00Z"));
    assert_eq!(fake.issued(), 1);
    let written: serde_json::Value =
        serde_json::from_slice(&fs.snapshot()[&path]).expect("the file is JSON");
    assert_eq!(written["refreshToken"], "signin-refresh-1");
    assert_eq!(written["accessToken"]["expiresAt"], "2026-11-28T09:15:00Z");
    assert_eq!(written["signInRegion"], "eu-west-1");
    assert_eq!(written["dpopKey"], KEY);
}

#[test]
fn a_refused_refresh_is_the_clis_error_not_a_fall_through() {
    let fake = signin();
    fake.deny_with("TOKEN_EXPIRED");
    let vars = [("AWS_ENDPOINT_URL_SIGNIN", fake.url())];
    assert_stops_at_login(
        env(Some("2026-11-28T09:03:00Z"), &vars),
        "Your session has expired or credentials have changed. Please reauthenticate using \
         'aws login'.",
    );
}

#[test]
fn an_unusable_key_in_the_mandatory_window_is_the_clis_error() {
    // 7 minutes left: the CLI loads the key first; this one is not base64 of a key.
    let (env, fs) = env_with(Some("2026-11-28T09:07:00Z"), &[]);
    let path = login_token_path(&env, "console").expect("home is set");
    let text = String::from_utf8(fs.snapshot()[&path].clone()).expect("UTF-8");
    fs.insert(path, text.replace(KEY_PIECE, "!!!!"));
    assert_stops_at_login(
        env,
        "Error loading login session token: Unable to load private key from cached token.",
    );
}

#[test]
fn a_missing_token_is_the_clis_error_not_a_fall_through() {
    assert_stops_at_login(
        env(None, &[]),
        "Unable to load a existing login session for session console. Please reauthenticate \
         with 'aws login'.",
    );
}

#[cfg(feature = "ecs")]
#[test]
fn a_container_endpoint_does_not_answer_for_an_expiring_login_session() {
    let fake = awscred_testkit::ecs_fake::FakeContainerEndpoint::start();
    let signin = signin();
    signin.deny_with("USER_CREDENTIALS_CHANGED");
    let vars = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.full_uri()),
        ("AWS_ENDPOINT_URL_SIGNIN", signin.url()),
    ];
    assert_stops_at_login(
        env(Some("2026-11-28T08:00:00Z"), &vars),
        "Please reauthenticate using 'aws login'.",
    );
    assert!(
        fake.requests().is_empty(),
        "the container endpoint was called"
    );
    // The same endpoint does answer once the profile has no login_session: the check above
    // is not vacuous.
    let env = Env::from_vars([
        (awscred_testkit::HOME_VAR, HOME.to_owned()),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.full_uri()),
    ])
    .with_fs(Arc::new(MemFs::default()));
    let creds = runtime()
        .block_on(Chain::builder().env(env).build().resolve())
        .expect("container credentials");
    assert_eq!(creds.access_key_id(), "ASIAFAKE");
}
