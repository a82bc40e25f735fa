//! A `login_session` profile (written by `aws login`) through the whole chain: the cached
//! credentials answer, and when they cannot (missing token, a refresh the CLI would make through
//! the sign-in service), the chain stops with that error instead of falling through to the
//! container or instance-metadata tiers.

#![cfg(feature = "sso")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use awscred_chain::{Chain, TierStatus};
use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::{Env, ErrorKind, Secret, timestamp};
use awscred_sso::login_token_path;

const HOME: &str = "/home/u";
const NOW: &str = "2026-11-28T09:00:00Z";

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
        "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIDPOPloginCHAIN\n-----END EC PRIVATE KEY-----\n",
    })
    .to_string()
}

/// A home with `[default] login_session = console` (plus a `credential_process` that must not
/// run: login comes first), and the token file when `expires_at` is given.
fn env(expires_at: Option<&str>, extra: &[(&str, String)]) -> Env {
    let mut vars: Vec<(String, String)> = vec![
        ("HOME".into(), HOME.into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let fs = MemFs::default().with_file(
        Path::new(HOME).join(".aws/config"),
        "[default]\nregion = eu-west-1\nlogin_session = console\n\
         credential_process = /nonexistent/never-run\n",
    );
    let base = Env::from_vars(vars.clone());
    if let Some(expires_at) = expires_at {
        let path: PathBuf = login_token_path(&base, "console").expect("home is set");
        fs.insert(path, token_json(expires_at));
    }
    Env::from_vars(vars)
        .with_fs(Arc::new(fs))
        .with_clock(Arc::new(ManualClock::new(
            timestamp::parse(NOW).expect("a timestamp"),
        )))
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
        "DPOPloginCHAIN",
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
    let explanation = rt.block_on(chain.explain());
    let names: Vec<&str> = explanation.tiers.iter().map(|t| t.tier).collect();
    assert_eq!(names.last(), Some(&"login"), "{explanation}");
    assert!(
        matches!(
            explanation.tiers.last().map(|t| &t.status),
            Some(TierStatus::Failed(_))
        ),
        "{explanation}"
    );
}

#[test]
fn a_refresh_the_cli_would_make_is_a_clear_error_not_a_fall_through() {
    assert_stops_at_login(
        env(Some("2026-11-28T09:03:00Z"), &[]),
        "the `aws login` session 'console' of profile default needs a refresh",
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
    let vars = [("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.full_uri())];
    assert_stops_at_login(env(Some("2026-11-28T08:00:00Z"), &vars), "needs a refresh");
    assert!(
        fake.requests().is_empty(),
        "the container endpoint was called"
    );
    // The same endpoint does answer once the profile has no login_session: the check above
    // is not vacuous.
    let env = Env::from_vars([
        ("HOME", HOME.to_owned()),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.full_uri()),
    ])
    .with_fs(Arc::new(MemFs::default()));
    let creds = runtime()
        .block_on(Chain::builder().env(env).build().resolve())
        .expect("container credentials");
    assert_eq!(creds.access_key_id(), "ASIAFAKE");
}
