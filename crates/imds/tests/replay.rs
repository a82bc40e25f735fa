//! The IMDS exchanges recorded in the cross-SDK chain suite, replayed against this tier alone:
//! the same requests in the same order, with the token header where recorded. The chain replays
//! the whole cases; this pins the tier's wire behaviour and where it deliberately follows the CLI
//! rather than the recording.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::{Env, ErrorKind, ProvideCredentials, timestamp};
use awscred_imds::ImdsProvider;
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_testkit::replay::ReplayClient;

fn case_dir(name: &str) -> PathBuf {
    awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-config/default-credential-provider-chain")
        .join(name)
}

/// Runs the tier on a recording, with the clock at the recording's time (so the credentials'
/// expiry is hours ahead, as it was, and static stability leaves it alone).
fn replay(
    name: &str,
    vars: &[(&str, &str)],
) -> (
    Result<awscred_core::Credentials, awscred_core::Error>,
    Arc<ReplayClient>,
) {
    let client = Arc::new(
        ReplayClient::from_file(&case_dir(name).join("http-traffic.json")).expect("recording"),
    );
    let clock = Arc::new(ManualClock::new(
        timestamp::parse("2021-09-20T21:43:31Z").expect("time"),
    ));
    let env = Env::from_vars(vars.iter().copied())
        .with_fs(Arc::new(MemFs::default()))
        .with_clock(clock);
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::parse(None, None)),
        "default".into(),
    );
    let provider = ImdsProvider::new(&ctx, client.clone());
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(provider.provide_credentials());
    (result, client)
}

fn assert_followed_recording(client: &ReplayClient) {
    assert!(client.mismatches().is_empty(), "{:?}", client.mismatches());
    assert_eq!(client.remaining(), 0);
    for (seen, recorded) in client.seen().iter().zip(client.exchanges()) {
        for header in [
            "x-aws-ec2-metadata-token",
            "x-aws-ec2-metadata-token-ttl-seconds",
        ] {
            assert_eq!(
                seen.headers.get(header).map(String::as_str),
                recorded
                    .headers
                    .get(header)
                    .and_then(|v| v.first())
                    .map(String::as_str),
                "{header} on {}",
                seen.uri
            );
        }
    }
}

#[test]
fn success_recordings() {
    for (name, expiry) in [
        ("imds_default_chain_success", 1632197813),
        ("imds_config_with_no_creds", 1632197813),
    ] {
        let (result, client) = replay(name, &[]);
        let creds = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(creds.access_key_id(), "ASIARTEST");
        assert_eq!(creds.secret_access_key().expose(), "testsecret");
        assert_eq!(creds.session_token().expect("token").expose(), "testtoken");
        assert_eq!(
            timestamp::to_unix(creds.expiration().expect("expiry")),
            expiry
        );
        assert_followed_recording(&client);
    }
}

#[test]
fn no_role_recordings_are_not_configured() {
    for name in ["imds_no_iam_role", "imds_default_chain_error"] {
        let (result, client) = replay(name, &[]);
        let e = result.expect_err(name);
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{name}: {e}");
        assert_followed_recording(&client);
    }
}

#[test]
fn retries_recording_needs_the_attempts_the_cli_does_not_make_by_default() {
    // The recording answers 503 once to each request. The CLI makes one attempt by default (and
    // then falls back to IMDSv1); with three attempts, as the recording's SDK, it replays.
    let (result, client) = replay(
        "imds_default_chain_retries",
        &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")],
    );
    let creds = result.expect("credentials");
    assert_eq!(
        timestamp::to_unix(creds.expiration().expect("expiry")),
        1632270906
    );
    assert_followed_recording(&client);

    let (result, client) = replay("imds_default_chain_retries", &[]);
    assert_eq!(
        result.expect_err("one attempt").kind(),
        ErrorKind::NotConfigured
    );
    assert_eq!(
        client.mismatches(),
        [
            "expected PUT http://169.254.169.254/latest/api/token, got GET http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        ]
    );
}

#[test]
fn token_refused_recording_falls_back_to_imdsv1_as_the_cli() {
    // The recording's SDK stops at the 403; the CLI (and this tier) asks again without a token,
    // a request the recording does not have.
    let (result, client) = replay("imds_token_fail", &[]);
    let e = result.expect_err("nothing recorded after the 403");
    assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
    assert!(e.to_string().contains("HTTP 403"), "{e}");
    assert_eq!(
        client.mismatches(),
        [
            "unexpected request GET http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        ]
    );
    // With IMDSv1 disabled the recording is followed exactly, and the error says why.
    let (result, client) = replay(
        "imds_token_fail",
        &[("AWS_EC2_METADATA_V1_DISABLED", "true")],
    );
    let e = result.expect_err("403");
    assert!(e.to_string().contains("IMDSv1 has been disabled"), "{e}");
    assert_followed_recording(&client);
}

#[test]
fn expired_on_arrival_is_extended_from_the_clock() {
    // The same recording read a day later: the credentials arrive expired, and are extended
    // from "now" by 12 to 20 minutes, as botocore does.
    let client = Arc::new(
        ReplayClient::from_file(&case_dir("imds_default_chain_success").join("http-traffic.json"))
            .expect("recording"),
    );
    let now = timestamp::parse("2021-09-22T00:00:00Z").expect("time");
    let env = Env::from_vars([(awscred_testkit::HOME_VAR, "/nowhere")])
        .with_fs(Arc::new(MemFs::default()))
        .with_clock(Arc::new(ManualClock::new(now)));
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::parse(None, None)),
        "default".into(),
    );
    let creds = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(ImdsProvider::new(&ctx, client).provide_credentials())
        .expect("credentials");
    let ahead = creds
        .expiration()
        .expect("expiry")
        .duration_since(now)
        .unwrap_or(Duration::ZERO);
    assert!((720..=1200).contains(&ahead.as_secs()), "{ahead:?}");
}
