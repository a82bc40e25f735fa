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

pub fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).unwrap()
}

pub fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).unwrap()
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
