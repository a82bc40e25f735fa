//! The files awscred writes are the ones the CLI reads: botocore (the CLI's engine) loads the
//! refreshed token and the cached role credentials by its own cache keys, with every service
//! call forbidden.

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

mod common;

use awscred_core::ProvideCredentials;
use awscred_sso::SsoProvider;
use common::*;
use serde_json::json;

const SCRIPT: &str = r#"
import json, os, sys
home, profile = sys.argv[1], sys.argv[2]
os.environ["HOME"] = home
for k in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(k, None)
from botocore.session import Session
from botocore.credentials import SSOProvider
from botocore.tokens import SSOTokenProvider
from botocore.utils import JSONFileCache

def no_client(*args, **kwargs):
    raise AssertionError("botocore tried to call a service")

session = Session(profile=profile)
session.create_client = no_client
token_provider = SSOTokenProvider(session, profile_name=profile)
token = token_provider.load_token().get_frozen_token()
provider = SSOProvider(
    load_config=lambda: session.full_config,
    client_creator=no_client,
    profile_name=profile,
    cache=JSONFileCache(os.path.join(home, ".aws", "cli", "cache")),
    token_cache=JSONFileCache(os.path.join(home, ".aws", "sso", "cache")),
    token_provider=token_provider,
)
creds = provider.load().get_frozen_credentials()
print(json.dumps({"token": token.token, "access_key": creds.access_key,
                  "secret_key": creds.secret_key, "session_token": creds.token}))
"#;

#[tokio::test]
async fn botocore_reads_what_awscred_writes() {
    let s = Setup::new(SESSION_CONFIG);
    // A token inside the refresh window: awscred refreshes it and writes it back.
    s.fake.accept_refresh_token("old-refresh", "cid", "csecret");
    let path = s.token_file("my-sso");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let old = json!({"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
        "accessToken": "old-token", "expiresAt": in_minutes(&s.env, 5), "refreshToken": "old-refresh",
        "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2199-03-06T19:53:17Z"});
    std::fs::write(&path, old.to_string()).unwrap();
    let creds = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    let new_token = s.read_json(&path)["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_token, "old-token");

    let output = std::process::Command::new(awscred_testkit::python())
        .arg("-c")
        .arg(SCRIPT)
        .arg(s.home.path())
        .arg("dev")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["token"], new_token.as_str());
    assert_eq!(seen["access_key"], creds.access_key_id());
    assert_eq!(seen["secret_key"], creds.secret_access_key().expose());
    assert_eq!(
        seen["session_token"],
        creds.session_token().unwrap().expose()
    );
}
