//! botocore (the engine of the AWS CLI) and this tier against the same fake IMDS: the same
//! requests in the same order, and the same outcome, except where the difference is deliberate
//! (a 200 answer that is garbage is an error here, "no credentials" in botocore; a listing of
//! several roles uses the first here, while botocore puts the whole listing in the path).

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

use std::process::Command;
use std::sync::Arc;

use awscred_core::fs::MemFs;
use awscred_core::http::HyperClient;
use awscred_core::{Env, ProvideCredentials};
use awscred_imds::ImdsProvider;
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_testkit::imds_fake::{FakeImds, ROLE_PATH, Reply, TOKEN_PATH};

const BOTOCORE: &str = r#"
import json, sys
from botocore.utils import InstanceMetadataFetcher
config = {"ec2_metadata_v1_disabled": sys.argv[2] == "true"}
try:
    creds = InstanceMetadataFetcher(timeout=1, num_attempts=1, base_url=sys.argv[1], env={}, config=config).retrieve_iam_role_credentials()
    print("creds:" + creds["access_key"] if creds else "none")
except Exception as e:
    print("error")
"#;

fn requests(fake: &FakeImds) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            let token = r.header("x-aws-ec2-metadata-token").is_some();
            format!(
                "{} {}{}",
                r.method,
                r.target,
                if token { " +token" } else { "" }
            )
        })
        .collect()
}

fn botocore(fake: &FakeImds, v1_disabled: bool) -> String {
    let out = Command::new(awscred_testkit::python())
        .args([
            "-c",
            BOTOCORE,
            &fake.endpoint(),
            if v1_disabled { "true" } else { "false" },
        ])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn ours(fake: &FakeImds, v1_disabled: bool) -> String {
    let mut vars = vec![(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
        fake.endpoint(),
    )];
    if v1_disabled {
        vars.push(("AWS_EC2_METADATA_V1_DISABLED".into(), "true".into()));
    }
    let env = Env::from_vars(vars).with_fs(Arc::new(MemFs::default()));
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::parse(None, None)),
        "default".into(),
    );
    let provider = ImdsProvider::new(&ctx, Arc::new(HyperClient::new(&env)));
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

/// Sets up two identical fakes, runs botocore on one and this tier on the other.
fn compare(
    setup: impl Fn(&FakeImds),
    v1_disabled: bool,
) -> ((String, Vec<String>), (String, Vec<String>)) {
    let theirs = FakeImds::start();
    setup(&theirs);
    let mine = FakeImds::start();
    setup(&mine);
    let b = botocore(&theirs, v1_disabled);
    let o = ours(&mine, v1_disabled);
    ((b, requests(&theirs)), (o, requests(&mine)))
}

#[test]
fn same_requests_and_outcomes_as_botocore() {
    type Setup = Box<dyn Fn(&FakeImds)>;
    let scenarios: Vec<(&str, Setup, bool)> = vec![
        ("normal", Box::new(|_| {}), false),
        (
            "token 403",
            Box::new(|f| f.on("PUT", TOKEN_PATH, Reply::status(403, ""))),
            false,
        ),
        (
            "token 404",
            Box::new(|f| f.on("PUT", TOKEN_PATH, Reply::status(404, ""))),
            false,
        ),
        (
            "token 405",
            Box::new(|f| f.on("PUT", TOKEN_PATH, Reply::status(405, ""))),
            false,
        ),
        (
            "token 500",
            Box::new(|f| f.on("PUT", TOKEN_PATH, Reply::status(500, ""))),
            false,
        ),
        ("no role", Box::new(|f| f.set_listing(None)), false),
        (
            "role listing 500",
            Box::new(|f| f.on("GET", ROLE_PATH, Reply::status(500, ""))),
            false,
        ),
        (
            "IMDSv2 required, token 404",
            Box::new(|f| {
                f.require_token(true);
                f.on("PUT", TOKEN_PATH, Reply::status(404, ""));
            }),
            false,
        ),
        (
            "v1 disabled, token 403",
            Box::new(|f| f.on("PUT", TOKEN_PATH, Reply::status(403, ""))),
            true,
        ),
        ("v1 disabled, normal", Box::new(|_| {}), true),
    ];
    let mut differences = Vec::new();
    for (name, setup, v1_disabled) in &scenarios {
        let (theirs, mine) = compare(setup, *v1_disabled);
        if theirs != mine {
            differences.push(format!("{name}: botocore {theirs:?}, awscred {mine:?}"));
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
}

#[test]
fn garbage_documents_are_errors_here_and_no_credentials_in_botocore() {
    let setup = |f: &FakeImds| f.set_document("test-role", "{\"AccessKeyId\": \"ASIA\", ");
    let ((theirs, their_requests), (mine, my_requests)) = compare(setup, false);
    assert_eq!(theirs, "none");
    assert_eq!(mine, "error");
    assert_eq!(their_requests, my_requests);
}

#[test]
fn several_roles_are_no_credentials_as_in_botocore() {
    // An instance profile holds one role, so IMDS lists one; botocore sends the whole listing
    // as the role name and gets nothing. awscred finds the listing is no role name and does
    // not send the request that cannot succeed (the one difference).
    let setup = |f: &FakeImds| f.set_listing(Some("test-role\nother-role"));
    let ((theirs, their_requests), (mine, my_requests)) = compare(setup, false);
    assert_eq!(theirs, "none");
    assert_eq!(mine, "error");
    assert_eq!(their_requests[..my_requests.len()], my_requests[..]);
    assert!(
        !my_requests.iter().any(|r| r.contains("test-role")),
        "{my_requests:?}"
    );
}
