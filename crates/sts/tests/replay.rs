//! The recorded assume-role cases of the cross-SDK suite
//! (`smithy-rs/aws-config/profile-provider/`), replayed through the plan, the endpoint resolution
//! and the providers of this crate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ProvideCredentials, timestamp};
use awscred_profile::plan::{BaseCredentials, resolve_for_context};
use awscred_profile::{ProfileContext, ProfileSet, selected_profile_name};
use awscred_sts::{AssumeRoleProvider, MfaPrompt, RetryConfig, StsClient, StsEndpoint};
use awscred_testkit::replay::ReplayClient;
use serde_json::Value;

/// The keys of a profile, as the profile tier would give them.
#[derive(Debug)]
struct ProfileKeys(Credentials);

impl ProvideCredentials for ProfileKeys {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
}

fn add_files(fs: &MemFs, root: &Path, dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("fs dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            add_files(fs, root, &path);
        } else {
            let virtual_path = Path::new("/").join(path.strip_prefix(root).expect("below root"));
            fs.insert(virtual_path, std::fs::read(&path).expect("file"));
        }
    }
}

async fn run_case(name: &str) {
    let dir = awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-config/profile-provider")
        .join(name);
    let vars: serde_json::Map<String, Value> =
        serde_json::from_slice(&std::fs::read(dir.join("env.json")).unwrap()).unwrap();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("test-case.json")).unwrap()).unwrap();
    let expected = &expected["result"]["Ok"];
    let expiry = expected["expiry"].as_i64().unwrap();

    let fs = MemFs::default();
    add_files(&fs, &dir.join("fs"), &dir.join("fs"));
    // An hour before the recorded credentials expire, so they are fresh.
    let clock = Arc::new(ManualClock::new(
        timestamp::from_unix(expiry - 3600, 0).unwrap(),
    ));
    let env = Env::from_vars(awscred_testkit::suite_vars(
        vars.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())),
    ))
    .with_fs(Arc::new(fs))
    .with_clock(clock);
    let profiles = Arc::new(ProfileSet::load(&env).unwrap());
    let ctx = ProfileContext::new(env.clone(), profiles, selected_profile_name(None, &env));
    let plan = resolve_for_context(&ctx).unwrap();
    let BaseCredentials::AccessKey { profile, .. } = &plan.base else {
        panic!("{name}: unexpected base {:?}", plan.base)
    };
    let keys = ctx.profiles.profile(profile).unwrap();
    let mut provider: Arc<dyn ProvideCredentials> = Arc::new(ProfileKeys(Credentials::new(
        keys.get("aws_access_key_id").unwrap(),
        keys.get("aws_secret_access_key").unwrap(),
        None,
        None,
        "profile",
    )));
    let replay = Arc::new(ReplayClient::from_file(&dir.join("http-traffic.json")).unwrap());
    let endpoint = StsEndpoint::resolve(&ctx).unwrap();
    let client = StsClient::new(replay.clone(), endpoint)
        .with_retry(RetryConfig::default().with_base_delay(Duration::from_millis(10)));
    for step in &plan.roles {
        provider = Arc::new(
            AssumeRoleProvider::new(provider, step.clone(), client.clone(), &env)
                .with_mfa_prompt(MfaPrompt::Disabled),
        );
    }
    let creds = provider
        .provide_credentials()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(replay.mismatches(), Vec::<String>::new(), "{name}");
    assert_eq!(replay.remaining(), 0, "{name}");
    assert_eq!(
        creds.access_key_id(),
        expected["access_key_id"].as_str().unwrap()
    );
    assert_eq!(
        creds.secret_access_key().expose(),
        expected["secret_access_key"].as_str().unwrap()
    );
    assert_eq!(
        creds.session_token().unwrap().expose(),
        expected["session_token"].as_str().unwrap()
    );
    assert_eq!(creds.account_id(), expected["account_id"].as_str());
    assert_eq!(timestamp::to_unix(creds.expiration().unwrap()), expiry);
    for seen in replay.seen() {
        assert_eq!(
            seen.headers.get("content-type").map(String::as_str),
            Some("application/x-www-form-urlencoded; charset=utf-8")
        );
        assert!(seen.headers["authorization"].starts_with("AWS4-HMAC-SHA256 Credential=AKIAFAKE/"));
        let body = String::from_utf8(seen.body).unwrap();
        assert!(body.starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789%3Arole%2Fintegration-test&RoleSessionName=botocore-session-"), "{body}");
    }
    // The result was cached where the CLI keeps it.
    let cache_dir = PathBuf::from("/home/.aws/cli/cache");
    assert_eq!(env.fs().list(&cache_dir).unwrap().len(), 1, "{name}");
    // Secrets never show in Debug.
    let debug = format!("{creds:?} {provider:?}");
    assert!(
        !debug.contains("TESTSECRETKEY") && !debug.contains("TESTSESSIONTOKEN"),
        "{debug}"
    );
}

#[tokio::test]
async fn e2e_assume_role() {
    run_case("e2e_assume_role").await;
}

#[tokio::test]
async fn region_override() {
    run_case("region_override").await;
}

#[tokio::test]
async fn retry_on_error() {
    run_case("retry_on_error").await;
}

#[tokio::test]
async fn e2e_fips_and_dual_stack_sts() {
    run_case("e2e_fips_and_dual_stack_sts").await;
}

#[tokio::test]
async fn assume_role_override_global_env_url() {
    run_case("assume_role_override_global_env_url").await;
}

#[tokio::test]
async fn assume_role_override_global_profile_url() {
    run_case("assume_role_override_global_profile_url").await;
}

#[tokio::test]
async fn assume_role_override_service_env_url() {
    run_case("assume_role_override_service_env_url").await;
}

#[tokio::test]
async fn assume_role_override_service_profile_url() {
    run_case("assume_role_override_service_profile_url").await;
}
