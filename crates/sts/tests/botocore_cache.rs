//! The role cache is shared with the AWS CLI: an entry written here is used by botocore (set up
//! as the CLI sets it up, `JSONFileCache('~/.aws/cli/cache')`), and an entry botocore wrote is
//! used here, in both cases without any call to STS.

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, HyperClient, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ProvideCredentials};
use awscred_profile::ProfileSet;
use awscred_profile::plan::resolve_chain;
use awscred_sts::{AssumeRoleProvider, MfaPrompt, RetryConfig, StsClient, StsEndpoint};
use awscred_testkit::TempDir;
use awscred_testkit::moto::MotoServer;

#[derive(Debug)]
struct Counting {
    inner: HyperClient,
    count: AtomicUsize,
}

impl HttpClient for Counting {
    fn send(
        &self,
        request: HttpRequest,
        timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request, timeouts)
    }
}

#[derive(Debug)]
struct Fixed(Credentials);

impl ProvideCredentials for Fixed {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
}

const CONFIG: &str = "[profile plain]\nrole_arn = arn:aws:iam::123456789012:role/r1\nsource_profile = base\n\
[profile detailed]\nrole_arn = arn:aws:iam::123456789012:role/r2\nsource_profile = base\n\
role_session_name = shared-session\nexternal_id = ext-1\nduration_seconds = 1800\n\
[profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// Resolves `profile` with botocore as the CLI configures it, printing the access key id.
const BOTOCORE: &str = r#"
import os, sys, botocore.session
from botocore.credentials import JSONFileCache
session = botocore.session.Session(profile=sys.argv[1])
cache = JSONFileCache(os.path.expanduser(os.path.join('~', '.aws', 'cli', 'cache')))
resolver = session.get_component('credential_provider')
resolver.get_provider('assume-role').cache = cache
print(session.get_credentials().get_frozen_credentials().access_key)
"#;

fn botocore(home: &Path, profile: &str, sts_endpoint: &str) -> String {
    let output = Command::new(awscred_testkit::python())
        .args(["-c", BOTOCORE, profile])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/none"))
        .env("AWS_ENDPOINT_URL_STS", sts_endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "botocore: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

async fn ours(home: &Path, profile: &str, endpoint: String) -> (Credentials, usize) {
    let env = Env::from_vars([("HOME", home.to_str().unwrap())]);
    let set = ProfileSet::parse(Some((Path::new("/c/config"), CONFIG)), None);
    let plan = resolve_chain(&set, profile).unwrap();
    let http = Arc::new(Counting {
        inner: HyperClient::new(&Env::from_vars([("NO_PROXY", "*")])),
        count: AtomicUsize::new(0),
    });
    let client = StsClient::new(http.clone(), StsEndpoint::custom(endpoint, "us-east-1"))
        .with_retry(RetryConfig::default().with_max_attempts(1));
    let keys = Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "profile",
    );
    let mut provider: Arc<dyn ProvideCredentials> = Arc::new(Fixed(keys));
    for step in plan.roles {
        provider = Arc::new(
            AssumeRoleProvider::new(provider, step, client.clone(), &env)
                .with_mfa_prompt(MfaPrompt::Disabled),
        );
    }
    let creds = provider.provide_credentials().await.unwrap();
    (creds, http.count.load(Ordering::SeqCst))
}

#[tokio::test]
async fn cache_entries_are_shared_with_botocore_both_ways() {
    let moto = MotoServer::start();
    moto.run_python(
        "import boto3, json\n\
         trust = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': '*'}, 'Action': 'sts:AssumeRole'}]})\n\
         for n in ['r1', 'r2']:\n    boto3.client('iam').create_role(RoleName=n, AssumeRolePolicyDocument=trust)\n",
    );
    let home = TempDir::new("sts-botocore-cache");
    home.write(".aws/config", CONFIG);
    let nowhere = format!("http://127.0.0.1:{}", awscred_testkit::free_port());

    // Ours first: botocore then finds the entry (it could not reach STS if it tried).
    let (mine, requests) = ours(home.path(), "plain", moto.endpoint()).await;
    assert_eq!(requests, 1);
    assert_eq!(
        botocore(home.path(), "plain", &nowhere),
        mine.access_key_id()
    );

    // botocore first (session name, external id and duration in the key): ours finds it.
    let theirs = botocore(home.path(), "detailed", &moto.endpoint());
    assert!(theirs.starts_with("ASIA"), "{theirs}");
    let (mine, requests) = ours(home.path(), "detailed", nowhere).await;
    assert_eq!(requests, 0, "served from botocore's cache entry");
    assert_eq!(mine.access_key_id(), theirs);
    assert!(mine.session_token().is_some() && mine.expiration().is_some());
}
