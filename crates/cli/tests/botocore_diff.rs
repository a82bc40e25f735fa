//! `awscred export-credentials` against botocore doing what `aws configure export-credentials`
//! does (tests/botocore_export.py), on the same files and variables, every case in one Python
//! process. Exit status and stdout must be identical byte for byte, and stderr must be the
//! CLI's error line for the same message, or hold botocore's message verbatim inside the context
//! awscred adds (the profile, the file, the endpoint). The few cases that differ on purpose are
//! listed in
//! KNOWN_DIFFERENCES with the reason (and in docs/conformance.md); any other difference fails,
//! and so does a listed case that stops differing.

// Unix only: this differential runs botocore, one of the Python reference tools (.venv), which
// run on the host that runs the tests, not under Wine; the Windows run leaves it out.
#![cfg(unix)]

mod diff_cases;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use awscred_testkit::TempDir;
use diff_cases::{Outcome, cases, fake_service, run_awscred, setup};
use serde_json::{Value, json};

/// Cases where awscred answers differently on purpose, with the kind of difference (`output`:
/// exit status or stdout; `message`: the error text, botocore's not in it) and why. Mirrored in
/// docs/conformance.md.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "legacy SSO token expired",
        "message",
        "awscred names the profile and its own login command (`awscred sso login --profile s`) \
         where botocore says `aws sso login with the corresponding profile`",
    ),
    (
        "SSO GetRoleCredentials unauthorized",
        "message",
        "awscred names the profile and its own login command (`awscred sso login --profile s`) \
         where botocore says `aws sso login with the corresponding profile`",
    ),
    (
        "web identity env, token file missing",
        "message",
        "botocore's text is CPython's OSError format (`[Errno 2] No such file or directory: \
         'PATH'`); awscred says which token file it could not read and why, in Rust's words",
    ),
    (
        "web identity profile, token file missing",
        "message",
        "botocore's text is CPython's OSError format (`[Errno 2] No such file or directory: \
         'PATH'`); awscred says which token file it could not read and why, in Rust's words",
    ),
    (
        "SSO GetRoleCredentials answers 400 without JSON",
        "message",
        "botocore quotes the unparseable error body as the message; awscred never quotes a \
         service's body (it may be anything a proxy returns, even a secret) and gives the status's \
         reason phrase, the endpoint and the status. Same exit status (254)",
    ),
    (
        "assume role, STS answers 400 without XML",
        "message",
        "botocore's parse error quotes the body (`invalid XML received ... b'...'`); awscred says \
         which endpoint answered which status and content type without an STS error document, \
         never quoting the body. Same exit status (255)",
    ),
    (
        "assume role, STS answers 403 without a body",
        "message",
        "as the case above: botocore's parse error of an empty body; awscred names endpoint, \
         status and content type. Same exit status (255)",
    ),
];

/// What botocore gave: the outcome the CLI would show, and the exception's own text (`str(e)`,
/// without the "Unable to retrieve credentials: " the CLI puts before it).
struct Expected {
    outcome: Outcome,
    cause: String,
}

fn run_botocore(inputs: &[Value]) -> Vec<Expected> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_export.py");
    let mut child = Command::new(awscred_testkit::python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(inputs).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "botocore_export.py failed");
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    results
        .into_iter()
        .map(|r| {
            let code = r["code"].as_i64().unwrap() as i32;
            let message = r["message"].as_str().unwrap_or_default();
            // What the CLI's error handlers write (awscli/errorhandler.py), with our name.
            let plain = r["plain"].as_bool().unwrap_or(false);
            let stderr = match code {
                0 => String::new(),
                253 if !plain => {
                    format!("\nawscred: [ERROR]: An error occurred (Configuration): {message}\n")
                }
                _ => format!("\nawscred: [ERROR]: {message}\n"),
            };
            let cause = message
                .strip_prefix("Unable to retrieve credentials: ")
                .unwrap_or(message)
                .to_owned();
            Expected {
                outcome: Outcome {
                    code,
                    stdout: r["stdout"].as_str().unwrap().to_owned(),
                    stderr,
                },
                cause,
            }
        })
        .collect()
}

#[test]
fn export_credentials_matches_botocore() {
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let homes: Vec<TempDir> = cases.iter().map(|_| TempDir::new("diff")).collect();
    let fake = fake_service();
    let envs: Vec<BTreeMap<String, String>> = cases
        .iter()
        .zip(&homes)
        .map(|(c, h)| setup(c, h.path(), &fake.url()))
        .collect();
    let inputs: Vec<Value> = cases
        .iter()
        .zip(&envs)
        .map(|(c, env)| json!({"env": env, "profile": c.profile, "format": c.format}))
        .collect();
    let expected = run_botocore(&inputs);
    let mut report = Vec::new();
    let mut known_count = 0;
    let mut unexpected = Vec::new();
    let mut matched = 0;
    let mut with_context = 0;
    for ((case, env), expected) in cases.iter().zip(&envs).zip(&expected) {
        let got = run_awscred(case, env);
        let want = &expected.outcome;
        let kind = if got == *want {
            matched += 1;
            None
        } else if got.code == want.code && got.stdout == want.stdout {
            // awscred may say more than botocore (the profile, the file, the endpoint), as long
            // as botocore's own text is there, verbatim.
            if !expected.cause.is_empty() && got.stderr.contains(&expected.cause) {
                with_context += 1;
                report.push(format!(
                    "botocore's message within awscred's: {:?}",
                    case.name
                ));
                None
            } else {
                Some("message")
            }
        } else {
            Some("output")
        };
        let known = KNOWN_DIFFERENCES
            .iter()
            .chain(diff_cases::OUTPUT_DIFFERENCES)
            .find(|(name, _, _)| *name == case.name);
        match (kind, known) {
            (None, None) => {}
            (None, Some(_)) => unexpected.push(format!(
                "{:?} is listed as a known difference but now matches botocore",
                case.name
            )),
            (Some(kind), Some((_, known_kind, _))) if kind == *known_kind => {
                known_count += 1;
                report.push(format!("known {kind} difference: {:?}", case.name));
            }
            (Some(kind), _) => unexpected.push(format!(
                "{:?}: {kind} differs\n  botocore: {want:?}\n  awscred:  {got:?}",
                case.name
            )),
        }
    }
    eprintln!(
        "{} cases: {matched} identical to botocore, {with_context} the same with botocore's \
         message inside added context, {} known differences, {} unexpected",
        cases.len(),
        known_count,
        unexpected.len()
    );
    for line in &report {
        eprintln!("  {line}");
    }
    // Both tools reached the fake once in each case that calls a service (STS refusing a web
    // identity, STS refusing AssumeRole three ways, the portal refusing three roles), and it saw
    // nothing else: no case went past it, and no 4xx was retried.
    let seen: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| {
            let body = String::from_utf8_lossy(&r.body);
            let action = body.split('&').find(|p| p.starts_with("Action="));
            format!("{} {} {}", r.method, r.path(), action.unwrap_or(""))
        })
        .collect();
    let count = |what: &str| seen.iter().filter(|s| s.as_str() == what).count();
    assert_eq!(
        count("POST / Action=AssumeRoleWithWebIdentity"),
        2,
        "{seen:#?}"
    );
    assert_eq!(count("POST / Action=AssumeRole"), 6, "{seen:#?}");
    assert_eq!(count("GET /federation/credentials "), 6, "{seen:#?}");
    assert_eq!(seen.len(), 14, "{seen:#?}");
    assert!(unexpected.is_empty(), "\n{}", unexpected.join("\n"));
}
