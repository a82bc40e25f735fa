//! `cargo xtask demo`: builds `awscred` and runs `explain` and `export-credentials` on example
//! configurations, one fresh temporary home per step, with a cleared environment (nothing on the
//! machine is read, and IMDS is switched off so nothing reaches 169.254.169.254).
//!
//! Adding a step is a few lines in [`steps`]: a title, the files of the home, the variables,
//! the arguments, and the exit status expected. A step that needs an endpoint starts a loopback
//! fake first ([`crate::fake::serve`] answers fixed routes) and points the step at it through a
//! variable, as the container and instance-metadata steps do.

use std::path::PathBuf;
use std::process::Command;

use crate::{cargo, run_status, target_dir};

/// One demonstration.
struct Step {
    title: String,
    /// Files relative to the temporary home, with their contents.
    files: Vec<(String, String)>,
    /// Variables besides HOME, PATH and AWS_EC2_METADATA_DISABLED.
    env: Vec<(String, String)>,
    /// Arguments after the subcommand (`--profile dev`).
    args: Vec<String>,
    /// The exit status both commands should end with.
    exit: i32,
}

impl Step {
    fn new(title: &str) -> Self {
        Step {
            title: title.to_owned(),
            files: Vec::new(),
            env: Vec::new(),
            args: Vec::new(),
            exit: 0,
        }
    }

    fn file(mut self, path: &str, contents: &str) -> Self {
        self.files.push((path.to_owned(), contents.to_owned()));
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    fn exit(mut self, code: i32) -> Self {
        self.exit = code;
        self
    }
}

/// What the steps may use.
struct Demo {
    /// The awscred binary under demonstration.
    binary: PathBuf,
}

// Example keys in AWS documentation style: obviously fake.
const CREDENTIALS_FILE: &str = "\
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[dev]
aws_access_key_id = AKIADEVEXAMPLE0000001
aws_secret_access_key = devSecretExampleKey0000000000000000000001
aws_session_token = devSessionTokenExample
";

const CONFIG_FILE: &str = "\
[default]
region = us-east-1

[profile ops]
region = eu-west-1
aws_access_key_id = AKIAOPSEXAMPLE000001
aws_secret_access_key = opsSecretExampleKey00000000000000000000001
";

fn steps(demo: &Demo) -> Result<Vec<Step>, String> {
    // A profile whose credential_process is awscred itself, as another SDK or tool would use it.
    let process_config = format!(
        "[profile tool]\ncredential_process = {} export-credentials --profile dev\n",
        demo.binary.display()
    );
    // Container credentials (ECS, EKS Pod Identity) and EC2 instance metadata, from loopback fakes.
    let container = crate::fake::serve(vec![crate::fake::Route {
        method: "GET",
        path: "/creds",
        content_type: "application/json",
        body: "{\"AccessKeyId\": \"ASIACONTAINEREXAMPLE1\", \"SecretAccessKey\": \
               \"containerSecretExampleKey000000000000001\", \"Token\": \"containerToken\", \
               \"Expiration\": \"2099-01-02T03:04:05Z\"}"
            .to_owned(),
    }])?;
    let imds = crate::fake::serve(vec![
        crate::fake::Route {
            method: "PUT",
            path: "/latest/api/token",
            content_type: "text/plain",
            body: "demo-imds-session-token".to_owned(),
        },
        crate::fake::Route {
            method: "GET",
            path: "/latest/meta-data/iam/security-credentials/",
            content_type: "text/plain",
            body: "demo-instance-role".to_owned(),
        },
        crate::fake::Route {
            method: "GET",
            path: "/latest/meta-data/iam/security-credentials/demo-instance-role",
            content_type: "text/plain",
            body: "{\"Code\": \"Success\", \"LastUpdated\": \"2099-01-01T00:00:00Z\", \"Type\": \
                   \"AWS-HMAC\", \"AccessKeyId\": \"ASIAINSTANCEEXAMPLE01\", \"SecretAccessKey\": \
                   \"instanceSecretExampleKey00000000000000001\", \"Token\": \"instanceToken\", \
                   \"Expiration\": \"2099-01-02T03:04:05Z\"}"
                .to_owned(),
        },
    ])?;
    Ok(vec![
        Step::new("environment variables")
            .env("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE000001")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "envSecretExampleKey00000000000000000000001",
            )
            .env("AWS_SESSION_TOKEN", "envSessionTokenExample")
            .env("AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z"),
        Step::new("keys in ~/.aws/credentials (default profile)")
            .file(".aws/credentials", CREDENTIALS_FILE)
            .file(".aws/config", CONFIG_FILE),
        Step::new("keys in ~/.aws/credentials, --profile dev")
            .file(".aws/credentials", CREDENTIALS_FILE)
            .file(".aws/config", CONFIG_FILE)
            .args(&["--profile", "dev"]),
        Step::new("keys in ~/.aws/config, AWS_PROFILE=ops")
            .file(".aws/credentials", CREDENTIALS_FILE)
            .file(".aws/config", CONFIG_FILE)
            .env("AWS_PROFILE", "ops"),
        Step::new("credential_process (here awscred itself, as another tool would run it)")
            .file(".aws/credentials", CREDENTIALS_FILE)
            .file(".aws/config", &process_config)
            .args(&["--profile", "tool"]),
        Step::new("container credentials (a loopback fake of the ECS / EKS endpoint)").env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            &format!("{container}/creds"),
        ),
        Step::new("EC2 instance metadata, IMDSv2 (a loopback fake of 169.254.169.254)")
            .env("AWS_EC2_METADATA_DISABLED", "false")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &format!("{imds}/")),
        Step::new("--profile beats the environment variables")
            .file(".aws/credentials", CREDENTIALS_FILE)
            .env("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE000001")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "envSecretExampleKey00000000000000000000001",
            )
            .args(&["--profile", "dev"]),
        Step::new("a profile that does not exist (fails as the AWS CLI does: exit 255)")
            .file(".aws/credentials", CREDENTIALS_FILE)
            .args(&["--profile", "nosuchprofile"])
            .exit(255),
        Step::new("no credentials anywhere (fails as the AWS CLI does: exit 253)").exit(253),
    ])
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("`demo` takes no arguments (got {arg:?})"));
    }
    eprintln!("building awscred...");
    run_status(cargo().args(["build", "--quiet", "-p", "awscred-cli", "--bin", "awscred"]))?;
    let binary = target_dir()
        .join("debug")
        .join(format!("awscred{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        return Err(format!("the build did not produce {}", binary.display()));
    }
    let demo = Demo {
        binary: binary.clone(),
    };
    let steps = steps(&demo)?;
    let total = steps.len();
    let mut failures = Vec::new();
    let mut shown = Vec::new();
    for (n, step) in steps.into_iter().enumerate() {
        println!("\n━━━ {}/{total}: {} ━━━", n + 1, step.title);
        if let Err(message) = run_step(&binary, &step, &mut shown) {
            println!("!!! {message}");
            failures.push(step.title);
        }
    }
    if failures.is_empty() {
        println!("\nall {total} demo steps behaved as expected");
        Ok(())
    } else {
        Err(format!(
            "{} step(s) did not behave as expected: {}",
            failures.len(),
            failures.join("; ")
        ))
    }
}

/// Runs one step; `shown` holds the files already printed, which later steps only name.
fn run_step(
    binary: &PathBuf,
    step: &Step,
    shown: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let home = TempHome::new()?;
    for (path, contents) in &step.files {
        let full = home.0.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&full, contents).map_err(|e| format!("{}: {e}", full.display()))?;
        let file = (path.to_owned(), contents.to_owned());
        if shown.contains(&file) {
            println!("# ~/{path}: as above");
            continue;
        }
        println!("# ~/{path}");
        for line in contents.lines() {
            println!("#   {line}");
        }
        shown.push(file);
    }
    for (name, value) in &step.env {
        println!("$ export {name}={value}");
    }
    for subcommand in [
        &["explain"][..],
        &["export-credentials", "--format", "env"][..],
    ] {
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("HOME", &home.0)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(step.env.iter().map(|(k, v)| (k, v)))
            .args(subcommand)
            .args(&step.args);
        let shown_args: Vec<&str> = subcommand
            .iter()
            .copied()
            .chain(step.args.iter().map(String::as_str))
            .collect();
        println!("$ awscred {}", shown_args.join(" "));
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        print!("{}", String::from_utf8_lossy(&out.stderr));
        let code = out.status.code().unwrap_or(-1);
        println!("(exit status {code})");
        if code != step.exit {
            return Err(format!(
                "`awscred {}` exited with {code}, expected {}",
                subcommand.join(" "),
                step.exit
            ));
        }
    }
    Ok(())
}

/// A temporary home directory, removed on drop.
struct TempHome(PathBuf);

impl TempHome {
    fn new() -> Result<Self, String> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "awscred-demo-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempHome(dir))
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
