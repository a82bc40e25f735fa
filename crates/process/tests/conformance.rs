//! The cross-SDK credential_process cases (smithy-rs profile-provider suite), and the same
//! helpers run through botocore's `ProcessProvider`, the CLI's own code.
//!
//! The suite's commands rely on a shell (`echo ... | base64 --decode`, `exit 1`): the SDKs run
//! `sh -c COMMAND`, the CLI runs the words without a shell. So every case runs twice:
//! - as the CLI runs it, where the outcome must be botocore's (all four fail: `echo` prints the
//!   pipe as text, and there is no program called `exit`);
//! - wrapped in `sh -c '...'` (what a CLI user writes to get a shell), where the outcome must be
//!   the suite's `test-case.json`. The suite's error texts are smithy-rs's; the facts they
//!   state (the exit status, the JSON being invalid) must be in ours.

// Unix only: the suite's lines are POSIX shell commands, run here with `sh`; on Windows the
// default-chain suite test (crates/chain) expects the CLI's Windows answer to them.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use awscred_core::fs::MemFs;
use awscred_core::{Credentials, Env, ProvideCredentials, Result, timestamp};
use awscred_process::{CredentialProcessProvider, StderrMode};
use awscred_profile::{ProfileSet, selected_profile_name};
use awscred_testkit::{TempDir, conformance_dir, python};
use serde_json::Value;

const CASES: [&str; 4] = [
    "credential_process",
    "credential_process_account_id_fallback",
    "credential_process_failure",
    "credential_process_invalid",
];

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

struct Case {
    name: &'static str,
    profile: String,
    command: String,
    account_id: Option<String>,
    expected: Value,
}

/// Reads a case's env.json and fs/ into an [`Env`] over an in-memory file system, and takes the
/// selected profile's `credential_process` and `aws_account_id` from the loaded profiles.
fn load(name: &'static str) -> Case {
    let dir = conformance_dir()
        .join("smithy-rs/aws-config/profile-provider")
        .join(name);
    let vars: Value =
        serde_json::from_slice(&std::fs::read(dir.join("env.json")).unwrap()).unwrap();
    let vars: Vec<(String, String)> = vars
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let mut fs = MemFs::default();
    let root = dir.join("fs");
    for file in files_under(&root) {
        let inside = Path::new("/").join(file.strip_prefix(&root).unwrap());
        fs = fs.with_file(inside, std::fs::read(&file).unwrap());
    }
    let env = Env::from_vars(vars).with_fs(Arc::new(fs));
    let set = ProfileSet::load(&env).unwrap();
    let profile = selected_profile_name(None, &env);
    let section = set.profile(&profile).unwrap();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("test-case.json")).unwrap()).unwrap();
    Case {
        name,
        command: section.get("credential_process").unwrap().to_owned(),
        account_id: section.get("aws_account_id").map(str::to_owned),
        profile,
        expected,
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn run(case: &Case, command: String) -> Result<Credentials> {
    let none: [(&str, &str); 0] = [];
    let provider = CredentialProcessProvider::new(
        Env::from_vars(none),
        case.profile.clone(),
        command,
        case.account_id.clone(),
    )
    .with_stderr(StderrMode::Capture);
    block_on(provider.provide_credentials())
}

/// `sh -c '<command>'`, quoted so the split gives back the command as one word.
fn in_shell(command: &str) -> String {
    format!("sh -c '{}'", command.replace('\'', r"'\''"))
}

#[test]
fn suite_cases_run_in_a_shell_give_the_suites_results() {
    for name in CASES {
        let case = load(name);
        let got = run(&case, in_shell(&case.command));
        let result = &case.expected["result"];
        if let Some(ok) = result.get("Ok") {
            let creds = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(creds.access_key_id(), ok["access_key_id"], "{name}");
            assert_eq!(
                creds.secret_access_key().expose(),
                ok["secret_access_key"],
                "{name}"
            );
            assert_eq!(
                creds.session_token().map(|t| t.expose()),
                ok["session_token"].as_str(),
                "{name}"
            );
            assert_eq!(creds.account_id(), ok["account_id"].as_str(), "{name}");
            assert_eq!(
                creds.expiration().map(timestamp::to_unix),
                ok["expiry"].as_i64(),
                "{name}"
            );
            let shown = format!("{creds:?}");
            assert!(
                !shown.contains(ok["secret_access_key"].as_str().unwrap()),
                "{name}"
            );
        } else {
            let suite_text = result["ErrorContains"].as_str().unwrap();
            let err = got.expect_err(name).to_string();
            // The suite's wording is smithy-rs's; the fact it states must be in ours.
            let fact = match suite_text {
                t if t.contains("exited with code exit status: 1") => "exit status: 1",
                t if t.contains("invalid JSON in response") => "is not valid JSON",
                other => panic!("{name}: no mapping for the suite's message {other:?}"),
            };
            assert!(err.contains(fact), "{name}: {err}");
            assert!(
                err.contains(&format!("profile '{}'", case.profile)),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn suite_cases_run_as_the_cli_runs_them() {
    // Outcomes checked against botocore 1.44.8's ProcessProvider on the same command lines
    // (`botocore_agrees_on_the_same_helpers` below runs it live for its own helpers).
    for name in CASES {
        let case = load(name);
        let err = run(&case, case.command.clone())
            .expect_err(name)
            .to_string();
        let fact = match name {
            "credential_process_failure" => "cannot run 'exit'",
            _ => "is not valid JSON",
        };
        assert!(err.contains(fact), "{name}: {err}");
        assert!(err.starts_with("Error when retrieving credentials from custom-process: "));
    }
    // Accessing the names keeps the compiler honest about the case table.
    assert!(CASES.iter().all(|n| load(n).name == *n));
}

/// Runs helpers through botocore's ProcessProvider (the CLI's code) and through ours, and
/// compares: the same credentials, or both errors with botocore's message inside ours.
#[test]
fn botocore_agrees_on_the_same_helpers() {
    let dir = TempDir::new("botocore");
    let script = |name: &str, body: &str| {
        let path = dir.write(name, body);
        format!("sh {}", path.display())
    };
    let commands = vec![
        script(
            "full.sh",
            r#"echo '{"Version": 1, "AccessKeyId": "AKID1", "SecretAccessKey": "SK1", "SessionToken": "T1", "Expiration": "2031-01-01T00:00:00Z", "AccountId": "111122223333"}'"#,
        ),
        script(
            "minimal.sh",
            r#"echo '{"Version": 1, "AccessKeyId": "AKID2", "SecretAccessKey": "SK2"}'"#,
        ),
        script(
            "float.sh",
            r#"echo '{"Version": 1.0, "AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
        ),
        script(
            "string.sh",
            r#"echo '{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
        ),
        script(
            "two.sh",
            r#"echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
        ),
        script(
            "noversion.sh",
            r#"echo '{"AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
        ),
        script(
            "nokey.sh",
            r#"echo '{"Version": 1, "SecretAccessKey": "S"}'"#,
        ),
        script(
            "nosecret.sh",
            r#"echo '{"Version": 1, "AccessKeyId": "A"}'"#,
        ),
        script("fail.sh", "echo 'helper: not logged in' >&2; exit 4"),
        script(
            "argv.sh",
            r#"printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "S"}' "$1|$2""#,
        ) + r#" 'a b' "c d"\ e"#,
        "echo 'invalid json'".to_owned(),
    ];
    let fallback = "444455556666";
    let program = r#"
import json, sys
from botocore.credentials import ProcessProvider
out = []
for cmd in json.loads(sys.argv[1]):
    cfg = {"profiles": {"p": {"credential_process": cmd, "aws_account_id": sys.argv[2]}}}
    try:
        c = ProcessProvider("p", lambda: cfg).load()
        f = c.get_frozen_credentials()
        out.append({"ok": [f.access_key, f.secret_key, f.token, f.account_id,
                           getattr(c, "_expiry_time", None) and c._expiry_time.isoformat()]})
    except Exception as e:
        out.append({"err": str(e), "type": type(e).__name__})
print(json.dumps(out))
"#;
    let output = Command::new(python())
        .args([
            "-c",
            program,
            &serde_json::to_string(&commands).unwrap(),
            fallback,
        ])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let botocore: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    for (command, theirs) in commands.iter().zip(&botocore) {
        let provider = CredentialProcessProvider::new(
            Env::from_vars([(awscred_testkit::HOME_VAR, "/nonexistent")]),
            "p".into(),
            command.clone(),
            Some(fallback.into()),
        )
        .with_stderr(StderrMode::Capture);
        let ours = block_on(provider.provide_credentials());
        match (theirs.get("ok"), ours) {
            (Some(ok), Ok(creds)) => {
                assert_eq!(creds.access_key_id(), ok[0], "{command}");
                assert_eq!(creds.secret_access_key().expose(), ok[1], "{command}");
                assert_eq!(
                    creds.session_token().map(|t| t.expose()),
                    ok[2].as_str(),
                    "{command}"
                );
                assert_eq!(creds.account_id(), ok[3].as_str(), "{command}");
                let expiry = ok[4].as_str().and_then(timestamp::parse);
                assert_eq!(creds.expiration(), expiry, "{command}");
            }
            (None, Err(e)) => {
                let ours = e.to_string();
                let message = theirs["err"].as_str().unwrap().trim_end();
                if theirs["type"] == "CredentialRetrievalError" {
                    assert!(
                        ours.contains(message),
                        "{command}: ours {ours:?}, botocore {message:?}"
                    );
                }
            }
            (theirs, ours) => panic!("{command}: botocore {theirs:?}, ours {ours:?}"),
        }
    }
}
