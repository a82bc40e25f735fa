//! Differential test against botocore, the engine inside the AWS CLI: every case below is
//! written to disk, loaded by botocore (`botocore_dump.py`, one Python process for all cases)
//! and by [`ProfileSet::try_parse`], and the two answers must agree. When botocore refuses a
//! file (the CLI then fails), we must either refuse it too (when the SDK grammar also rejects
//! it) or give the lenient, suite-style answer written beside the case.

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use awscred_core::Env;
use awscred_profile::{ProfileSet, ProfileSource, Section, selected_profile};
use awscred_testkit::TempDir;
use serde_json::{Map, Value, json};

struct Case {
    name: String,
    config: Option<String>,
    credentials: Option<String>,
    /// Our answer when botocore refuses the file and the SDK grammar accepts it.
    lenient: Option<Value>,
}

fn case(name: &str, config: Option<&str>, credentials: Option<&str>) -> Case {
    Case {
        name: name.to_owned(),
        config: config.map(str::to_owned),
        credentials: credentials.map(str::to_owned),
        lenient: None,
    }
}

fn refused(name: &str, config: Option<&str>, credentials: Option<&str>, lenient: Value) -> Case {
    Case {
        lenient: Some(lenient),
        ..case(name, config, credentials)
    }
}

fn profiles(profiles: Value) -> Value {
    json!({ "profiles": profiles, "sso_sessions": {}, "services": {} })
}

fn cases() -> Vec<Case> {
    let long_value = "x".repeat(20_000);
    let many: String = (0..200)
        .map(|i| format!("[profile p{i}]\nregion = r{i}\n\n"))
        .collect();
    let mut cases = vec![
        case(
            "basic",
            Some(
                "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\noutput = json\n",
            ),
            None,
        ),
        case(
            "comments",
            Some("# top\n; top\n[profile a]\n# inside\n  ; indented comment\nk = v\n"),
            None,
        ),
        case(
            "inline comment after value",
            Some("[profile a]\nk = v # not a comment for the CLI\nk2 = v ;x\n"),
            None,
        ),
        case(
            "inline comment after header",
            Some("[profile a] # note\nk = v\n[profile b];x\nk = w\n"),
            None,
        ),
        case(
            "continuation",
            Some("[profile a]\nk = first\n  second\n\tthird\n"),
            None,
        ),
        case(
            "continuation with blank line",
            Some("[profile a]\nk = first\n\n  second\nj = 1\n"),
            None,
        ),
        case(
            "continuation with comment inside",
            Some("[profile a]\nk = first\n# c\n  second\n"),
            None,
        ),
        case(
            "sub-properties",
            Some(
                "[profile a]\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\nregion = x\n",
            ),
            None,
        ),
        case(
            "sub-properties with blank and comment",
            Some("[profile a]\ns3 =\n  a = 1\n\n  ; c\n  b = 2\n"),
            None,
        ),
        case(
            "sub-property keys keep case",
            Some("[profile a]\ns3 =\n  Max_Concurrent = 10\n  SPACED KEY = y\n"),
            None,
        ),
        case(
            "sub-property with empty value and empty name",
            Some("[profile a]\ns3 =\n  a =\n  = b\n"),
            None,
        ),
        case(
            "key case folds",
            Some("[profile a]\nAWS_Access_Key_ID = AKID\nRegion = x\n"),
            None,
        ),
        case(
            "whitespace around equals",
            Some("[profile a]\nk\t =\t v \t\n  j=w\n"),
            None,
        ),
        case(
            "colon delimiter",
            Some("[profile a]\nregion: us-west-2\nk : v\n"),
            None,
        ),
        case(
            "colon before equals",
            Some("[profile a]\na:b = c\nx = y:z\n"),
            None,
        ),
        case("equals in value", Some("[profile a]\nk = a=b=c\n"), None),
        case("empty value", Some("[profile a]\nk =\nj = \n"), None),
        case(
            "profile default then default",
            Some("[profile default]\na = 1\n[default]\nb = 2\n"),
            None,
        ),
        case(
            "default then profile default",
            Some("[default]\nb = 2\n[profile default]\na = 1\n"),
            None,
        ),
        case(
            "credentials override config",
            Some("[profile a]\nk = config\nregion = x\n"),
            Some("[a]\nk = creds\n"),
        ),
        case(
            "credentials-only profile",
            None,
            Some("[only]\naws_access_key_id = AKID\n"),
        ),
        case(
            "credentials default merges",
            Some("[default]\nregion = x\n"),
            Some("[default]\naws_access_key_id = AKID\n"),
        ),
        case(
            "credentials profile prefix",
            None,
            Some("[profile x]\nk = v\n"),
        ),
        case(
            "credentials sso-session header",
            None,
            Some("[sso-session s]\nk = v\n"),
        ),
        case(
            "config section without prefix",
            Some("[plain]\nk = v\n[plugins]\np = q\n"),
            None,
        ),
        case("bare profile header", Some("[profile]\nk = v\n"), None),
        case("three-word header", Some("[profile a b]\nk = v\n"), None),
        case("single-quoted name", Some("[profile 'a b']\nk = v\n"), None),
        case("double-quoted name", Some("[profile \"q\"]\nk = v\n"), None),
        case(
            "unterminated quote in header",
            Some("[profile \"q]\nk = v\n[profile ok]\n"),
            None,
        ),
        case("profiles prefix", Some("[profiles foo]\nk = v\n"), None),
        case("prefix without space", Some("[profilefoo]\nk = v\n"), None),
        case(
            "spaces inside brackets",
            Some("[ profile foo ]\nk = v\n"),
            None,
        ),
        case("tab after prefix", Some("[profile\tfoo]\nk = v\n"), None),
        case(
            "odd profile characters",
            Some("[profile foo!bar]\nk = v\n[profile a/b@c:d+e%f]\n"),
            None,
        ),
        case(
            "unicode profile name",
            Some("[profile ünïcödé]\nk = v\n"),
            None,
        ),
        case(
            "unicode value",
            Some("[profile a]\nk = 😂 ðŸ˜‚ 中文\n"),
            None,
        ),
        case(
            "unicode key",
            Some("[profile a]\nКЛЮЧ = v\nStraße = w\n"),
            None,
        ),
        case("tab inside value", Some("[profile a]\nk = a\tb\n"), None),
        case("no final newline", Some("[profile a]\nk = v"), None),
        case(
            "trailing blank lines",
            Some("[profile a]\nk = v\n\n\n   \n"),
            None,
        ),
        case(
            "sso-session",
            Some(
                "[sso-session s]\nsso_region = us-east-1\nsso_start_url = https://x\n[profile p]\nsso_session = s\n",
            ),
            None,
        ),
        case(
            "services",
            Some(
                "[services s]\ns3 =\n  endpoint_url = http://127.0.0.1:1\n[profile p]\nservices = s\n",
            ),
            None,
        ),
        case(
            "bare sso-session header",
            Some("[sso-session]\nk = v\n"),
            None,
        ),
        case(
            "DEFAULT section",
            Some("[DEFAULT]\nregion = inherited\n[profile a]\nk = v\n[profile b]\nregion = own\n"),
            None,
        ),
        case(
            "DEFAULT in credentials",
            Some("[profile a]\nregion = x\n"),
            Some("[DEFAULT]\nregion = creds\n[a]\nk = v\n"),
        ),
        case(
            "indented first property",
            Some("[profile a]\n  region = x\n  k = v\n"),
            None,
        ),
        case(
            "indented header is a continuation",
            Some("[profile a]\nk = v\n  [profile b]\n"),
            None,
        ),
        case("bracket inside header", Some("[profile a]]\nk = v\n"), None),
        case(
            "two headers on one line",
            Some("[profile a] [b]\nk = v\n"),
            None,
        ),
        case("empty file", Some(""), Some("")),
        case("only comments", Some("# a\n; b\n"), None),
        case("no files", None, None),
        case(
            "long value",
            Some(&format!("[profile a]\nk = {long_value}\n")),
            None,
        ),
        case("many profiles", Some(&many), None),
        case(
            "empty sub-property name",
            Some("[profile a]\ns3 =\n  = v\n"),
            None,
        ),
        case(
            "unicode whitespace stripped",
            Some("[profile a]\nk =\u{a0}v\u{a0}\nj = w\u{2003}\n"),
            None,
        ),
        case(
            "form feed and separators",
            Some("[profile a]\nk = v\x0c\nj = \x1cw\x1f\n"),
            None,
        ),
        case("key with spaces", Some("[profile a]\nmy key = v\n"), None),
        case("empty brackets", Some("[profile a]\n[]= v\n"), None),
        case(
            "header-looking value",
            Some("[profile a]\nk = [profile b]\n"),
            None,
        ),
        case(
            "less-indented continuation",
            Some("[profile a]\n    k = v\n  [x]\n"),
            None,
        ),
        case(
            "both files, several profiles",
            Some("[profile a]\nx = 1\n[profile b]\ny = 2\n"),
            Some("[b]\ny = 3\nz = 4\n[c]\nw = 5\n"),
        ),
        // botocore refuses these (duplicates, a byte-order mark); the SDK grammar accepts them.
        refused(
            "duplicate section",
            Some("[profile a]\nx = 1\n[profile a]\ny = 2\n"),
            None,
            profiles(json!({"a": {"x": "1", "y": "2"}})),
        ),
        refused(
            "duplicate key",
            Some("[profile a]\nx = 1\nx = 2\n"),
            None,
            profiles(json!({"a": {"x": "2"}})),
        ),
        refused(
            "duplicate key differing case",
            Some("[profile a]\nX = 1\nx = 2\n"),
            None,
            profiles(json!({"a": {"x": "2"}})),
        ),
        refused(
            "duplicate section with inline comments",
            Some("[profile a]\nx = 1 # c\n[profile a]\ny = 2 ; d\n"),
            None,
            profiles(json!({"a": {"x": "1", "y": "2"}})),
        ),
        refused(
            "default, mixed prefixes, duplicated",
            Some(
                "[profile default]\nname = value\n[default]\nname2 = value2\n[profile default]\nname3 = value3\n",
            ),
            Some("[default]\nsecret = foo\n"),
            profiles(json!({"default": {"name": "value", "name3": "value3", "secret": "foo"}})),
        ),
        refused(
            "duplicate in credentials",
            Some("[profile a]\nregion = x\n"),
            Some("[a]\nk = 1\n[a]\nk = 2\n"),
            profiles(json!({"a": {"region": "x", "k": "2"}})),
        ),
        refused(
            "byte-order mark",
            Some("\u{feff}[default]\nregion = x\n"),
            None,
            profiles(json!({"default": {"region": "x"}})),
        ),
        refused(
            "duplicate sso-session",
            Some("[sso-session s]\na = 1\n[sso-session s]\nb = 2\n"),
            None,
            json!({"profiles": {}, "sso_sessions": {"s": {"a": "1", "b": "2"}}, "services": {}}),
        ),
        // Both botocore and the SDK grammar refuse these: so do we.
        case(
            "property before any section",
            Some("k = v\n[profile a]\n"),
            None,
        ),
        case(
            "line without equals",
            Some("[profile a]\nnot a property\n"),
            None,
        ),
        case("unclosed header", Some("[profile a\nk = v\n"), None),
        case(
            "sub-property without equals",
            Some("[profile a]\ns3 =\n  nonsense\n"),
            None,
        ),
        case("empty key", Some("[profile a]\n= v\n"), None),
        case(
            "broken credentials file",
            Some("[profile a]\nk = v\n"),
            Some("k = v\n"),
        ),
    ];
    // The same files with Windows and classic-Mac line endings.
    let variants: Vec<Case> = cases
        .iter()
        .filter(|c| c.lenient.is_none())
        .take(20)
        .flat_map(|c| {
            [("CRLF", "\r\n"), ("CR", "\r")].map(|(label, eol)| Case {
                name: format!("{} ({label})", c.name),
                config: c.config.as_ref().map(|t| t.replace('\n', eol)),
                credentials: c.credentials.as_ref().map(|t| t.replace('\n', eol)),
                lenient: None,
            })
        })
        .collect();
    cases.extend(variants);
    cases
}

fn section_json(section: &Section) -> Value {
    Value::Object(
        section
            .properties()
            .map(|(key, property)| {
                let value = if property.value().starts_with('\n') {
                    // botocore turns a block of sub-properties into a dict.
                    let mut subs = Map::new();
                    for (k, v) in property.sub_properties() {
                        subs.insert(k.to_owned(), Value::String(v.to_owned()));
                    }
                    Value::Object(subs)
                } else {
                    Value::String(property.value().to_owned())
                };
                (key.to_owned(), value)
            })
            .collect(),
    )
}

fn ours(set: &ProfileSet) -> Value {
    let profiles: Map<String, Value> = set
        .profile_names()
        .into_iter()
        .map(|n| (n.to_owned(), section_json(set.profile(n).unwrap())))
        .collect();
    let sessions: Map<String, Value> = set
        .sso_session_names()
        .into_iter()
        .map(|n| (n.to_owned(), section_json(set.sso_session(n).unwrap())))
        .collect();
    let services: Map<String, Value> = ["s", "t"]
        .into_iter()
        .filter_map(|n| set.services(n).map(|s| (n.to_owned(), section_json(s))))
        .collect();
    json!({ "profiles": profiles, "sso_sessions": sessions, "services": services })
}

#[test]
fn agrees_with_botocore() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let dir = TempDir::new("botocore-differential");
    let mut inputs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let write = |file: &str, text: &Option<String>| -> Value {
            match text {
                Some(text) => Value::String(
                    dir.write(&format!("{i}/{file}"), text)
                        .display()
                        .to_string(),
                ),
                None => Value::Null,
            }
        };
        inputs.push(json!({ "config": write("config", &case.config), "credentials": write("credentials", &case.credentials) }));
    }
    let answers = botocore(&[], &Value::Array(inputs.clone()), dir.path());
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), cases.len());

    let (mut agreed, mut lenient, mut both_refused) = (0, 0, 0);
    let mut failures = Vec::new();
    for ((case, input), botocore) in cases.iter().zip(&inputs).zip(answers) {
        let read = |key: &str| -> Option<(std::path::PathBuf, String)> {
            let path = input[key].as_str()?;
            Some((path.into(), std::fs::read_to_string(path).unwrap()))
        };
        let (config, credentials) = (read("config"), read("credentials"));
        let result = ProfileSet::try_parse(
            config.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
            credentials.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
        );
        let name = &case.name;
        match (botocore.get("error"), &result, &case.lenient) {
            (None, Ok(set), None) => {
                let ours = ours(set);
                if &ours == botocore {
                    agreed += 1;
                } else {
                    failures.push(format!("{name}: botocore {botocore}\n   ours {ours}"));
                }
            }
            (None, _, Some(_)) => failures.push(format!(
                "{name}: botocore accepts a case marked refused: {botocore}"
            )),
            (None, Err(e), None) => failures.push(format!(
                "{name}: botocore accepts ({botocore}), we refuse: {e}"
            )),
            (Some(_), Err(e), None) => {
                let message = e.to_string();
                if message.contains("Unable to parse config file")
                    && message.contains(&*dir.path().to_string_lossy())
                {
                    both_refused += 1;
                } else {
                    failures.push(format!("{name}: error should name the file: {message}"));
                }
            }
            (Some(_), Ok(set), Some(expected)) => {
                let ours = ours(set);
                let warned = set
                    .warnings()
                    .iter()
                    .any(|w| w.message.contains("the AWS CLI refuses"));
                if &ours == expected && warned {
                    lenient += 1;
                } else {
                    failures.push(format!(
                        "{name}: lenient {expected}, ours {ours} (warned: {warned})"
                    ));
                }
            }
            (Some(err), Ok(set), None) => failures.push(format!(
                "{name}: botocore refuses ({err}), we give {}",
                ours(set)
            )),
            (Some(_), Err(e), Some(_)) => {
                failures.push(format!("{name}: expected a lenient answer, got {e}"))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!(
        "botocore differential: {} cases: {agreed} agree with botocore, {lenient} refused by botocore and read leniently, {both_refused} refused by both",
        cases.len()
    );
}

/// Runs `botocore_dump.py` with `args`, feeding `input` and parsing its JSON answer.
fn botocore(args: &[&str], input: &Value, home: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_dump.py");
    let mut child = Command::new(awscred_testkit::python())
        .arg(&script)
        .args(args)
        .env("HOME", home)
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "botocore_dump.py {args:?} failed");
    serde_json::from_slice(&output.stdout).expect("botocore JSON")
}

/// The CLI v2 consults `AWS_PROFILE` before `AWS_DEFAULT_PROFILE` (its bundled botocore's
/// order, which the script applies), and a set-but-empty variable still selects (the empty name).
#[test]
fn profile_selection_agrees_with_botocore() {
    let environments: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("AWS_PROFILE", "p")],
        vec![("AWS_DEFAULT_PROFILE", "d")],
        vec![("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "d")],
        vec![("AWS_PROFILE", "default")],
        vec![("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "")],
        vec![("AWS_PROFILE", "")],
    ];
    let input = Value::Array(
        environments
            .iter()
            .map(|vars| {
                Value::Object(
                    vars.iter()
                        .map(|(k, v)| ((*k).to_owned(), json!(v)))
                        .collect(),
                )
            })
            .collect(),
    );
    let dir = TempDir::new("botocore-selection");
    let answers = botocore(&["selection"], &input, dir.path());
    for (vars, answer) in environments.iter().zip(answers.as_array().unwrap()) {
        let ours = selected_profile(None, &Env::from_vars(vars.iter().copied()));
        match answer.as_str() {
            Some(name) => {
                assert_eq!(ours.name, name, "{vars:?}");
                assert!(ours.source.is_explicit(), "{vars:?}");
            }
            None => assert_eq!(
                (ours.name.as_str(), ours.source),
                ("default", ProfileSource::Default),
                "{vars:?}"
            ),
        }
    }
}
