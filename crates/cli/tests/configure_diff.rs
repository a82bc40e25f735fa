//! `awscred configure set/get` against the AWS CLI v1's own commands (`.venv-awscli`, the
//! same `ConfigFileWriter` and the same `get` logic as the CLI v2 for everything here) on the
//! same files: the files after, stdout and the exit status must be the CLI's. Where the CLI
//! reads a file with CRLF it rewrites every line end as `\n` and awscred keeps them (see
//! docs/conformance.md): those files are compared line end for line end made `\n`, and
//! awscred's must have stayed CRLF.

use std::path::Path;
use std::process::{Command, Output};

use awscred_testkit::TempDir;

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
    ]
    .iter()
    .map(|op| op.split(' ').collect())
    .collect()
}

struct Run {
    output: Output,
    config: Option<Vec<u8>>,
    credentials: Option<Vec<u8>>,
}

fn run(program: &mut Command, dir: &Path, config: Option<&str>, credentials: Option<&str>) -> Run {
    let (config_path, credentials_path) = (dir.join("config"), dir.join("credentials"));
    if let Some(text) = config {
        std::fs::write(&config_path, text).unwrap();
    }
    if let Some(text) = credentials {
        std::fs::write(&credentials_path, text).unwrap();
    }
    let output = program
        .env_clear()
        .env("HOME", dir)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_CONFIG_FILE", &config_path)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials_path)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    Run {
        output,
        config: std::fs::read(&config_path).ok(),
        credentials: std::fs::read(&credentials_path).ok(),
    }
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

#[test]
fn configure_set_and_get_match_the_aws_cli() {
    let python = awscred_testkit::awscli_python();
    let aws = python.with_file_name("aws");
    let mut cases = 0;
    for (name, config, credentials) in files() {
        for op in operations() {
            let label = format!("{name}: configure {}", op.join(" "));
            let (cli_dir, our_dir) = (TempDir::new("cfg-cli"), TempDir::new("cfg-ours"));
            let mut cli_cmd = Command::new(&python);
            cli_cmd.arg(&aws).arg("configure").args(&op);
            let cli = run(&mut cli_cmd, cli_dir.path(), config, credentials);
            let mut our_cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
            our_cmd.arg("configure").args(&op);
            let ours = run(&mut our_cmd, our_dir.path(), config, credentials);
            if String::from_utf8_lossy(&cli.output.stderr).contains("Unable to parse config file") {
                // The CLI refused the files (it cannot parse them): so must we, changing nothing.
                assert_eq!(ours.output.status.code(), Some(255), "{label}");
                let err = String::from_utf8_lossy(&ours.output.stderr);
                assert!(
                    err.contains("Unable to parse config file: "),
                    "{label}: {err}"
                );
                assert!(
                    err.contains("config:"),
                    "{label}: names file and line: {err}"
                );
                assert_eq!(ours.config.as_deref(), config.map(str::as_bytes), "{label}");
                cases += 1;
                continue;
            }
            assert_eq!(
                ours.output.status.code(),
                cli.output.status.code(),
                "{label}"
            );
            assert_eq!(
                String::from_utf8_lossy(&ours.output.stdout),
                String::from_utf8_lossy(&cli.output.stdout),
                "{label}"
            );
            same_file(&label, config, &ours.config, &cli.config);
            same_file(&label, credentials, &ours.credentials, &cli.credentials);
            cases += 1;
        }
    }
    assert!(cases >= 60, "{cases} cases");
}
