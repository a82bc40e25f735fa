//! The cross-SDK profile-parser and file-location suites (`shared/conformance/smithy-rs/
//! aws-runtime/`). Every case runs. Where the AWS CLI resolves a file differently from the
//! suite, the CLI wins and the case is listed in `DEVIATIONS` with the answer we give (see
//! docs/conformance.md); the test fails if a listed case stops deviating or an unlisted one
//! starts. Where the CLI refuses a file the suite accepts, we give the suite's answer with a
//! warning (`CLI_REFUSES`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use awscred_core::Env;
use awscred_profile::{FileLocations, Platform, ProfileSet, Section, selected_profile_name};
use serde_json::{Value, json};

fn suite(name: &str) -> Vec<Value> {
    let path = awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-runtime")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("suite file");
    let mut doc: Value = serde_json::from_str(&text).expect("suite JSON");
    match doc["tests"].take() {
        Value::Array(tests) => tests,
        other => panic!("no tests in {}: {other}", path.display()),
    }
}

/// Cases the AWS CLI answers differently from the suite, with our (the CLI's) answer.
fn deviations() -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        (
            "Profile names support alphanumeric characters and - / . % @ _ : +",
            json!({"profiles": {"some-thing:long/the_one%only.foo@bar+": {}, "foo!bar": {}}}),
        ),
        (
            "Property definitions must contain an equals sign.",
            json!({"profiles": {"foo": {"key": "value"}}}),
        ),
        (
            "Pound sign comments are ignored.",
            json!({"profiles": {"foo": {"name": "value # Comment with # sign"}}}),
        ),
        (
            "Semicolon sign comments are ignored.",
            json!({"profiles": {"foo": {"name": "value ; Comment with ; sign"}}}),
        ),
        (
            "All comment types can be used together.",
            json!({"profiles": {"foo": {"name": "value # Comment with ; sign"}}}),
        ),
        (
            "Comments can be empty.",
            json!({"profiles": {"foo": {"name": "value ;"}}}),
        ),
        (
            "Default profile with profile prefix overrides default profile without prefix when profile prefix is first.",
            json!({"profiles": {"default": {"name2": "value2"}}}),
        ),
        (
            "Invalid profile names are ignored.",
            json!({"profiles": {"in valid 2": {"name2": "value2"}}}),
        ),
        (
            "Invalid property names are ignored.",
            json!({"profiles": {"foo": {"in valid": "value"}}}),
        ),
        (
            "Sub-property definitions cannot have an empty name.",
            json!({"profiles": {"foo": {"s3": "\n= value"}}}),
        ),
        (
            "Credentials profiles with prefix are ignored.",
            json!({"profiles": {"profile foo": {"name": "value"}}}),
        ),
        (
            "profile name with extra whitespace",
            json!({"profiles": {"bar": {}}}),
        ),
        (
            "profile name with extra whitespace in credentials",
            json!({"profiles": {"   foo    ": {"name": "value"}, "profile bar": {}}}),
        ),
    ])
}

/// Cases the AWS CLI refuses (duplicate sections or keys) where we give the suite's answer and
/// warn.
const CLI_REFUSES: &[&str] = &[
    "Duplicate profiles in the same file merge properties.",
    "Duplicate properties in a profile use the last one defined.",
    "Duplicate properties in duplicate profiles use the last one defined.",
    "Duplicate properties in duplicate profiles use the last one defined (case insensitive).",
    "Default profiles with mixed prefixes in the config file ignore the one without prefix when merging.",
    "Default profiles with mixed prefixes merge with credentials",
];

fn section_json(section: &Section) -> Value {
    Value::Object(
        section
            .properties()
            .map(|(k, p)| (k.to_owned(), Value::String(p.value().to_owned())))
            .collect(),
    )
}

/// Our answer in the suite's shape; `sso_sessions` only when the suite's answer has it.
fn answer(set: &ProfileSet, with_sso: bool) -> Value {
    let profiles: serde_json::Map<String, Value> = set
        .profile_names()
        .into_iter()
        .map(|n| (n.to_owned(), section_json(set.profile(n).unwrap())))
        .collect();
    let mut out = json!({ "profiles": profiles });
    if with_sso {
        let sessions: serde_json::Map<String, Value> = set
            .sso_session_names()
            .into_iter()
            .map(|n| (n.to_owned(), section_json(set.sso_session(n).unwrap())))
            .collect();
        out["sso_sessions"] = Value::Object(sessions);
    }
    out
}

#[test]
fn profile_parser_suite() {
    let tests = suite("profile-parser-tests.json");
    assert_eq!(tests.len(), 65, "the suite has 65 cases");
    let deviations = deviations();
    let config_path = Path::new("/suite/.aws/config");
    let credentials_path = Path::new("/suite/.aws/credentials");
    let (mut passed, mut deviated, mut refused) = (0, 0, 0);
    let mut failures = Vec::new();
    for test in &tests {
        let name = test["name"].as_str().unwrap();
        let config = test["input"]["configFile"].as_str();
        let credentials = test["input"]["credentialsFile"].as_str();
        let result = ProfileSet::try_parse(
            config.map(|c| (config_path, c)),
            credentials.map(|c| (credentials_path, c)),
        );
        let output = &test["output"];
        let warned_refusal = result
            .as_ref()
            .map(|set| {
                set.warnings()
                    .iter()
                    .any(|w| w.message.contains("the AWS CLI refuses this file"))
            })
            .unwrap_or(false);
        if warned_refusal != CLI_REFUSES.contains(&name) {
            failures.push(format!(
                "{name}: CLI-refusal warning {warned_refusal}, expected the opposite"
            ));
        }
        let ours = match &result {
            Ok(set) => answer(set, output["config"].get("sso_sessions").is_some()),
            Err(e) => json!({ "error": e.to_string() }),
        };
        let suite_answer = match output.get("errorContaining") {
            Some(_) => None,
            None => Some(output["config"].clone()),
        };
        if let Some(expected) = deviations.get(name) {
            deviated += 1;
            if &ours != expected {
                failures.push(format!("{name}: listed deviation {expected}, got {ours}"));
            }
            if Some(&ours) == suite_answer.as_ref() {
                failures.push(format!(
                    "{name}: listed as a deviation but now matches the suite"
                ));
            }
            continue;
        }
        match (output.get("errorContaining"), &result) {
            (Some(fragment), Err(e)) => {
                let fragment = fragment.as_str().unwrap();
                let message = e.to_string();
                if !message.contains(fragment) || !message.contains("/suite/.aws/") {
                    failures.push(format!(
                        "{name}: error `{message}` should contain `{fragment}` and the file"
                    ));
                }
            }
            (Some(fragment), Ok(_)) => failures.push(format!(
                "{name}: expected an error containing {fragment}, got {ours}"
            )),
            (None, _) => {
                if Some(&ours) != suite_answer.as_ref() {
                    failures.push(format!(
                        "{name}: expected {}, got {ours}",
                        suite_answer.unwrap()
                    ));
                }
            }
        }
        if CLI_REFUSES.contains(&name) {
            refused += 1;
        }
        passed += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        deviated,
        deviations.len(),
        "every listed deviation names a suite case"
    );
    assert_eq!(
        refused,
        CLI_REFUSES.len(),
        "every CLI-refused case names a suite case"
    );
    eprintln!(
        "profile-parser suite: {passed} as the suite says ({refused} of them CLI-refused), {deviated} as the CLI says"
    );
}

/// Where the AWS CLI finds the files differently from the suite: on Windows, Python 3.8+
/// (which the CLI v2 ships) ignores `HOME` and takes `USERPROFILE`, then `HOMEDRIVE` +
/// `HOMEPATH`. With none of those set there is no home directory, so no default file.
type Paths = (Option<&'static str>, Option<&'static str>);

fn location_deviations() -> BTreeMap<&'static str, Paths> {
    BTreeMap::from([
        (
            "User home is loaded from $HOME with highest priority on windows platforms.",
            (
                Some("ignored\\.aws\\config"),
                Some("ignored\\.aws\\credentials"),
            ),
        ),
        (
            // The suite names two cases alike; this is the one overriding AWS_CONFIG_FILE.
            "The default credentials location can be overridden by the user on windows platforms.#config",
            (Some("C:\\other\\path\\config"), None),
        ),
        (
            "The default credentials location can be overridden by the user on windows platforms.#credentials",
            (None, Some("C:\\other\\path\\credentials")),
        ),
    ])
}

#[test]
fn file_location_suite() {
    let tests = suite("file-location-tests.json");
    assert_eq!(tests.len(), 9, "the suite has 9 cases");
    let deviations = location_deviations();
    let mut deviated = 0;
    for test in &tests {
        let name = test["name"].as_str().unwrap();
        let vars: Vec<(String, String)> = test["environment"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let env = Env::from_vars(vars);
        let platform = match test["platform"].as_str().unwrap() {
            "windows" => Platform::Windows,
            "linux" | "macos" => Platform::Unix,
            other => panic!("{name}: unknown platform {other}"),
        };
        let locations = FileLocations::for_platform(&env, platform);
        let overridden = if test["environment"].get("AWS_CONFIG_FILE").is_some() {
            "#config"
        } else {
            "#credentials"
        };
        let suite_answer = (
            test["configLocation"].as_str(),
            test["credentialsLocation"].as_str(),
        );
        let expected = match deviations
            .get(name)
            .or_else(|| deviations.get(format!("{name}{overridden}").as_str()))
        {
            Some(ours) => {
                deviated += 1;
                assert_ne!(
                    suite_answer,
                    (ours.0, ours.1),
                    "{name}: listed as a deviation but the suite agrees"
                );
                (ours.0, ours.1)
            }
            None => suite_answer,
        };
        assert_eq!(
            locations.config,
            expected.0.map(PathBuf::from),
            "{name}: config"
        );
        assert_eq!(
            locations.credentials,
            expected.1.map(PathBuf::from),
            "{name}: credentials"
        );
        if let Some(profile) = test["profile"].as_str() {
            assert_eq!(
                selected_profile_name(None, &env),
                profile,
                "{name}: profile"
            );
        }
    }
    assert_eq!(deviated, deviations.len());
}
