//! The cross-SDK suites' SSO cases (smithy-rs `aws-config/test-data`), replayed: the case's
//! environment, its file system in memory, and its recorded HTTP traffic.
//!
//! Where awscred answers differently (the CLI's wording instead of smithy-rs'), the case is listed
//! in `DEVIATIONS` with the reason, and checked for what both agree on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::retry::RetryConfig;
use awscred_core::{Env, ProvideCredentials, timestamp};
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_sso::{SsoProvider, SsoTokenProvider};
use awscred_testkit::replay::ReplayClient;
use serde_json::Value;

/// Cases whose expected error text is smithy-rs' own wording. awscred gives the CLI's message
/// (which names the same file); the test checks that instead.
const DEVIATIONS: &[(&str, &str)] = &[(
    "default-credential-provider-chain/sso_no_token_file",
    "smithy-rs says `failed to read <file>: No such file or directory`; awscred says, as the CLI, \
     `Token for <start URL> does not exist` and names the file and `awscred sso login`",
)];

struct Case {
    name: String,
    ctx: ProfileContext,
    replay: Arc<ReplayClient>,
    expected: Value,
}

fn load(dir: &Path, name: &str) -> Case {
    let env_vars: Value =
        serde_json::from_slice(&std::fs::read(dir.join("env.json")).unwrap()).unwrap();
    let vars: Vec<(String, String)> = env_vars
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let fs = MemFs::default();
    let root = dir.join("fs");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&root).unwrap();
                fs.insert(PathBuf::from("/").join(rel), std::fs::read(&p).unwrap());
            }
        }
    }
    // Any fixed time before the recorded expirations (the earliest is 2009-02-13).
    let clock = Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_200_000_000),
    ));
    let env = Env::from_vars(awscred_testkit::suite_vars(vars))
        .with_fs(Arc::new(fs))
        .with_clock(clock);
    let profile = env
        .non_empty_var("AWS_PROFILE")
        .unwrap_or_else(|| "default".to_owned());
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(&env).unwrap()),
        profile,
    );
    let replay = Arc::new(ReplayClient::from_file(&dir.join("http-traffic.json")).unwrap());
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("test-case.json")).unwrap()).unwrap();
    Case {
        name: name.to_owned(),
        ctx,
        replay,
        expected: expected["result"].clone(),
    }
}

fn suite() -> PathBuf {
    awscred_testkit::conformance_dir().join("smithy-rs/aws-config")
}

fn check_traffic(case: &Case) {
    assert!(
        case.replay.mismatches().is_empty(),
        "{}: {:?}",
        case.name,
        case.replay.mismatches()
    );
    assert_eq!(
        case.replay.remaining(),
        0,
        "{}: recorded requests not made",
        case.name
    );
    for (seen, recorded) in case.replay.seen().iter().zip(case.replay.exchanges()) {
        if let Some(token) = recorded.headers.get("x-amz-sso_bearer_token") {
            assert_eq!(
                seen.headers.get("x-amz-sso_bearer_token"),
                token.first(),
                "{}",
                case.name
            );
        }
    }
}

/// Runs the case with the CLI's retry policy (millisecond waits); also returns how many
/// retries met the end of the recording (the replay answers them as the server last did).
async fn run_credentials(case: &Case) -> (Result<Value, String>, usize) {
    let result = resolve(case, case.replay.clone()).await;
    (result, case.replay.repeats())
}

async fn resolve(case: &Case, http: Arc<ReplayClient>) -> Result<Value, String> {
    let profile = case.ctx.profile_name.clone();
    let fast = RetryConfig {
        base_delay: Duration::from_millis(1),
        ..RetryConfig::default()
    };
    let provider = SsoProvider::new(&case.ctx, &profile, http)
        .map_err(|e| e.to_string())?
        .with_retry(fast);
    let creds = provider
        .provide_credentials()
        .await
        .map_err(|e| e.to_string())?;
    let exp = creds.expiration().map(timestamp::to_unix).unwrap();
    Ok(serde_json::json!({
        "access_key_id": creds.access_key_id(),
        "secret_access_key": creds.secret_access_key().expose(),
        "session_token": creds.session_token().unwrap().expose(),
        "account_id": creds.account_id(),
        "expiry": exp,
    }))
}

async fn credential_case(group: &str, name: &str) -> (bool, String) {
    let id = format!("{group}/{name}");
    let case = load(&suite().join(group).join(name), &id);
    let (got, repeats) = run_credentials(&case).await;
    // Only the recorded 503 is asked again, twice: three attempts in all, as the CLI makes.
    let expected_repeats = if name == "sso_server_error" { 2 } else { 0 };
    assert_eq!(
        repeats, expected_repeats,
        "{id}: retries of the last request"
    );
    let deviation = DEVIATIONS.iter().any(|(n, _)| *n == id);
    let passed = match (
        &case.expected.get("Ok"),
        &case.expected.get("ErrorContains"),
        &got,
    ) {
        (Some(want), _, Ok(have)) => *want == have,
        (_, Some(want), Err(have)) if deviation => {
            let file = want
                .as_str()
                .unwrap()
                .split('`')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            // The suite's path is a Unix one; on Windows the cache path joins with `\`.
            assert!(
                have.replace('\\', "/").contains(&file) && have.contains("awscred sso login"),
                "{id}: {have}"
            );
            assert!(have.contains("does not exist"), "{id}: {have}");
            true
        }
        (_, Some(want), Err(have)) => have.contains(want.as_str().unwrap()),
        _ => false,
    };
    check_traffic(&case);
    (
        passed,
        format!("{id}: expected {}, got {got:?}", case.expected),
    )
}

#[tokio::test]
async fn profile_provider_sso_cases() {
    let mut failures = Vec::new();
    for name in [
        "sso_credentials",
        "sso_override_global_env_url",
        "sso_token",
        "invalid_sso_credentials_config",
    ] {
        let (ok, report) = credential_case("profile-provider", name).await;
        if !ok {
            failures.push(report);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn default_chain_sso_cases() {
    let mut failures = Vec::new();
    for name in [
        "sso_assume_role",
        "e2e_fips_and_dual_stack_sso",
        "sso_no_token_file",
        "sso_server_error",
    ] {
        let (ok, report) = credential_case("default-credential-provider-chain", name).await;
        if !ok {
            failures.push(report);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn default_token_provider_chain_cases() {
    let dir = suite().join("default-token-provider-chain");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3);
    for name in names {
        let case = load(&dir.join(&name), &name);
        let profile = case.ctx.profile_name.clone();
        let token = SsoTokenProvider::new(&case.ctx, &profile, case.replay.clone())
            .unwrap()
            .token()
            .await
            .unwrap();
        let want = &case.expected["Ok"];
        assert_eq!(
            token.token.expose(),
            want["token"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            timestamp::format_z(token.expiration),
            want["expiration"].as_str().unwrap(),
            "{name}"
        );
        check_traffic(&case);
    }
}

#[test]
fn deviations_are_documented_in_the_readme() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (name, _) in DEVIATIONS {
        assert!(readme.contains(name), "README.md lists {name}");
    }
}
