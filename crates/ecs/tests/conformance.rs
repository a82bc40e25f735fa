//! The cross-SDK container suite (`aws-config/ecs-tests.json`): environment -> the credentials
//! URI, or an error.

use std::sync::Arc;

use awscred_core::Env;
use awscred_core::http::HyperClient;
use awscred_ecs::ContainerProvider;
use serde_json::Value;

#[test]
fn ecs_suite() {
    let path = awscred_testkit::conformance_dir().join("smithy-rs/aws-config/ecs-tests.json");
    let suite: Value = serde_json::from_slice(&std::fs::read(&path).expect("suite")).expect("json");
    let cases = suite["tests"].as_array().expect("tests");
    assert_eq!(cases.len(), 11);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut failures = Vec::new();
    for case in cases {
        let docs = case["docs"].as_str().unwrap_or("?");
        let vars: Vec<(String, String)> = case["env"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let env = Env::from_vars(vars);
        let provider = ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)));
        let got = rt.block_on(provider.endpoint()).map(|u| u.to_string());
        let ok = match (
            &case["result"]["Ok"],
            &case["result"]["ErrorContains"],
            &got,
        ) {
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
