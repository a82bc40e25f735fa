//! botocore's `ContainerProvider` (the AWS CLI's) and this tier against the same fake agent: the
//! same requests (count, `Accept`, `Authorization`) and the same outcome.

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

use std::process::Command;
use std::sync::Arc;

use awscred_core::http::HyperClient;
use awscred_core::{Env, ProvideCredentials};
use awscred_ecs::ContainerProvider;
use awscred_testkit::ecs_fake::{FakeContainerEndpoint, Reply};

const BOTOCORE: &str = r#"
import sys
from botocore.credentials import ContainerProvider
env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": sys.argv[1]}
if sys.argv[2]:
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = sys.argv[2]
try:
    creds = ContainerProvider(environ=env).load()
    print("creds:" + creds.get_frozen_credentials().access_key if creds else "none")
except Exception as e:
    print("error")
"#;

fn requests(fake: &FakeContainerEndpoint) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            format!(
                "{} {} accept={} authorization={}",
                r.method,
                r.target,
                r.header("accept").unwrap_or("-"),
                r.header("authorization").unwrap_or("-")
            )
        })
        .collect()
}

fn botocore(fake: &FakeContainerEndpoint, token: &str) -> String {
    let out = Command::new(awscred_testkit::python())
        .args(["-c", BOTOCORE, &fake.full_uri(), token])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn ours(fake: &FakeContainerEndpoint, token: &str) -> String {
    let uri = fake.full_uri();
    let mut vars = vec![("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())];
    if !token.is_empty() {
        vars.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN", token));
    }
    let env = Env::from_vars(vars);
    let provider = ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)));
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(provider.provide_credentials());
    match result {
        Ok(c) => format!("creds:{}", c.access_key_id()),
        Err(e) if e.is_not_configured() => "none".into(),
        Err(_) => "error".into(),
    }
}

#[test]
fn same_requests_and_outcomes_as_botocore() {
    type Setup = Box<dyn Fn(&FakeContainerEndpoint)>;
    let scenarios: Vec<(&str, &str, Setup)> = vec![
        ("normal", "", Box::new(|_| {})),
        (
            "token",
            "Bearer t0k",
            Box::new(|f| f.expect_token(Some("Bearer t0k"))),
        ),
        (
            "wrong token",
            "other",
            Box::new(|f| f.expect_token(Some("Bearer t0k"))),
        ),
        (
            "500 then success",
            "",
            Box::new(|f| {
                f.script(vec![Reply::status(
                    500,
                    "{\"code\":\"x\",\"message\":\"y\"}",
                )])
            }),
        ),
        (
            "missing field",
            "",
            Box::new(|f| {
                f.set_document("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"2099-01-01T00:00:00Z\"}")
            }),
        ),
        (
            "not JSON once",
            "",
            Box::new(|f| f.script(vec![Reply::ok("<html>busy</html>")])),
        ),
    ];
    let mut differences = Vec::new();
    for (name, token, setup) in &scenarios {
        let theirs = FakeContainerEndpoint::start();
        setup(&theirs);
        let mine = FakeContainerEndpoint::start();
        setup(&mine);
        let b = (botocore(&theirs, token), requests(&theirs));
        let o = (ours(&mine, token), requests(&mine));
        if b != o {
            differences.push(format!("{name}: botocore {b:?}, awscred {o:?}"));
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
}
