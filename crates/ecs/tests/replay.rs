//! The container exchanges recorded in the cross-SDK chain suite, replayed against this tier
//! alone: the same request (method, URI, `Accept`, `Authorization` from the token file).

use std::path::PathBuf;
use std::sync::Arc;

use awscred_core::fs::MemFs;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, timestamp};
use awscred_ecs::ContainerProvider;
use awscred_testkit::replay::ReplayClient;

fn case_dir(name: &str) -> PathBuf {
    awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-config/default-credential-provider-chain")
        .join(name)
}

/// The case's variables and its `fs/` folder (rooted at `/`) in memory.
fn env_of(name: &str) -> Env {
    let dir = case_dir(name);
    let vars: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("env.json")).expect("env.json"))
            .expect("json");
    let vars: Vec<(String, String)> = vars
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let fs = MemFs::default();
    let root = dir.join("fs");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).expect("under root");
                fs.insert(
                    PathBuf::from("/").join(rel),
                    std::fs::read(&path).expect("file"),
                );
            }
        }
    }
    Env::from_vars(vars).with_fs(Arc::new(fs))
}

fn replay(name: &str) -> (Result<Credentials, Error>, Arc<ReplayClient>) {
    let client = Arc::new(
        ReplayClient::from_file(&case_dir(name).join("http-traffic.json")).expect("recording"),
    );
    let provider = ContainerProvider::new(&env_of(name), client.clone());
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(provider.provide_credentials());
    (result, client)
}

#[test]
fn recorded_successes() {
    for (name, token) in [
        ("ecs_credentials", None),
        ("ecs_credentials_invalid_profile", None),
        ("eks_pod_identity_credentials", Some("sometoken")),
    ] {
        let (result, client) = replay(name);
        let creds = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(creds.access_key_id(), "ASIARCORRECT", "{name}");
        assert_eq!(creds.secret_access_key().expose(), "secretkeycorrect");
        assert_eq!(
            creds.session_token().expect("token").expose(),
            "tokencorrect"
        );
        assert_eq!(creds.account_id(), Some("012345678901"));
        assert_eq!(
            timestamp::to_unix(creds.expiration().expect("expiry")),
            1234567890
        );
        assert!(
            client.mismatches().is_empty(),
            "{name}: {:?}",
            client.mismatches()
        );
        assert_eq!(client.remaining(), 0);
        let seen = &client.seen()[0];
        assert_eq!(
            seen.headers.get("accept").map(String::as_str),
            Some("application/json")
        );
        assert_eq!(
            seen.headers.get("authorization").map(String::as_str),
            token,
            "{name}"
        );
    }
}

#[test]
fn recorded_missing_token_file() {
    let (result, client) = replay("eks_pod_identity_no_token_file");
    let e = result.expect_err("no token file");
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("/token.jwt"), "{e}");
    assert!(client.seen().is_empty());
}
