//! The interop suite: real clients (boto3, the AWS CLI v1, the JavaScript SDK v3, aws-sdk-rust
//! through the awscred adapter) call STS GetCallerIdentity with credentials from awscred, given
//! through `credential_process`, `exec`, `exec --server` and `serve`, for static keys, a role and
//! a two-role chain; moto checks every signature. Prints the matrix; every cell must pass.
//!
//! The static profile holds session keys (from an AssumeRole made at setup): long-term keys
//! given to `serve` and `exec --server` become a GetSessionToken session, and moto answers
//! GetSessionToken with fixed example keys its own signature checks refuse.

// Unix only: the clients (boto3, the AWS CLI v1, Node) and moto run on the host, not under Wine.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use awscred_testkit::moto::MotoServer;
use common::*;

const AWSCRED: &str = env!("CARGO_BIN_EXE_awscred");

/// Static session keys for the `static` profile, from an AssumeRole of the role `static`.
const STATIC_KEYS: &str = "import boto3, sys\n\
    sts = boto3.client('sts', aws_access_key_id=sys.argv[1], aws_secret_access_key=sys.argv[2])\n\
    c = sts.assume_role(RoleArn='arn:aws:iam::123456789012:role/static', RoleSessionName='fixed')['Credentials']\n\
    print(c['AccessKeyId'])\n\
    print(c['SecretAccessKey'])\n\
    print(c['SessionToken'])\n";

/// The profiles, each with the role its ARN names.
const PROFILES: [(&str, &str); 3] = [
    ("static", ":assumed-role/static/fixed"),
    ("role", ":assumed-role/r1/"),
    ("chain2", ":assumed-role/r2/"),
];
const WAYS: [&str; 4] = ["credential_process", "exec", "exec --server", "serve"];
const CLIENTS: [&str; 4] = ["boto3", "aws cli v1", "js sdk v3", "aws-sdk-rust"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the aws-sdk-rust client (the adapter's example) and returns its path.
fn rust_client() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args([
            "build",
            "-q",
            "-p",
            "awscred-aws-sdk",
            "--example",
            "get_caller_identity",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "building the aws-sdk-rust client failed"
    );
    stdout(&out)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == "get_caller_identity")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the example's executable")
}

/// The command line of a client.
fn client_argv(client: &str, rust: &Path) -> Vec<String> {
    let interop = root().join("tests/interop");
    match client {
        "boto3" => vec![
            awscred_testkit::awscli_python().display().to_string(),
            interop.join("caller.py").display().to_string(),
        ],
        "aws cli v1" => vec![
            awscred_testkit::awscli_python()
                .with_file_name("aws")
                .display()
                .to_string(),
            "sts".into(),
            "get-caller-identity".into(),
            "--query".into(),
            "Arn".into(),
            "--output".into(),
            "text".into(),
        ],
        "js sdk v3" => {
            assert!(
                interop.join("node_modules/@aws-sdk/client-sts").is_dir(),
                "the JavaScript SDK is not installed: run `npm ci` in tests/interop (.ci/run does)"
            );
            vec![
                "node".into(),
                interop.join("caller.mjs").display().to_string(),
            ]
        }
        "aws-sdk-rust" => vec![rust.display().to_string()],
        _ => unreachable!("{client}"),
    }
}

/// One cell: the client run through `way` for `profile`; its output.
fn cell(home: &Home, client: &[String], way: &str, profile: &str, serve: &Served) -> Output {
    let mut command = match way {
        "credential_process" => {
            let mut c = home.command(&[]);
            c.env("AWS_PROFILE", format!("cp-{profile}"));
            c
        }
        "exec" | "exec --server" => {
            let mut c = home.command(&["exec"]);
            if way == "exec --server" {
                c.arg("--server");
            }
            c.args(["--profile", profile, "--"]);
            c
        }
        "serve" => {
            let mut c = home.command(&[]);
            let (uri, token) = serve.for_profile(profile);
            c.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)
                .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token);
            c
        }
        _ => unreachable!("{way}"),
    };
    let program = if way.starts_with("exec") {
        command.args(client);
        command
    } else {
        // The client itself runs in the home's environment.
        let mut c = Command::new(&client[0]);
        c.args(&client[1..]).env_clear().envs(
            command
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        );
        c
    };
    let mut program = program;
    program
        .stdin(Stdio::null())
        .output()
        .expect("the client runs")
}

/// One `awscred serve --json` per profile.
struct Served(Vec<(String, KillOnDrop, String, String)>);

impl Served {
    fn start(home: &Home) -> Self {
        use std::io::BufRead;
        Served(
            PROFILES
                .iter()
                .map(|(profile, _)| {
                    let mut child = home.spawn(&["serve", "--json", "--profile", profile]);
                    let mut line = String::new();
                    std::io::BufReader::new(child.0.stdout.take().unwrap())
                        .read_line(&mut line)
                        .unwrap();
                    let doc: serde_json::Value = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("serve {profile}: {e}: {line:?}"));
                    let text = |k: &str| doc[k].as_str().unwrap().to_owned();
                    (
                        (*profile).to_owned(),
                        child,
                        text("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                        text("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                    )
                })
                .collect(),
        )
    }

    fn for_profile(&self, profile: &str) -> (&str, &str) {
        let (_, _, uri, token) = self.0.iter().find(|(p, ..)| p == profile).unwrap();
        (uri, token)
    }
}

#[test]
fn every_client_every_way_every_profile() {
    let rust = rust_client();
    let moto = MotoServer::start();
    let (user_id, user_secret) = moto.iam_user_with_roles(&["r1", "r2", "static"]);
    let keys = static_keys(&moto, &user_id, &user_secret);
    let [static_id, static_secret, static_token] = &keys[..] else {
        panic!("{keys:?}");
    };
    moto.enable_auth();
    let process_profiles: String = PROFILES
        .iter()
        .map(|(p, _)| {
            format!("[profile cp-{p}]\ncredential_process = {AWSCRED} export-credentials --profile {p}\n\n")
        })
        .collect();
    let home = Home::new()
        .file(
            ".aws/credentials",
            &format!(
                "[user]\naws_access_key_id = {user_id}\naws_secret_access_key = {user_secret}\n\n\
                 [static]\naws_access_key_id = {static_id}\naws_secret_access_key = {static_secret}\n\
                 aws_session_token = {static_token}\n"
            ),
        )
        .file(
            ".aws/config",
            &format!(
                "[profile static]\n\n\
                 [profile role]\nrole_arn = arn:aws:iam::123456789012:role/r1\nsource_profile = user\n\n\
                 [profile chain2]\nrole_arn = arn:aws:iam::123456789012:role/r2\nsource_profile = role\n\n\
                 {process_profiles}"
            ),
        )
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let served = Served::start(&home);

    let failures = Mutex::new(Vec::new());
    let mut rows = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = CLIENTS
            .iter()
            .map(|client| {
                let (home, served, rust, failures) = (&home, &served, &rust, &failures);
                scope.spawn(move || {
                    let argv = client_argv(client, rust);
                    let mut row = Vec::new();
                    for way in WAYS {
                        for (profile, expected) in PROFILES {
                            let out = cell(home, &argv, way, profile, served);
                            let arn = stdout(&out).trim().to_owned();
                            let ok = out.status.success() && arn.contains(expected);
                            if !ok {
                                failures.lock().unwrap().push(format!(
                                    "{client} / {way} / {profile}: status {:?}, stdout {arn:?}, \
                                     stderr {}",
                                    out.status.code(),
                                    stderr(&out).trim()
                                ));
                            }
                            row.push(ok);
                        }
                    }
                    (*client, row)
                })
            })
            .collect();
        for h in handles {
            rows.push(h.join().unwrap());
        }
    });

    // The matrix: one row per client, one column per way and profile.
    let mut table = format!("{:<14}", "");
    for way in WAYS {
        for (profile, _) in PROFILES {
            table.push_str(&format!(" {:>8}", abbreviate(way, profile)));
        }
    }
    table.push('\n');
    for (client, row) in &rows {
        table.push_str(&format!("{client:<14}"));
        for ok in row {
            table.push_str(&format!(" {:>8}", if *ok { "pass" } else { "FAIL" }));
        }
        table.push('\n');
    }
    println!("{table}");
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{table}\n{}", failures.join("\n"));
    let cells: usize = rows.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(cells, CLIENTS.len() * WAYS.len() * PROFILES.len());
}

/// Runs [`STATIC_KEYS`] with the user's keys: the key id, secret and token.
fn static_keys(moto: &MotoServer, id: &str, secret: &str) -> Vec<String> {
    let out = Command::new(awscred_testkit::python())
        .args(["-c", STATIC_KEYS, id, secret])
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_owned).collect()
}

/// A column's heading: the way's initials and the profile's first letters (`cp/sta`).
fn abbreviate(way: &str, profile: &str) -> String {
    let way = match way {
        "credential_process" => "cp",
        "exec" => "ex",
        "exec --server" => "exs",
        _ => "srv",
    };
    format!("{way}/{}", &profile[..3])
}
