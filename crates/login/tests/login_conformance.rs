//! The cross-SDK suite of `aws login` sessions (smithy-rs
//! `aws-config/test-data/login-provider-test-cases.json`), loaded from `../shared/conformance`
//! at test time: each case's config and token cache in a temporary home, the clock at
//! 2025-11-19T00:00:00Z and the region us-east-2 (as the suite's own runner sets them), and its
//! `mockApiCalls` served by a loopback server that checks each request's body against the case's
//! `tokenInput` and answers its `tokenOutput` (the HTTP body) or its `responseCode`. Every
//! outcome is checked: the credentials, the error, and the cache files after the run.
//!
//! Cases answered differently from the suite would be listed in `DEVIATIONS` (with botocore's
//! behaviour as the reason) and in docs/conformance.md; there are none.

// The SSO tests' set-up (a temporary home, profile contexts, the fast retry policy).
#[path = "../../sso/tests/common/mod.rs"]
mod common;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use awscred_core::clock::ManualClock;
use awscred_core::http::{HttpClient, HyperClient};
use awscred_core::{Credentials, Env, ProvideCredentials, Secret, timestamp};
use awscred_login::{LoginSessionProvider, login_cache_dir, login_token_path};
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_testkit::TempDir;
use awscred_testkit::fake_http::{FakeServer, Reply, SeenRequest};
use common::fast_retry;
use serde_json::Value;

/// (case documentation, why awscred answers differently, as botocore does). Empty: every case
/// is answered as the suite says.
const DEVIATIONS: &[(&str, &str)] = &[];

/// Beyond the suite, which only says "error": what botocore 1.44.8 says on the same files (run
/// with its clock fixed at [`NOW`] and the same loopback answers), which our message must
/// contain.
const BOTOCORE_ERRORS: &[(&str, &[&str])] = &[
    (
        "Failure - No cache file",
        &["Unable to load a existing login session for session \
           arn:aws:sts::012345678910:assumed-role/Admin/admin. Please reauthenticate with \
           'aws login'."],
    ),
    (
        "Failure - Missing accessToken",
        &["Failed to load access token from token cache, missing required fields: accessToken."],
    ),
    (
        "Failure - Missing refreshToken",
        &["Failed to load access token from token cache, missing required fields: refreshToken."],
    ),
    (
        "Failure - Missing clientId in cache",
        &["Failed to load access token from token cache, missing required fields: clientId."],
    ),
    (
        "Failure - Missing dpopKey",
        &["Failed to load access token from token cache, missing required fields: dpopKey."],
    ),
    // botocore: "An error occurred (400) when calling the CreateOAuth2Token operation: ".
    (
        "Failure - Expired token triggers failed refresh",
        &["CreateOAuth2Token", "HTTP 400"],
    ),
];

/// The suite's fixed time and region.
const NOW: &str = "2025-11-19T00:00:00Z";
const REGION: &str = "us-east-2";
const PROFILE: &str = "signin";

fn cases() -> Vec<Value> {
    let path = awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-config/login-provider-test-cases.json");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_slice(&text).expect("the suite is JSON") {
        Value::Array(cases) => cases,
        _ => panic!("the suite is a list of cases"),
    }
}

/// What the loopback sign-in service saw that the case did not expect.
#[derive(Default)]
struct Mock {
    calls: VecDeque<Value>,
    problems: Vec<String>,
}

fn answer(mock: &Mutex<Mock>, request: &SeenRequest) -> Reply {
    let mut mock = mock.lock().unwrap_or_else(|p| p.into_inner());
    let Some(call) = mock.calls.pop_front() else {
        mock.problems.push(format!(
            "an unexpected {} {}",
            request.method, request.target
        ));
        return Reply::status(500, "{}");
    };
    if request.method != "POST" || request.path() != "/v1/token" {
        mock.problems.push(format!(
            "{} {} is not CreateOAuth2Token",
            request.method, request.target
        ));
    }
    if request.header("dpop").is_none() {
        mock.problems.push("no DPoP header".into());
    }
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    if body != call["request"]["tokenInput"] {
        mock.problems.push(format!(
            "body {body} is not the case's tokenInput {}",
            call["request"]["tokenInput"]
        ));
    }
    if let Some(output) = call["response"].get("tokenOutput") {
        return Reply::ok(output.to_string()).with_header("content-type", "application/json");
    }
    let status = call["responseCode"].as_u64().expect("a response or a code");
    Reply::status(u16::try_from(status).unwrap(), "")
}

/// Runs one case; the differences from its outcomes (none when it passes).
async fn run(case: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    let home = TempDir::new("login-suite");
    home.write(".aws/config", case["configContents"].as_str().unwrap());
    let mock = Arc::new(Mutex::new(Mock {
        calls: case["mockApiCalls"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into(),
        problems: Vec::new(),
    }));
    let expected_calls = mock.lock().unwrap().calls.len();
    let handler_mock = mock.clone();
    let server = FakeServer::start(move |request| answer(&handler_mock, request));
    let env = Env::from_vars([
        (awscred_testkit::HOME_VAR, home.path().to_str().unwrap()),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL_SIGNIN", server.url().as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ])
    .with_clock(Arc::new(ManualClock::new(timestamp::parse(NOW).unwrap())));
    let cache = login_cache_dir(&env).unwrap();
    let cache_files: Vec<(&String, &Value)> =
        case["cacheContents"].as_object().unwrap().iter().collect();
    for (name, contents) in &cache_files {
        home.write(
            cache
                .strip_prefix(home.path())
                .unwrap()
                .join(name)
                .to_str()
                .unwrap(),
            contents.to_string(),
        );
    }
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(&env).expect("the case's config loads")),
        PROFILE.into(),
    )
    .chosen_explicitly(true);
    let session = ctx
        .profile_value("login_session")
        .expect("login_session")
        .to_owned();
    // The suite names the files by botocore's cache key: ours must be the same.
    let token_path = login_token_path(&env, &session).unwrap();
    for (name, _) in &cache_files {
        if token_path.file_name().unwrap().to_str() != Some(name.as_str()) {
            differences.push(format!("cache key {} is not {name}", token_path.display()));
        }
    }
    let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(&env));
    let provider = LoginSessionProvider::new(&ctx, PROFILE, &session)
        .with_http(http)
        .with_retry(fast_retry());
    let got = provider.provide_credentials().await;

    for outcome in case["outcomes"].as_array().unwrap() {
        match outcome["result"].as_str().unwrap() {
            "credentials" => match &got {
                Ok(creds) => differences.extend(credentials_differ(outcome, creds)),
                Err(e) => differences.push(format!("expected credentials, got the error {e}")),
            },
            "error" => match &got {
                Ok(creds) => differences.push(format!("expected an error, got {creds:?}")),
                Err(e) => {
                    let name = case["documentation"].as_str().unwrap();
                    let text = e.to_string();
                    let (_, words) = BOTOCORE_ERRORS
                        .iter()
                        .find(|(n, _)| *n == name)
                        .expect("botocore's message for every error case");
                    for word in words.iter().filter(|w| !text.contains(**w)) {
                        differences.push(format!("the error {text} does not say {word}"));
                    }
                }
            },
            "cacheContents" => {
                for (name, want) in outcome.as_object().unwrap() {
                    if name != "result" {
                        differences.extend(file_differs(&cache.join(name), want));
                    }
                }
            }
            other => differences.push(format!("unknown outcome {other}")),
        }
    }
    // Beyond the suite: a failed case leaves the cache as it was.
    if got.is_err() {
        for (name, want) in &cache_files {
            differences.extend(file_differs(&cache.join(name), want));
        }
    }
    let mock = mock.lock().unwrap();
    differences.extend(mock.problems.iter().cloned());
    if !mock.calls.is_empty() {
        differences.push(format!(
            "{} of {expected_calls} mocked calls were not made",
            mock.calls.len()
        ));
    }
    differences
}

fn credentials_differ(want: &Value, creds: &Credentials) -> Vec<String> {
    let have = [
        ("accessKeyId", Some(creds.access_key_id())),
        ("secretAccessKey", Some(creds.secret_access_key().expose())),
        ("sessionToken", creds.session_token().map(Secret::expose)),
        ("accountId", creds.account_id()),
    ];
    let mut differences: Vec<String> = have
        .into_iter()
        .filter(|(key, value)| want[*key].as_str() != *value)
        .map(|(key, value)| format!("{key}: expected {}, got {value:?}", want[key]))
        .collect();
    let expires = creds.expiration().map(timestamp::format_z);
    if want["expiresAt"].as_str() != expires.as_deref() {
        differences.push(format!(
            "expiresAt: expected {}, got {expires:?}",
            want["expiresAt"]
        ));
    }
    differences
}

fn file_differs(path: &Path, want: &Value) -> Option<String> {
    let have: Option<Value> = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    (have.as_ref() != Some(want))
        .then(|| format!("{}: expected {want}, got {have:?}", path.display()))
}

#[tokio::test]
async fn login_provider_cases() {
    let cases = cases();
    assert_eq!(cases.len(), 8, "the suite's case count");
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["documentation"].as_str().unwrap();
        let differences = run(case).await;
        let deviation = DEVIATIONS.iter().any(|(n, _)| *n == name);
        match (differences.is_empty(), deviation) {
            (true, false) => passed += 1,
            (false, true) => {}
            (true, true) => failures.push(format!("{name}: listed as a deviation but passes")),
            (false, false) => failures.push(format!("{name}: {differences:#?}")),
        }
    }
    println!(
        "login-provider-test-cases.json: {passed} of {} as the suite says",
        cases.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(passed + DEVIATIONS.len(), cases.len());
}

#[test]
fn the_result_is_in_docs_conformance() {
    let docs = awscred_testkit::workspace_root().join("docs/conformance.md");
    let text = std::fs::read_to_string(&docs).unwrap();
    let total = cases().len();
    let heading = format!(
        "## login-provider-test-cases.json ({total} cases): {} of {total} as the suite says",
        total - DEVIATIONS.len()
    );
    assert!(
        text.contains(&heading),
        "{} has `{heading}`",
        docs.display()
    );
    for (name, _) in DEVIATIONS {
        assert!(text.contains(name), "{} lists {name}", docs.display());
    }
}
