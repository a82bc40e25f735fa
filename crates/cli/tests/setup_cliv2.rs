//! awscred's `configure sso` and `login --remote` against what the AWS CLI v2 wrote for the
//! same answers (tests/fixtures/setup_cliv2.json, recorded by tests/record_setup_fixtures.py):
//! the same steps are played on awscred on a pseudo-terminal, against the same fakes, and the
//! config file must be byte for byte the CLI's, the `aws login` token file the same keys in the
//! same order with the same JSON spacing.

// Unix only: the pseudo-terminal driver (tests/pty_drive.py, Python) runs on the host, not under
// Wine, and Windows has no pseudo-terminals of that kind.
#![cfg(unix)]

mod common;

use std::process::{Command, Stdio};

use awscred_testkit::TempDir;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/setup_cliv2.json");

/// The fakes as the recording had them (the `setup_fakes` example's accounts and roles).
struct Fakes {
    sso: awscred_testkit::sso_fake::SsoFake,
    signin: awscred_testkit::signin_fake::SigninFake,
}

fn fakes() -> Fakes {
    let sso = awscred_testkit::sso_fake::SsoFake::start();
    sso.set_recorded_accounts();
    Fakes {
        sso,
        signin: awscred_testkit::signin_fake::SigninFake::start(),
    }
}

/// `structure()` of the recorder: every string value replaced by "...".
fn structure(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\": \"") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let mut end = 0;
        let bytes = rest.as_bytes();
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        out.push_str("...\"");
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

#[test]
fn files_as_the_cli_v2_writes_them() {
    let scenarios: Vec<Value> = serde_json::from_str(FIXTURE).unwrap();
    assert_eq!(scenarios.len(), 3);
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pty_drive.py");
    for scenario in &scenarios {
        let name = scenario["name"].as_str().unwrap();
        let fakes = fakes();
        let home = TempDir::new("setup-cliv2");
        if let Some(config) = scenario["config"].as_str() {
            home.write(".aws/config", config);
        }
        let args: Vec<&str> = scenario["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let out = Command::new(awscred_testkit::python())
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "xterm")
            .env("AWS_ENDPOINT_URL_SSO", fakes.sso.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", fakes.sso.url())
            .env("AWS_ENDPOINT_URL_SIGNIN", fakes.signin.url())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .arg(driver)
            .arg(scenario["steps"].to_string())
            .arg(env!("CARGO_BIN_EXE_awscred"))
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["failed"],
            Value::Null,
            "{name}: {}",
            report["transcript"]
        );
        assert_eq!(report["status"], 0, "{name}: {}", report["transcript"]);
        let config = std::fs::read_to_string(home.path().join(".aws/config")).unwrap();
        assert_eq!(config, scenario["after"].as_str().unwrap(), "{name}");
        let cache = home.path().join(".aws/login/cache");
        let mut tokens: Vec<String> = std::fs::read_dir(&cache)
            .map(|d| {
                d.map(|e| structure(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        tokens.sort();
        let expected: Vec<String> = scenario["login_tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(tokens, expected, "{name}");
    }
}
