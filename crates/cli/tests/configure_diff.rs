//! `awscred configure set/get` against the AWS CLI v1's own commands (`.venv-awscli`, run by
//! `awscli_configure.py`, the
//! same `ConfigFileWriter` and the same `get` logic as the CLI v2 for everything here) on the
//! same files: the files after, stdout and the exit status must be the CLI's. Where the CLI
//! reads a file with CRLF it rewrites every line end as `\n` and awscred keeps them (see
//! docs/conformance.md): those files are compared line end for line end made `\n`, and
//! awscred's must have stayed CRLF.

// Unix only: the AWS CLI v1 (Python) it compares against runs on the host, not under Wine.
#![cfg(unix)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use awscred_testkit::TempDir;
use serde_json::{Value, json};

const CRED: &str =
    "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n";

/// (config, credentials) pairs; `None` is a missing file.
fn files() -> Vec<(&'static str, Option<&'static str>, Option<&'static str>)> {
    vec![
        ("missing", None, None),
        ("empty", Some(""), Some("")),
        (
            "plain",
            Some("# mine\n[default]\nregion = us-east-1\n\n[profile dev]\noutput = json\n"),
            Some(CRED),
        ),
        (
            "crlf",
            Some("[default]\r\nregion = us-east-1\r\n\r\n[profile dev]\r\noutput = json\r\n"),
            Some("[default]\r\naws_access_key_id = AKID\r\n"),
        ),
        (
            "no-final-newline",
            Some("[default]\nregion = us-east-1"),
            Some("[default]\naws_access_key_id = AKID"),
        ),
        (
            "tabs-and-spacing",
            Some("[default]\nregion\t=\tus-east-1\n  \n[profile dev]\noutput   :   json   \n"),
            None,
        ),
        (
            "profile-default",
            Some("[profile default]\nregion = us-east-1\n"),
            None,
        ),
        (
            "nested",
            Some(
                "[default]\ns3 =\n    max_concurrent_requests = 10\n    multipart_threshold = 64MB\nregion = us-east-1\n",
            ),
            None,
        ),
        (
            "sso-session",
            Some(
                "[profile sso]\nsso_session = corp\n\n[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
            ),
            None,
        ),
        (
            "comments",
            Some(
                "; header comment\n[default]\n# region = old\nregion = us-east-1\n# trailing = comment\n",
            ),
            None,
        ),
        (
            "duplicate",
            Some("[default]\nregion = a\n[default]\noutput = json\n"),
            None,
        ),
        ("junk", Some("junk line\n[default]\nregion = a\n"), None),
    ]
}

fn operations() -> Vec<Vec<&'static str>> {
    [
        "set region eu-west-1",
        "set output text --profile dev",
        "set region ap-south-1 --profile new",
        "set aws_access_key_id AKIANEWKEY --profile dev",
        "set default.region us-west-2",
        "set profile.dev.region us-west-1",
        "set s3.max_concurrent_requests 20",
        "set default.s3.multipart_threshold 8MB",
        "get region",
        "get output --profile dev",
        "get s3.max_concurrent_requests",
        "get s3",
        "get aws_access_key_id",
        "get sso-session.corp.sso_region",
        "get profile.sso.sso_session",
        "get nothere",
        "set aws_session_token tok --profile dev",
        "set s3.addressing_style path --profile dev",
        "set profile.dev.s3.max_bandwidth 50MB/s",
        "set default.s3 flat",
        "set profile.new.region x",
        "set region x --profile default",
        "set Region X",
        "get Region",
        "get default.s3.multipart_threshold",
        "get profile.dev.output",
        "get dev.output",
        "set sso_session corp --profile sso",
        "get profile.sso",
        "set a.b.c d",
    ]
    .iter()
    .map(|op| op.split(' ').collect())
    .collect()
}

fn universal(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .into_bytes()
}

fn same_file(label: &str, before: Option<&str>, ours: &Option<Vec<u8>>, cli: &Option<Vec<u8>>) {
    match (ours, cli) {
        (Some(ours), Some(cli)) if before.is_some_and(|b| b.contains('\r')) => {
            assert_eq!(universal(ours), universal(cli), "{label}");
            let text = String::from_utf8_lossy(ours);
            assert!(
                !text.replace("\r\n", "").contains('\n'),
                "{label}: CRLF kept: {text:?}"
            );
        }
        _ => assert_eq!(ours, cli, "{label}"),
    }
}

/// A case: its label, the arguments after `configure`, the config and credentials files.
type Case = (
    String,
    Vec<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// The CLI's answers for every case, from one Python process (`awscli_configure.py`).
struct CliRun {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run_cli(cases: &[Case], dirs: &[TempDir]) -> Vec<CliRun> {
    for ((_, _, config, credentials), dir) in cases.iter().zip(dirs) {
        write_files(dir.path(), *config, *credentials);
    }
    let input: Vec<Value> = cases
        .iter()
        .zip(dirs)
        .map(|((_, op, _, _), dir)| {
            let mut args = vec!["configure"];
            args.extend(op);
            json!({"dir": dir.path(), "args": args})
        })
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/awscli_configure.py");
    let mut child = Command::new(awscred_testkit::awscli_python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "awscli_configure.py failed");
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    results
        .iter()
        .map(|r| CliRun {
            status: r["status"].as_i64().unwrap() as i32,
            stdout: r["stdout"].as_str().unwrap().to_owned(),
            stderr: r["stderr"].as_str().unwrap().to_owned(),
        })
        .collect()
}

fn write_files(dir: &Path, config: Option<&str>, credentials: Option<&str>) {
    if let Some(text) = config {
        std::fs::write(dir.join("config"), text).unwrap();
    }
    if let Some(text) = credentials {
        std::fs::write(dir.join("credentials"), text).unwrap();
    }
}

fn read(dir: &Path, name: &str) -> Option<Vec<u8>> {
    std::fs::read(dir.join(name)).ok()
}

#[test]
fn configure_set_and_get_match_the_aws_cli() {
    let mut cases = Vec::new();
    for (name, config, credentials) in files() {
        for op in operations() {
            cases.push((
                format!("{name}: configure {}", op.join(" ")),
                op,
                config,
                credentials,
            ));
        }
    }
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let cli_dirs: Vec<TempDir> = cases.iter().map(|_| TempDir::new("cfg-cli")).collect();
    let cli_runs = run_cli(&cases, &cli_dirs);
    let (mut edits, mut values) = (0, 0);
    for (((label, op, config, credentials), cli_dir), cli) in
        cases.iter().zip(&cli_dirs).zip(cli_runs)
    {
        let our_dir = TempDir::new("cfg-ours");
        write_files(our_dir.path(), *config, *credentials);
        let mut command = Command::new(env!("CARGO_BIN_EXE_awscred"));
        let ours = command
            .env_clear()
            .env("HOME", our_dir.path())
            .env("AWS_CONFIG_FILE", our_dir.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                our_dir.path().join("credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .arg("configure")
            .args(op)
            .output()
            .unwrap();
        let (our_config, our_credentials) = (
            read(our_dir.path(), "config"),
            read(our_dir.path(), "credentials"),
        );
        if cli.stderr.contains("Unable to parse config file") {
            // The CLI refused the files (it cannot parse them): so must we, changing nothing.
            assert_eq!(ours.status.code(), Some(255), "{label}");
            let err = String::from_utf8_lossy(&ours.stderr);
            assert!(
                err.contains("Unable to parse config file: "),
                "{label}: {err}"
            );
            assert!(
                err.contains("config:"),
                "{label}: names file and line: {err}"
            );
            assert_eq!(our_config.as_deref(), config.map(str::as_bytes), "{label}");
            continue;
        }
        assert_eq!(
            ours.status.code(),
            Some(cli.status),
            "{label}: {}",
            cli.stderr
        );
        assert_eq!(String::from_utf8_lossy(&ours.stdout), cli.stdout, "{label}");
        let cli_config = read(cli_dir.path(), "config");
        let cli_credentials = read(cli_dir.path(), "credentials");
        edits += usize::from(
            cli_config.as_deref() != config.map(str::as_bytes)
                || cli_credentials.as_deref() != credentials.map(str::as_bytes),
        );
        values += usize::from(cli.status == 0 && !cli.stdout.is_empty());
        same_file(label, *config, &our_config, &cli_config);
        same_file(label, *credentials, &our_credentials, &cli_credentials);
    }
    // The comparison is not vacuous: the CLI edited files and printed values in many cases.
    assert!(
        edits >= 60 && values >= 15,
        "{edits} edits, {values} values"
    );
}
