//! `cargo xtask demo`: builds `awscred` and runs `explain` and `export-credentials` on example
//! configurations, one fresh temporary home per step, with a cleared environment (nothing on the
//! machine is read, and IMDS is switched off so nothing reaches 169.254.169.254).
//!
//! Adding a step is a few lines in [`steps`]: a title, the files of the home, the variables,
//! the arguments, and the exit status expected. A step that needs an endpoint starts a loopback
//! fake first ([`crate::fake::serve`] answers fixed routes) and points the step at it through a
//! variable, as the container and instance-metadata steps do.
//!
//! Then the other commands, each in its own fresh home: `exec` (the command's environment and
//! exit status), `serve` (a second awscred resolving through it, as any SDK would) and
//! `sso login` / `sso logout` (the device-code flow against a loopback fake of SSO-OIDC).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    let commands: [(&str, CommandDemo); 3] = [
        (
            "awscred exec: a command run with the credentials (and its exit status)",
            demo_exec,
        ),
        (
            "awscred serve: a local container-credentials endpoint for any SDK",
            demo_serve,
        ),
        (
            "awscred sso login / logout: the device-code flow (a loopback fake of SSO-OIDC)",
            demo_sso,
        ),
    ];
    let total = steps.len() + commands.len();
    let mut failures = Vec::new();
    let mut shown = Vec::new();
    for (n, step) in steps.into_iter().enumerate() {
        println!("\n━━━ {}/{total}: {} ━━━", n + 1, step.title);
        if let Err(message) = run_step(&binary, &step, &mut shown) {
            println!("!!! {message}");
            failures.push(step.title);
        }
    }
    for (n, (title, demo)) in commands.into_iter().enumerate() {
        println!(
            "\n━━━ {}/{total}: {title} ━━━",
            total - commands.len() + n + 1
        );
        if let Err(message) = TempHome::new().and_then(|home| demo(&binary, &home.0)) {
            println!("!!! {message}");
            failures.push(title.to_owned());
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

/// A demonstration of a command beyond explain / export-credentials, in a fresh home.
type CommandDemo = fn(&Path, &Path) -> Result<(), String>;

/// `awscred ARGS` in `home` with a cleared environment plus `env`.
fn awscred(binary: &Path, home: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .args(args);
    cmd
}

/// Shows and runs `awscred ARGS`, which should end with `exit`.
fn show_run(
    binary: &Path,
    home: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    exit: i32,
) -> Result<(), String> {
    for (name, value) in env {
        println!("$ export {name}={value}");
    }
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    println!("$ awscred {}", shown.join(" "));
    let out = awscred(binary, home, env, args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    print!("{}", String::from_utf8_lossy(&out.stderr));
    let code = out.status.code().unwrap_or(-1);
    println!("(exit status {code})");
    if code == exit {
        Ok(())
    } else {
        Err(format!(
            "`awscred {}` exited with {code}, expected {exit}",
            args.join(" ")
        ))
    }
}

fn write_home(home: &Path, files: &[(&str, &str)]) -> Result<(), String> {
    for (path, contents) in files {
        let full = home.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&full, contents).map_err(|e| format!("{}: {e}", full.display()))?;
        if [CREDENTIALS_FILE, CONFIG_FILE].contains(contents) {
            println!("# ~/{path}: as above");
            continue;
        }
        println!("# ~/{path}");
        for line in contents.lines() {
            println!("#   {line}");
        }
    }
    Ok(())
}

fn demo_exec(binary: &Path, home: &Path) -> Result<(), String> {
    write_home(
        home,
        &[
            (".aws/credentials", CREDENTIALS_FILE),
            (".aws/config", CONFIG_FILE),
        ],
    )?;
    // AWS_PROFILE names another profile: exec removes it, so the command cannot mix the two.
    show_run(
        binary,
        home,
        &[("AWS_PROFILE", "dev")],
        &[
            "exec",
            "--profile",
            "ops",
            "--",
            "sh",
            "-c",
            "echo \"key=$AWS_ACCESS_KEY_ID region=$AWS_REGION AWS_PROFILE=${AWS_PROFILE:-unset}\"; exit 3",
        ],
        3,
    )
}

fn demo_serve(binary: &Path, home: &Path) -> Result<(), String> {
    write_home(home, &[(".aws/credentials", CREDENTIALS_FILE)])?;
    println!("$ awscred serve --profile dev &");
    let mut server = awscred(binary, home, &[], &["serve", "--profile", "dev"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let result = (|| {
        let stdout = server.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut variables = Vec::new();
        for _ in 0..2 {
            let line = lines
                .next()
                .and_then(Result::ok)
                .ok_or("`awscred serve` printed fewer than two lines")?;
            println!("{line}");
            let (name, value) = line
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .ok_or_else(|| format!("unexpected line from `awscred serve`: {line}"))?;
            variables.push((name.to_owned(), value.to_owned()));
        }
        // A second awscred (or any SDK) in another home, with only the two variables.
        let client = TempHome::new()?;
        let env: Vec<(&str, &str)> = variables
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        println!("# in another shell, with no files at all:");
        show_run(binary, &client.0, &env, &["explain"], 0)?;
        show_run(
            binary,
            &client.0,
            &env,
            &["export-credentials", "--format", "env"],
            0,
        )
    })();
    // Our own child, by its handle.
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn demo_sso(binary: &Path, home: &Path) -> Result<(), String> {
    use crate::fake::Route;
    let json = |method, path, body: &str| Route {
        method,
        path,
        content_type: "application/json",
        body: body.to_owned(),
    };
    let sso = crate::fake::serve(vec![
        json(
            "POST",
            "/client/register",
            "{\"clientId\": \"demoClientId\", \"clientSecret\": \"demoClientSecret\", \
             \"clientIdIssuedAt\": 1700000000, \"clientSecretExpiresAt\": 4102444800}",
        ),
        json(
            "POST",
            "/device_authorization",
            "{\"deviceCode\": \"demoDeviceCode\", \"userCode\": \"DEMO-CODE\", \
             \"verificationUri\": \"https://device.sso.us-east-1.amazonaws.com/\", \
             \"verificationUriComplete\": \
             \"https://device.sso.us-east-1.amazonaws.com/?user_code=DEMO-CODE\", \
             \"expiresIn\": 600, \"interval\": 1}",
        ),
        json(
            "POST",
            "/token",
            "{\"accessToken\": \"demoAccessToken\", \"tokenType\": \"Bearer\", \
             \"expiresIn\": 28800, \"refreshToken\": \"demoRefreshToken\"}",
        ),
        json("POST", "/logout", ""),
    ])?;
    let config = "[profile demo]\nsso_start_url = https://d-demo.awsapps.com/start\n\
                  sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
    write_home(home, &[(".aws/config", config)])?;
    let env = [
        ("AWS_ENDPOINT_URL_SSO_OIDC", sso.as_str()),
        ("AWS_ENDPOINT_URL_SSO", sso.as_str()),
    ];
    let tokens = || {
        std::fs::read_dir(home.join(".aws/sso/cache"))
            .map(|dir| {
                dir.flatten()
                    .filter(|e| {
                        std::fs::read_to_string(e.path())
                            .is_ok_and(|text| text.contains("\"accessToken\""))
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    // The fake approves at the first poll, as if the user had entered the code at once.
    show_run(
        binary,
        home,
        &env,
        &["sso", "login", "--profile", "demo", "--no-browser"],
        0,
    )?;
    println!("# token files in ~/.aws/sso/cache: {}", tokens());
    if tokens() != 1 {
        return Err("`sso login` did not cache one token".into());
    }
    show_run(binary, home, &env, &["sso", "logout"], 0)?;
    println!("# token files in ~/.aws/sso/cache: {}", tokens());
    if tokens() != 0 {
        return Err("`sso logout` left a token behind".into());
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
