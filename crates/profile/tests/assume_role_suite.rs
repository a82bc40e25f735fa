//! The cross-SDK assume-role suite (`smithy-rs/aws-config/assume-role-tests.json`, 28 cases) run
//! against `plan::resolve_chain`.
//!
//! Every profile of a case is written to the config file as `[profile NAME]`, which is where
//! botocore was run on them to get the CLI's answers below. Where the suite expects an error, the
//! CLI's own message is checked (the suite's wording is smithy-rs's). Where the CLI's outcome
//! differs from the suite's, the case is listed in `CLI_DIFFERS` with the reason, and the test
//! fails if that list goes stale.

use std::path::Path;

use awscred_core::ErrorKind;
use awscred_profile::ProfileSet;
use awscred_profile::plan::{BaseCredentials, CredentialSource, ProfileChain, resolve_chain};
use serde_json::Value;

/// Cases whose expected error the CLI gives with this message (botocore 1.44.8).
const CLI_ERRORS: &[(&str, &str)] = &[
    (
        "role_arn without source source_profile",
        "Partial credentials found in assume-role, missing: source_profile or credential_source",
    ),
    (
        "source profile and credential source both present",
        "The profile \"A\" contains both source_profile and credential_source.",
    ),
    (
        "partial credentials error (missing secret)",
        "Partial credentials found in config-file, missing: aws_secret_access_key",
    ),
    (
        // botocore only looks for a secret once it has found an access key: a profile with only
        // a secret has no credentials.
        "partial credentials error (missing access key)",
        "The source profile \"B\" must have credentials.",
    ),
    (
        "missing credentials error (empty source profile)",
        "The source profile \"B\" must have credentials.",
    ),
    (
        "missing source profile",
        "The source_profile \"B\" referenced in the profile \"A\" does not exist.",
    ),
    (
        "missing root profile (should never happen in practice)",
        "The config profile (A) could not be found",
    ),
    (
        "assume role profile infinite loop",
        "Infinite loop in credential configuration detected. Attempting to load from profile A which \
         has already been visited. Visited profiles: ['A', 'B']",
    ),
    (
        "infinite loop with static credentials",
        "Infinite loop in credential configuration detected. Attempting to load from profile A which \
         has already been visited. Visited profiles: ['A', 'B']",
    ),
    (
        "web identity role",
        "configured to assume role with web identity but has no role ARN configured",
    ),
    (
        "invalid SSO credentials configuration: missing account ID",
        "The profile \"A\" is configured to use SSO but is missing required configuration: sso_account_id",
    ),
    (
        "invalid SSO credentials configuration: missing role name",
        "The profile \"A\" is configured to use SSO but is missing required configuration: sso_role_name",
    ),
];

/// Cases where the CLI's outcome differs from the suite's: the CLI finds no credentials in the
/// profile (the chain goes on to the container and IMDS tiers) where the suite expects an error or
/// an SSO token chain.
const CLI_DIFFERS: &[(&str, &str)] = &[
    (
        "profile only contains configuration",
        "botocore's profile providers all return None: not an error, the chain moves on",
    ),
    (
        "invalid SSO token configuration: sso_region must be in sso-session",
        "botocore's SSO credential provider only applies with sso_role_name or sso_account_id; \
         without them the profile has no credentials and sso_region is never checked",
    ),
    (
        "SSO token profile selected",
        "an sso_session without sso_account_id/sso_role_name yields a token, not credentials: \
         botocore's SSO credential provider does not apply",
    ),
    (
        "invalid SSO token configuration: sso-session not found",
        "botocore's SSO credential provider does not apply without sso_role_name or sso_account_id, \
         so the missing sso-session is never looked up",
    ),
];

fn config_text(input: &Value) -> String {
    let mut text = String::new();
    let sections = [("profile", "profiles"), ("sso-session", "sso_sessions")];
    for (header, field) in sections {
        let Some(map) = input[field].as_object() else {
            continue;
        };
        for (name, props) in map {
            text.push_str(&format!("[{header} {name}]\n"));
            for (key, value) in props.as_object().expect("properties") {
                text.push_str(&format!(
                    "{key} = {}\n",
                    value.as_str().expect("string value")
                ));
            }
        }
    }
    text
}

fn check_chain(set: &ProfileSet, chain: &ProfileChain, expected: &[Value], docs: &str) {
    let (first, roles) = expected.split_first().expect("a chain has a base");
    assert_eq!(chain.roles.len(), roles.len(), "{docs}: {chain:?}");
    match (&chain.base, first) {
        (BaseCredentials::AccessKey { profile, .. }, v) if v.get("AccessKey").is_some() => {
            let section = set.profile(profile).expect("key profile exists");
            let want = &v["AccessKey"];
            assert_eq!(
                section.get("aws_access_key_id"),
                want["access_key_id"].as_str(),
                "{docs}"
            );
            assert_eq!(
                section.get("aws_secret_access_key"),
                want["secret_access_key"].as_str(),
                "{docs}"
            );
            assert_eq!(
                section.get("aws_account_id"),
                want["account_id"].as_str(),
                "{docs}"
            );
        }
        (BaseCredentials::CredentialSource { source, .. }, v) if v.get("NamedSource").is_some() => {
            assert_eq!(Some(source.as_str()), v["NamedSource"].as_str(), "{docs}");
            assert_eq!(CredentialSource::parse(source.as_str()), Some(*source));
        }
        (
            BaseCredentials::WebIdentity {
                role_arn,
                token_file,
                session_name,
                ..
            },
            v,
        ) if v.get("WebIdentityToken").is_some() => {
            let want = &v["WebIdentityToken"];
            assert_eq!(Some(role_arn.as_str()), want["role_arn"].as_str(), "{docs}");
            assert_eq!(
                Some(token_file.as_str()),
                want["web_identity_token_file"].as_str(),
                "{docs}"
            );
            assert_eq!(
                session_name.as_deref(),
                want["role_session_name"].as_str(),
                "{docs}"
            );
        }
        (BaseCredentials::Sso { profile, .. }, v) if v.get("Sso").is_some() => {
            let section = set.profile(profile).expect("sso profile exists");
            for (key, value) in v["Sso"].as_object().expect("sso fields") {
                assert_eq!(section.get(key), value.as_str(), "{docs}: {key}");
            }
        }
        (got, want) => panic!("{docs}: base {got:?}, suite expects {want}"),
    }
    for (step, want) in chain.roles.iter().zip(roles) {
        let want = &want["AssumeRole"];
        assert_eq!(
            Some(step.role_arn.as_str()),
            want["role_arn"].as_str(),
            "{docs}"
        );
        assert_eq!(
            step.external_id.as_deref(),
            want["external_id"].as_str(),
            "{docs}"
        );
        assert_eq!(
            step.session_name.as_deref(),
            want["role_session_name"].as_str(),
            "{docs}"
        );
    }
}

#[test]
fn assume_role_suite() {
    let path =
        awscred_testkit::conformance_dir().join("smithy-rs/aws-config/assume-role-tests.json");
    let cases: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&path).expect("suite")).expect("json");
    assert_eq!(cases.len(), 28);
    let (mut matched, mut differs) = (0, Vec::new());
    for case in &cases {
        let docs = case["docs"].as_str().expect("docs");
        let input = &case["input"];
        let text = config_text(input);
        let set = ProfileSet::parse(Some((Path::new("/suite/config"), &text)), None);
        let result = resolve_chain(&set, input["selected_profile"].as_str().expect("selected"));
        let output = &case["output"];

        if let Some((_, reason)) = CLI_DIFFERS.iter().find(|(d, _)| *d == docs) {
            let err = result.expect_err(docs);
            assert_eq!(
                err.kind(),
                ErrorKind::NotConfigured,
                "{docs} ({reason}): {err}"
            );
            differs.push(docs);
            continue;
        }
        if output.get("Error").is_some() {
            let err = match result {
                Ok(chain) => panic!("{docs}: expected an error, got {chain:?}"),
                Err(err) => err,
            };
            let (_, message) = CLI_ERRORS
                .iter()
                .find(|(d, _)| *d == docs)
                .unwrap_or_else(|| panic!("{docs}: no CLI message recorded"));
            assert!(
                err.message().contains(message),
                "{docs}: got {err}, CLI says {message}"
            );
            assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{docs}");
        } else {
            let chain = result.unwrap_or_else(|e| panic!("{docs}: {e}"));
            let expected = output["ProfileChain"].as_array().expect("chain");
            check_chain(&set, &chain, expected, docs);
        }
        matched += 1;
    }
    assert_eq!(
        differs.len(),
        CLI_DIFFERS.len(),
        "a listed difference is no longer in the suite"
    );
    assert_eq!(matched + differs.len(), 28);
    for (docs, _) in CLI_ERRORS {
        assert!(
            cases.iter().any(|c| c["docs"] == *docs),
            "stale CLI_ERRORS entry {docs}"
        );
    }
}
