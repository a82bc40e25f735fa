//! Shared by the `exec`, `serve` and `sso` tests: the real binary in a cleared environment with a
//! temporary HOME; IMDS off so nothing reaches 169.254.169.254.

#![allow(dead_code)]

use awscred_testkit::ClearEnv as _;
use std::process::{Child, Command, Output, Stdio};

use awscred_testkit::TempDir;

pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET";
pub const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKENzzTOKEN";

pub struct Home {
    pub dir: TempDir,
    pub env: Vec<(String, String)>,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: TempDir::new("cli-sub"),
            env: Vec::new(),
        }
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn file(self, rel: &str, text: &str) -> Self {
        self.dir.write(rel, text);
        self
    }

    /// A profile `dev` with session credentials in the credentials file and a region.
    pub fn with_dev_profile(self) -> Self {
        self.file(
            ".aws/credentials",
            &format!(
                "[dev]\naws_access_key_id = ASIADEV\naws_secret_access_key = {SECRET}\n\
                 aws_session_token = {TOKEN}\n\n[longterm]\naws_access_key_id = AKIALONG\n\
                 aws_secret_access_key = {SECRET}\n"
            ),
        )
        .file(
            ".aws/config",
            "[profile dev]\nregion = eu-west-1\n\n[profile longterm]\n",
        )
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_awscred"));
        c.env_clear_but_essentials()
            .env(awscred_testkit::HOME_VAR, self.dir.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("awscred runs")
    }

    /// Runs awscred with `input` on its stdin. The command may end before it reads everything
    /// (a refused file): a closed pipe is fine.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("awscred starts");
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child.wait_with_output().unwrap()
    }

    pub fn spawn(&self, args: &[&str]) -> KillOnDrop {
        KillOnDrop(
            self.command(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("awscred starts"),
        )
    }
}

/// A child process killed when the test ends, passing or not.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `AWS_*` lines of an `env` run, sorted.
pub fn env_lines(out: &Output) -> Vec<String> {
    let mut lines: Vec<String> = stdout(out)
        .lines()
        .filter(|l| l.starts_with("AWS_"))
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

pub fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).unwrap()
}

pub fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).unwrap()
}

/// None of `secrets` is on the command's stdout or stderr.
#[track_caller]
pub fn assert_no_secret(out: &Output, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !stdout(out).contains(secret) && !stderr(out).contains(secret),
            "{secret} was printed"
        );
    }
}

#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
}

/// What [`pty`] reports.
#[cfg(unix)]
pub struct PtyRun {
    pub transcript: String,
    pub status: i64,
    pub failed: serde_json::Value,
}

/// Runs awscred with `args` on a pseudo-terminal through tests/pty_drive.py, playing `steps`.
/// Unix only: pseudo-terminals and the Python reference tools.
#[cfg(unix)]
pub fn pty(home: &Home, args: &[&str], steps: serde_json::Value) -> PtyRun {
    let driver = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pty_drive.py");
    let command = home.command(&[]);
    let out = std::process::Command::new(awscred_testkit::python())
        .env_clear()
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("TERM", "xterm")
        .arg(driver)
        .arg(steps.to_string())
        .arg(env!("CARGO_BIN_EXE_awscred"))
        .args(args)
        .output()
        .unwrap();
    assert_code(&out, 0);
    let doc: serde_json::Value = serde_json::from_str(stdout(&out)).unwrap();
    PtyRun {
        transcript: doc["transcript"].as_str().unwrap().to_owned(),
        status: doc["status"].as_i64().unwrap(),
        failed: doc["failed"].clone(),
    }
}

/// Reads each profile's credentials with botocore set up as the AWS CLI v2 sets it up
/// (tests/botocore_caches.py: the CLI's role and SSO caches), in `home` with its variables; fails
/// the test unless every profile resolves. Botocore writes what it fetched to the caches.
#[cfg(unix)] // botocore is one of the Python reference tools, which run only on the host.
pub fn botocore_read_credentials(home: &Home, profiles: &[&str]) {
    use std::io::Write;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_caches.py");
    let mut env: serde_json::Map<String, serde_json::Value> = home
        .env
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    env.insert(
        "HOME".into(),
        serde_json::json!(home.dir.path().to_str().unwrap()),
    );
    env.insert(
        "AWS_EC2_METADATA_DISABLED".into(),
        serde_json::json!("true"),
    );
    let mut child = Command::new(awscred_testkit::python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python starts");
    let input = serde_json::json!({"env": env, "profiles": profiles}).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for profile in profiles {
        assert!(text.contains(&format!("{profile} ok")), "botocore: {text}");
    }
}
