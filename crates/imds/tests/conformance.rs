//! The cross-SDK IMDS endpoint suite (`imds-config/imds-endpoint-tests.json`): environment,
//! config file and code overrides -> the token URI, or an error.

use std::sync::Arc;

use awscred_core::Env;
use awscred_core::fs::MemFs;
use awscred_imds::{EndpointMode, ImdsConfig, Overrides};
use awscred_profile::{ProfileContext, ProfileSet, selected_profile_name};
use serde_json::Value;

fn context(case: &Value) -> ProfileContext {
    let vars: Vec<(String, String)> = case["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let fs = MemFs::default();
    if let Some(files) = case["fs"].as_object() {
        for (path, body) in files {
            fs.insert(
                path.as_str(),
                body.as_str().unwrap_or_default().as_bytes().to_vec(),
            );
        }
    }
    let env = Env::from_vars(vars).with_fs(Arc::new(fs));
    ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(&env).expect("config parses")),
        selected_profile_name(None, &env),
    )
}

#[test]
fn imds_endpoint_suite() {
    let path = awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-config/imds-config/imds-endpoint-tests.json");
    let suite: Value = serde_json::from_slice(&std::fs::read(&path).expect("suite")).expect("json");
    let cases = suite["tests"].as_array().expect("tests");
    assert_eq!(cases.len(), 14);
    let mut failures = Vec::new();
    for case in cases {
        let docs = case["docs"].as_str().unwrap_or("?");
        let overrides = Overrides::default()
            .with_endpoint(case["endpoint_override"].as_str().map(str::to_owned))
            .with_mode(
                case["mode_override"]
                    .as_str()
                    .map(|m| EndpointMode::parse(m).expect("override mode")),
            );
        let got =
            ImdsConfig::from_context(&context(case), &overrides).map(|c| c.token_uri().to_string());
        let ok = match (&case["result"]["Ok"], &case["result"]["Err"], &got) {
            (Value::String(want), _, Ok(uri)) => want == uri,
            (_, Value::String(want), Err(e)) => e.to_string().contains(want.as_str()),
            _ => false,
        };
        if !ok {
            failures.push(format!("{docs}: expected {}, got {got:?}", case["result"]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
